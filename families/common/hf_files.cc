#include "families/common/hf_files.h"

#include "absl/strings/str_cat.h"
#include "base/json_file.h"
#include "base/status_macros.h"
#include "families/common/pass_activations.h"

namespace fairport {

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
  ASSIGN_OR_RETURN(
      nlohmann::json preprocessor,
      ReadJsonObject(absl::StrCat(model_dir, "/preprocessor_config.json")));
  files.normalize = preprocessor.contains("do_normalize") &&
                    preprocessor["do_normalize"].is_boolean() &&
                    preprocessor["do_normalize"].get<bool>();
  return files;
}

}  // namespace fairport
