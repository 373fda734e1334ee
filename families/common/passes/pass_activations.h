// The activation names each side's config uses, mapped onto the
// activations the forward passes implement (ops/activation.h): fairseq's
// get_activation_fn names for the fairseq passes, transformers' ACT2FN
// names for the HF passes. A name a pass does not implement is refused.
#ifndef FAIRPORT_FAMILIES_COMMON_PASSES_PASS_ACTIVATIONS_H_
#define FAIRPORT_FAMILIES_COMMON_PASSES_PASS_ACTIVATIONS_H_

#include <string>

#include "absl/status/statusor.h"
#include "nlohmann/json.hpp"
#include "ops/activation.h"

namespace fairport {

// fairseq.utils.get_activation_fn; `where` names the field for errors.
absl::StatusOr<ops::Activation> FairseqActivation(const std::string& name,
                                                  const std::string& where);

// config.json's `key` (hidden_act, feat_extract_activation).
absl::StatusOr<ops::Activation> HfActivation(const nlohmann::json& config,
                                             const char* key,
                                             const std::string& source);

}  // namespace fairport

#endif  // FAIRPORT_FAMILIES_COMMON_PASSES_PASS_ACTIVATIONS_H_
