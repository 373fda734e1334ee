#include "families/common/weights.h"

#include <cstring>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "formats/safetensors.h"

namespace fairport {
namespace {

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

}  // namespace

absl::StatusOr<Weights> FairseqWeights(const FairseqCheckpoint& checkpoint) {
  Weights weights;
  for (const NamedTensor& t : checkpoint.state_dict()) {
    if (!IsFloatingPoint(t.tensor->storage->dtype)) continue;
    ASSIGN_OR_RETURN(EntryBytes bytes,
                     checkpoint.archive().TensorBytes(*t.tensor));
    ASSIGN_OR_RETURN(
        weights[t.name],
        ToFloat(bytes.view(), t.tensor->storage->dtype, t.tensor->shape));
  }
  return weights;
}

std::string HfWeightsPath(const std::string& model_dir) {
  return absl::StrCat(model_dir, "/model.safetensors");
}

absl::StatusOr<Weights> HfWeights(const std::string& model_dir) {
  ASSIGN_OR_RETURN(SafetensorsFile file,
                   SafetensorsFile::Open(HfWeightsPath(model_dir)));
  Weights weights;
  for (const SafetensorsEntry& e : file.entries()) {
    ASSIGN_OR_RETURN(weights[e.name], ToFloat(file.Bytes(e), e.dtype, e.shape));
  }
  return weights;
}

}  // namespace fairport
