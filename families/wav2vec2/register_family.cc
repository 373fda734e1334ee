// Registers wav2vec 2.0 as the family "wav2vec2".
#include "families/registry.h"
#include "families/wav2vec2/family.h"

namespace fairport::wav2vec2 {
namespace {

[[maybe_unused]] const bool kRegistered =
    RegisterFamily(MakeFamily(Variant::kWav2Vec2));

}  // namespace
}  // namespace fairport::wav2vec2
