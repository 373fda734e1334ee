// Registers HuBERT's forward passes (the wav2vec2 package's, with HuBERT's
// names, heads and fairseq's frame counting) as the family "hubert".
#include "families/forward_family.h"
#include "families/wav2vec2/forward_family.h"

namespace fairport::hubert {
namespace {

[[maybe_unused]] const bool kRegistered = RegisterForwardFamily(
    wav2vec2::MakeForwardFamily(wav2vec2::Variant::kHubert));

}  // namespace
}  // namespace fairport::hubert
