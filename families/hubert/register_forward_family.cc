// Registers HuBERT's forward passes as the family "hubert".
#include "families/forward_family.h"
#include "families/hubert/flavor.h"
#include "families/hubert/hf_classes.h"
#include "families/wav2vec2_encoder/forward_family.h"

namespace fairport::hubert {
namespace {

[[maybe_unused]] const bool kRegistered = RegisterForwardFamily(
    wav2vec2_encoder::MakeForwardFamily(HubertFlavor(), HubertClasses()));

}  // namespace
}  // namespace fairport::hubert
