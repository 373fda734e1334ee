// Registers wav2vec 2.0 as the family "wav2vec2".
#include "families/registry.h"
#include "families/wav2vec2/flavor.h"
#include "families/wav2vec2_encoder/family.h"

namespace fairport::wav2vec2 {
namespace {

[[maybe_unused]] const bool kRegistered =
    RegisterFamily(wav2vec2_encoder::MakeFamily(Wav2Vec2Flavor()));

}  // namespace
}  // namespace fairport::wav2vec2
