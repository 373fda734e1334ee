#include "families/common/passes/hf_files.h"

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "base/json.h"
#include "base/json_file.h"
#include "base/status_macros.h"
#include "families/common/passes/pass_activations.h"

namespace fairport {
namespace {

// What Wav2Vec2FeatureExtractor would do with the fields, where the passes
// do something else: the passes take 16 kHz mono audio padded with zeros,
// and normalise when do_normalize is true.
absl::Status CheckFeatureExtractor(const nlohmann::json& p,
                                   const std::string& path) {
  auto refuse = [&](const char* key, const char* wanted) {
    return absl::InvalidArgumentError(absl::StrCat(
        path, ": ", key, " is ", DumpJson(p[key]), ", not ", wanted));
  };
  for (const char* key : {"do_normalize", "return_attention_mask"}) {
    if (p.contains(key) && !p[key].is_boolean())
      return refuse(key, "a boolean");
  }
  if (p.contains("sampling_rate") &&
      !(p["sampling_rate"].is_number_integer() && p["sampling_rate"] == 16000))
    return refuse("sampling_rate", "16000");
  if (p.contains("feature_size") &&
      !(p["feature_size"].is_number_integer() && p["feature_size"] == 1))
    return refuse("feature_size", "1 (mono)");
  if (p.contains("padding_side") && p["padding_side"] != "right")
    return refuse("padding_side", "\"right\"");
  if (p.contains("padding_value") &&
      !(p["padding_value"].is_number() && p["padding_value"] == 0.0))
    return refuse("padding_value", "0.0 (the passes pad with zeros)");
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<HfFiles> ReadHfFiles(const std::string& model_dir,
                                    absl::Span<const HfClassFields> classes) {
  HfFiles files;
  files.config_path = absl::StrCat(model_dir, "/config.json");
  ASSIGN_OR_RETURN(nlohmann::json config, ReadJsonObject(files.config_path));
  ASSIGN_OR_RETURN(files.hf_class,
                   FindHfClass(config, files.config_path, classes));
  ASSIGN_OR_RETURN(files.config, ReadHfClassConfig(config, files.config_path,
                                                   *files.hf_class));
  ASSIGN_OR_RETURN(files.activations.hidden,
                   HfActivation(files.config, "hidden_act", files.config_path));
  ASSIGN_OR_RETURN(
      files.activations.feature,
      HfActivation(files.config, "feat_extract_activation", files.config_path));
  const std::string preprocessor_path =
      absl::StrCat(model_dir, "/preprocessor_config.json");
  ASSIGN_OR_RETURN(nlohmann::json preprocessor,
                   ReadJsonObject(preprocessor_path));
  RETURN_IF_ERROR(CheckFeatureExtractor(preprocessor, preprocessor_path));
  files.normalize = preprocessor.value("do_normalize", false);
  return files;
}

}  // namespace fairport
