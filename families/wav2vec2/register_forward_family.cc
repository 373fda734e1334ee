// Registers wav2vec 2.0's forward passes as the family "wav2vec2".
#include "families/forward_family.h"
#include "families/wav2vec2/flavor.h"
#include "families/wav2vec2/hf_classes.h"
#include "families/wav2vec2_encoder/forward_family.h"

namespace fairport::wav2vec2 {
namespace {

[[maybe_unused]] const bool kRegistered = RegisterForwardFamily(
    wav2vec2_encoder::MakeForwardFamily(Wav2Vec2Flavor(), Wav2Vec2Classes()));

}  // namespace
}  // namespace fairport::wav2vec2
