#include "families/forward_family.h"

#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "base/json_file.h"
#include "base/status_macros.h"

namespace fairport {
namespace {

std::map<std::string, std::unique_ptr<ForwardFamily>, std::less<>>&
ForwardFamilies() {
  static auto* families =
      new std::map<std::string, std::unique_ptr<ForwardFamily>, std::less<>>;
  return *families;
}

}  // namespace

std::string EncoderLayerStage(int64_t layer) {
  return absl::StrCat("encoder layer ", layer);
}

torch::Tensor ForwardOutput::Layer(int64_t layer) const {
  const std::string name = EncoderLayerStage(layer);
  for (const ForwardStage& stage : stages) {
    if (stage.name == name) return stage.states;
  }
  return torch::Tensor();
}

bool RegisterForwardFamily(std::unique_ptr<ForwardFamily> family) {
  std::string name(family->name());
  return ForwardFamilies().emplace(std::move(name), std::move(family)).second;
}

absl::StatusOr<LoadedModel> LoadFairseqModel(
    const FairseqCheckpoint& checkpoint) {
  std::vector<std::string> names;
  for (const auto& [name, family] : ForwardFamilies()) {
    if (family->Claims(checkpoint)) return family->LoadFairseq(checkpoint);
    names.push_back(name);
  }
  return absl::InvalidArgumentError(
      absl::StrCat(checkpoint.path(), ": model ", checkpoint.ModelDescription(),
                   " belongs to no family Fairport checks (families: ",
                   absl::StrJoin(names, ", "), ")"));
}

absl::StatusOr<LoadedModel> LoadHfModel(const std::string& model_dir) {
  const std::string config_path = absl::StrCat(model_dir, "/config.json");
  ASSIGN_OR_RETURN(nlohmann::json config, ReadJsonObject(config_path));
  const nlohmann::json* type =
      config.contains("model_type") ? &config["model_type"] : nullptr;
  std::vector<std::string> known;
  for (const auto& [name, family] : ForwardFamilies()) {
    if (type != nullptr && type->is_string() &&
        type->get<std::string>() == family->model_type()) {
      return family->LoadHf(model_dir);
    }
    known.emplace_back(family->model_type());
  }
  return absl::InvalidArgumentError(
      absl::StrCat(config_path, ": model_type ",
                   type == nullptr ? "is missing" : type->dump(),
                   "; Fairport checks ", absl::StrJoin(known, ", ")));
}

torch::Tensor SampleMaskForFrames(const ForwardPass& pass,
                                  const torch::Tensor& frames,
                                  int64_t samples) {
  torch::Tensor mask = torch::zeros({frames.size(0), samples}, torch::kLong);
  for (int64_t b = 0; b < frames.size(0); ++b) {
    const int64_t want = frames[b].item<int64_t>();
    const int64_t needed = want > 0 ? pass.SamplesForFrames(want) : 0;
    TORCH_CHECK(needed <= samples, "row ", b, ": ", want, " frames need ",
                needed, " samples, more than the row's ", samples);
    mask[b].narrow(0, 0, needed).fill_(1);
  }
  return mask;
}

}  // namespace fairport
