// Registers HuBERT as the family "hubert": wav2vec 2.0's encoder (the
// wav2vec2 package's architecture, mapping and passes) with HuBERT's names,
// heads and frame counting.
#include "families/registry.h"
#include "families/wav2vec2/family.h"

namespace fairport::hubert {
namespace {

[[maybe_unused]] const bool kRegistered =
    RegisterFamily(wav2vec2::MakeFamily(wav2vec2::Variant::kHubert));

}  // namespace
}  // namespace fairport::hubert
