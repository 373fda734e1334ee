#include "families/common/passes/loaded_model.h"

#include "absl/strings/str_cat.h"
#include "base/status_macros.h"

namespace fairport {

absl::Status RefuseLanguage(const std::string& source,
                            const std::string& language) {
  if (language.empty()) return absl::OkStatus();
  return absl::InvalidArgumentError(
      absl::StrCat(source,
                   ": the model has no per-language adapters, so "
                   "there is no language '",
                   language, "' to choose"));
}

absl::Status ReadFairseqNormalize(const FairseqCheckpoint& checkpoint,
                                  LoadedModel& model) {
  const ConfigView& task = checkpoint.task_config();
  if (task.Has("normalize")) {
    ASSIGN_OR_RETURN(model.normalize, task.Bool("normalize"));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::optional<Weights>> LoadHfWeights(
    const std::string& model_dir,
    const std::vector<HfStateDictEntry>& state_dict, LoadedModel& model) {
  ASSIGN_OR_RETURN(Weights weights, HfWeights(model_dir));
  ASSIGN_OR_RETURN(model.weight_findings,
                   CompareHfWeights(state_dict, model.description,
                                    HfWeightsPath(model_dir), weights));
  if (ChangesOutput(model.weight_findings)) return std::nullopt;
  return std::optional<Weights>(std::move(weights));
}

}  // namespace fairport
