#include "verify/model_io.h"

#include <cstring>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "base/files.h"
#include "base/status_macros.h"
#include "formats/safetensors.h"
#include "nlohmann/json.hpp"

namespace fairport {
namespace {

namespace d2v = data2vec_audio;

absl::StatusOr<torch::ScalarType> TorchType(DType dtype) {
  switch (dtype) {
    case DType::kF32:
      return torch::kFloat;
    case DType::kF16:
      return torch::kHalf;
    case DType::kBF16:
      return torch::kBFloat16;
    case DType::kF64:
      return torch::kDouble;
    default:
      return absl::InvalidArgumentError(absl::StrCat(
          "tensor dtype ", TorchName(dtype), " is not floating point"));
  }
}

// A float32 copy of little-endian bytes.
absl::StatusOr<torch::Tensor> ToFloat(absl::string_view bytes, DType dtype,
                                      const std::vector<int64_t>& shape) {
  ASSIGN_OR_RETURN(torch::ScalarType type, TorchType(dtype));
  torch::Tensor t = torch::empty(shape, torch::TensorOptions().dtype(type));
  std::memcpy(t.data_ptr(), bytes.data(), bytes.size());
  return t.to(torch::kFloat);
}

absl::StatusOr<nlohmann::json> ReadJson(const std::string& path) {
  ASSIGN_OR_RETURN(std::string text, ReadFile(path));
  nlohmann::json j =
      nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object())
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": not a JSON object"));
  return j;
}

}  // namespace

absl::StatusOr<FairseqModel> LoadFairseqModel(
    const FairseqCheckpoint& checkpoint) {
  FairseqModel model;
  ASSIGN_OR_RETURN(model.kind, d2v::DetectKind(checkpoint));
  RETURN_IF_ERROR(d2v::CheckRepresentable(checkpoint, model.kind));
  std::optional<int64_t> vocab;
  if (model.kind == d2v::ModelKind::kCtc) {
    ASSIGN_OR_RETURN(vocab, d2v::CtcVocabularySize(checkpoint));
  }
  ASSIGN_OR_RETURN(d2v::InferredConfig config,
                   d2v::InferConfig(checkpoint, model.kind, vocab));
  ASSIGN_OR_RETURN(model.arch, d2v::Architecture::FromHfConfig(
                                   config.hf_config, checkpoint.path()));
  model.normalize = config.preprocessor_config["do_normalize"].get<bool>();
  for (const NamedTensor& t : checkpoint.state_dict()) {
    if (!IsFloatingPoint(t.tensor->storage->dtype)) continue;
    ASSIGN_OR_RETURN(EntryBytes bytes,
                     checkpoint.archive().TensorBytes(*t.tensor));
    ASSIGN_OR_RETURN(
        model.weights[t.name],
        ToFloat(bytes.view(), t.tensor->storage->dtype, t.tensor->shape));
  }
  return model;
}

absl::StatusOr<HfModel> LoadHfModel(const std::string& model_dir) {
  HfModel model;
  const std::string config_path = absl::StrCat(model_dir, "/config.json");
  ASSIGN_OR_RETURN(nlohmann::json config, ReadJson(config_path));
  if (!config.contains("model_type") ||
      config["model_type"] != "data2vec-audio") {
    return absl::InvalidArgumentError(
        absl::StrCat(config_path, ": model_type is not \"data2vec-audio\""));
  }
  ASSIGN_OR_RETURN(model.arch,
                   d2v::Architecture::FromHfConfig(config, config_path));
  const std::string preprocessor_path =
      absl::StrCat(model_dir, "/preprocessor_config.json");
  ASSIGN_OR_RETURN(nlohmann::json preprocessor, ReadJson(preprocessor_path));
  model.do_normalize = preprocessor.value("do_normalize", false);
  ASSIGN_OR_RETURN(SafetensorsFile file, SafetensorsFile::Open(absl::StrCat(
                                             model_dir, "/model.safetensors")));
  for (const SafetensorsEntry& e : file.entries()) {
    ASSIGN_OR_RETURN(model.weights[e.name],
                     ToFloat(file.Bytes(e), e.dtype, e.shape));
  }
  return model;
}

}  // namespace fairport
