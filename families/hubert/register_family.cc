// Registers HuBERT as the family "hubert".
#include "families/hubert/flavor.h"
#include "families/registry.h"
#include "families/wav2vec2_encoder/family.h"

namespace fairport::hubert {
namespace {

[[maybe_unused]] const bool kRegistered =
    RegisterFamily(wav2vec2_encoder::MakeFamily(HubertFlavor()));

}  // namespace
}  // namespace fairport::hubert
