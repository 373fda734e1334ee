// Registers wav2vec 2.0's forward passes as the family "wav2vec2".
#include "families/forward_family.h"
#include "families/wav2vec2/forward_family.h"

namespace fairport::wav2vec2 {
namespace {

[[maybe_unused]] const bool kRegistered =
    RegisterForwardFamily(MakeForwardFamily(Variant::kWav2Vec2));

}  // namespace
}  // namespace fairport::wav2vec2
