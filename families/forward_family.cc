#include "families/forward_family.h"

#include <utility>

#include "ATen/TensorOperators.h"
#include "ATen/ops/zeros.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "base/json_file.h"
#include "base/status_macros.h"
#include "families/family_table.h"

namespace fairport {
namespace {

FamilyTable<ForwardFamily>& ForwardFamilies() {
  static auto* families =
      new FamilyTable<ForwardFamily>("forward registry", "checks");
  return *families;
}

}  // namespace

std::string EncoderLayerStage(int64_t layer) {
  return absl::StrCat("encoder layer ", layer);
}

at::Tensor ForwardOutput::Layer(int64_t layer) const {
  const std::string name = EncoderLayerStage(layer);
  for (const ForwardStage& stage : stages) {
    if (stage.name == name) return stage.states;
  }
  return at::Tensor();
}

bool RegisterForwardFamily(std::unique_ptr<ForwardFamily> family) {
  ForwardFamilies().Add(std::move(family));
  return true;
}

absl::StatusOr<LoadedModel> LoadFairseqModel(
    const FairseqCheckpoint& checkpoint, const std::string& language) {
  ASSIGN_OR_RETURN(const ForwardFamily* family,
                   ForwardFamilies().Claimant(checkpoint));
  return family->LoadFairseq(checkpoint, language);
}

absl::StatusOr<LoadedModel> LoadHfModel(const std::string& model_dir,
                                        const std::string& language) {
  const std::string config_path = absl::StrCat(model_dir, "/config.json");
  ASSIGN_OR_RETURN(nlohmann::json config, ReadJsonObject(config_path));
  const nlohmann::json* type =
      config.contains("model_type") ? &config["model_type"] : nullptr;
  std::vector<std::string> known;
  for (const auto& [name, family] : ForwardFamilies().families()) {
    if (type != nullptr && type->is_string() &&
        type->get<std::string>() == family->model_type()) {
      return family->LoadHf(model_dir, language);
    }
    known.emplace_back(family->model_type());
  }
  return absl::InvalidArgumentError(
      absl::StrCat(config_path, ": model_type ",
                   type == nullptr ? "is missing" : type->dump(),
                   "; Fairport checks ", absl::StrJoin(known, ", ")));
}

at::Tensor SampleMaskForFrames(const ForwardPass& pass,
                               const at::Tensor& frames, int64_t samples) {
  at::Tensor mask = at::zeros({frames.size(0), samples}, at::kLong);
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
