// Element types of tensors as PyTorch stores them and safetensors names them.
#ifndef FAIRPORT_FORMATS_DTYPE_H_
#define FAIRPORT_FORMATS_DTYPE_H_

#include <cstdint>
#include <optional>

#include "absl/strings/string_view.h"

namespace fairport {

enum class DType : uint8_t {
  kF32,
  kF16,
  kBF16,
  kF64,
  kI64,
  kI32,
  kI16,
  kI8,
  kU8,
  kBool
};

int ItemSize(DType dtype);
// "F32", "F16", "BF16", ... as the safetensors header spells them.
absl::string_view SafetensorsName(DType dtype);
std::optional<DType> DTypeFromSafetensorsName(absl::string_view name);
// "float32", "float16", ... as torch and transformers' torch_dtype spell them.
absl::string_view TorchName(DType dtype);
// The dtype of a `torch.<Name>Storage` class, e.g. "HalfStorage".
std::optional<DType> DTypeFromStorageClass(absl::string_view name);

bool IsFloatingPoint(DType dtype);

// Casts `count` little-endian elements between floating-point dtypes
// (f32, f16, bf16), rounding to nearest even where precision is lost.
// Returns false when either dtype is not one of those three.
bool CastFloats(DType from, const void* src, DType to, void* dst,
                int64_t count);

}  // namespace fairport

#endif  // FAIRPORT_FORMATS_DTYPE_H_
