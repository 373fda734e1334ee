#include "families/common/passes/weights.h"

#include <cstdint>
#include <cstring>
#include <memory>

#include "ATen/TensorOperators.h"
#include "ATen/ops/empty.h"
#include "ATen/ops/from_blob.h"
#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "formats/mapped_file.h"
#include "formats/safetensors.h"

namespace fairport {
namespace {

absl::StatusOr<at::ScalarType> TorchType(DType dtype) {
  switch (dtype) {
    case DType::kF32:
      return at::kFloat;
    case DType::kF16:
      return at::kHalf;
    case DType::kBF16:
      return at::kBFloat16;
    case DType::kF64:
      return at::kDouble;
    default:
      return absl::InvalidArgumentError(absl::StrCat(
          "tensor dtype ", TorchName(dtype), " is not floating point"));
  }
}

// The float32 tensor of little-endian bytes, which must be what `shape`
// needs. Float32 bytes in the file's mapping, aligned for float, are used
// in place: the tensor keeps the mapping alive and the model holds each
// weight once, as the file's pages. Anything else is converted (or copied)
// once, and the pages it came from are released, so that only the float32
// copy stays resident. `file` is the mapping `bytes` point into, or null
// when they are a copy already. The forward passes never write to a weight
// (the mapping is read-only).
absl::StatusOr<at::Tensor> ToFloat(absl::string_view bytes, DType dtype,
                                   const std::vector<int64_t>& shape,
                                   const std::shared_ptr<MappedFile>& file) {
  ASSIGN_OR_RETURN(at::ScalarType type, TorchType(dtype));
  uint64_t needed = ItemSize(dtype);
  for (int64_t d : shape) {
    if (d < 0 ||
        __builtin_mul_overflow(needed, static_cast<uint64_t>(d), &needed)) {
      return absl::InvalidArgumentError("shape does not fit in memory");
    }
  }
  if (needed != bytes.size()) {
    return absl::InvalidArgumentError(
        absl::StrCat(bytes.size(), " bytes where the shape needs ", needed));
  }
  const auto options = at::TensorOptions().dtype(type);
  if (reinterpret_cast<uintptr_t>(bytes.data()) % ItemSize(dtype) != 0) {
    at::Tensor stored = at::empty(shape, options);
    std::memcpy(stored.data_ptr(), bytes.data(), bytes.size());
    return stored.to(at::kFloat);
  }
  at::Tensor stored = at::from_blob(
      const_cast<char*>(bytes.data()), shape, [file](void*) {}, options);
  if (file != nullptr && dtype == DType::kF32) return stored;
  // One float32 allocation, straight from the stored bytes.
  at::Tensor weight = stored.to(at::kFloat, /*non_blocking=*/false,
                                /*copy=*/true);
  if (file != nullptr) {
    const uint64_t begin = bytes.data() - file->bytes().data();
    file->Release(begin, begin + bytes.size());
  }
  return weight;
}

// Errors of one tensor, prefixed with where it is.
absl::Status Named(const absl::Status& status, absl::string_view where) {
  return absl::Status(status.code(),
                      absl::StrCat(where, ": ", status.message()));
}

// One checkpoint tensor as float32, errors naming `where`.
absl::Status AddFairseqWeight(const FairseqCheckpoint& checkpoint,
                              const TensorRef& tensor, const std::string& name,
                              const std::string& where, Weights& weights) {
  ASSIGN_OR_RETURN(EntryBytes bytes, checkpoint.archive().TensorBytes(tensor));
  absl::StatusOr<at::Tensor> weight =
      ToFloat(bytes.view(), tensor.storage->dtype, tensor.shape,
              bytes.mapped() ? checkpoint.archive().zip().file() : nullptr);
  if (!weight.ok()) return Named(weight.status(), where);
  weights[name] = *std::move(weight);
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<Weights> FairseqWeights(const FairseqCheckpoint& checkpoint) {
  Weights weights;
  for (const NamedTensor& t : checkpoint.state_dict()) {
    if (!IsFloatingPoint(t.tensor->storage->dtype)) continue;
    RETURN_IF_ERROR(AddFairseqWeight(
        checkpoint, *t.tensor, t.name,
        absl::StrCat(checkpoint.path(), ": ", t.name), weights));
  }
  return weights;
}

absl::StatusOr<Weights> FairseqDictWeights(const FairseqCheckpoint& checkpoint,
                                           const PickleValue& dict,
                                           const std::string& where) {
  if (!dict.is(PickleValue::Kind::kDict)) {
    return absl::InvalidArgumentError(
        absl::StrCat(checkpoint.path(), ": ", where, " is a ", dict.TypeName(),
                     ", not a dict of tensors"));
  }
  Weights weights;
  for (const auto& [key, value] : dict.entries()) {
    if (!key->is(PickleValue::Kind::kString) ||
        !value->is(PickleValue::Kind::kTensor) ||
        !IsFloatingPoint(value->tensor().storage->dtype)) {
      continue;
    }
    const std::string& name = key->text();
    RETURN_IF_ERROR(AddFairseqWeight(
        checkpoint, value->tensor(), name,
        absl::StrCat(checkpoint.path(), ": ", where, ": ", name), weights));
  }
  return weights;
}

std::string HfWeightsPath(const std::string& model_dir) {
  return absl::StrCat(model_dir, "/model.safetensors");
}

absl::StatusOr<Weights> SafetensorsWeights(const std::string& path) {
  ASSIGN_OR_RETURN(SafetensorsFile file, SafetensorsFile::Open(path));
  Weights weights;
  for (const SafetensorsEntry& e : file.entries()) {
    // BatchNorm's step counter is an integer buffer, not a weight.
    if (!IsFloatingPoint(e.dtype) &&
        absl::EndsWith(e.name, "num_batches_tracked")) {
      continue;
    }
    absl::StatusOr<at::Tensor> weight =
        ToFloat(file.Bytes(e), e.dtype, e.shape, file.file());
    if (!weight.ok()) {
      return Named(weight.status(),
                   absl::StrCat(file.path(), ": ", absl::CHexEscape(e.name)));
    }
    weights[e.name] = *std::move(weight);
  }
  return weights;
}

absl::StatusOr<Weights> HfWeights(const std::string& model_dir) {
  return SafetensorsWeights(HfWeightsPath(model_dir));
}

}  // namespace fairport
