// What an HF pass reads of a converted directory besides its weights, as
// transformers reads it: config.json through the class its architectures
// name (families/common/passes/hf_class_config.h), its two activation names
// (hidden_act, feat_extract_activation) and preprocessor_config.json's
// do_normalize.
#ifndef FAIRPORT_FAMILIES_COMMON_PASSES_HF_FILES_H_
#define FAIRPORT_FAMILIES_COMMON_PASSES_HF_FILES_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "families/common/passes/hf_class_config.h"
#include "nlohmann/json.hpp"
#include "ops/activation.h"

namespace fairport {

struct HfActivations {
  ops::Activation hidden;   // hidden_act: the feed-forward blocks
  ops::Activation feature;  // feat_extract_activation: convolutions
};

struct HfFiles {
  std::string config_path;  // <model_dir>/config.json, for messages
  const HfClassFields* hf_class = nullptr;  // the class transformers builds
  // config.json with every field of the class at its effective value.
  nlohmann::json config;
  HfActivations activations;
  bool normalize = false;  // preprocessor_config.json's do_normalize
};

// `classes`: the family's transformers classes, one of which config.json's
// architectures must name.
absl::StatusOr<HfFiles> ReadHfFiles(const std::string& model_dir,
                                    absl::Span<const HfClassFields> classes);

}  // namespace fairport

#endif  // FAIRPORT_FAMILIES_COMMON_PASSES_HF_FILES_H_
