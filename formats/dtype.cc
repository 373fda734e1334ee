#include "formats/dtype.h"

#include <cstring>

namespace fairport {
namespace {

struct DTypeInfo {
  DType dtype;
  int item_size;
  absl::string_view safetensors;
  absl::string_view torch;
  absl::string_view storage_class;
};

constexpr DTypeInfo kDTypes[] = {
    {DType::kF32, 4, "F32", "float32", "FloatStorage"},
    {DType::kF16, 2, "F16", "float16", "HalfStorage"},
    {DType::kBF16, 2, "BF16", "bfloat16", "BFloat16Storage"},
    {DType::kF64, 8, "F64", "float64", "DoubleStorage"},
    {DType::kI64, 8, "I64", "int64", "LongStorage"},
    {DType::kI32, 4, "I32", "int32", "IntStorage"},
    {DType::kI16, 2, "I16", "int16", "ShortStorage"},
    {DType::kI8, 1, "I8", "int8", "CharStorage"},
    {DType::kU8, 1, "U8", "uint8", "ByteStorage"},
    {DType::kBool, 1, "BOOL", "bool", "BoolStorage"},
};

const DTypeInfo& Info(DType dtype) { return kDTypes[static_cast<int>(dtype)]; }

float F16ToF32(uint16_t h) {
  uint32_t sign = static_cast<uint32_t>(h & 0x8000) << 16;
  uint32_t exp = (h >> 10) & 0x1F;
  uint32_t mant = h & 0x3FF;
  uint32_t bits;
  if (exp == 0) {
    if (mant == 0) {
      bits = sign;
    } else {  // subnormal: normalise
      int e = -1;
      do {
        ++e;
        mant <<= 1;
      } while ((mant & 0x400) == 0);
      bits = sign | static_cast<uint32_t>(127 - 15 - e) << 23 |
             (mant & 0x3FF) << 13;
    }
  } else if (exp == 0x1F) {
    bits = sign | 0x7F800000u | mant << 13;
  } else {
    bits = sign | (exp + 127 - 15) << 23 | mant << 13;
  }
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

uint16_t F32ToF16(float f) {
  uint32_t x;
  std::memcpy(&x, &f, 4);
  uint32_t sign = (x >> 16) & 0x8000;
  uint32_t exp = (x >> 23) & 0xFF;
  uint32_t mant = x & 0x7FFFFF;
  if (exp == 0xFF)
    return static_cast<uint16_t>(sign | 0x7C00 | (mant ? 0x200 : 0));
  int32_t e = static_cast<int32_t>(exp) - 127 + 15;
  if (e >= 0x1F) return static_cast<uint16_t>(sign | 0x7C00);
  if (e <= 0) {
    if (e < -10) return static_cast<uint16_t>(sign);
    mant |= 0x800000;
    int shift = 14 - e;
    uint32_t half = mant >> shift;
    uint32_t rem = mant & ((1u << shift) - 1);
    uint32_t midpoint = 1u << (shift - 1);
    if (rem > midpoint || (rem == midpoint && (half & 1))) ++half;
    return static_cast<uint16_t>(sign | half);
  }
  uint32_t half = static_cast<uint32_t>(e) << 10 | mant >> 13;
  uint32_t rem = mant & 0x1FFF;
  if (rem > 0x1000 || (rem == 0x1000 && (half & 1)))
    ++half;  // may carry into inf
  return static_cast<uint16_t>(sign | half);
}

float BF16ToF32(uint16_t b) {
  uint32_t bits = static_cast<uint32_t>(b) << 16;
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

uint16_t F32ToBF16(float f) {
  uint32_t x;
  std::memcpy(&x, &f, 4);
  if ((x & 0x7FFFFFFF) > 0x7F800000)
    return static_cast<uint16_t>((x >> 16) | 0x40);  // quiet NaN
  x += 0x7FFF + ((x >> 16) & 1);
  return static_cast<uint16_t>(x >> 16);
}

float LoadAsF32(DType dtype, const unsigned char* p) {
  uint16_t h;
  float f;
  switch (dtype) {
    case DType::kF16:
      std::memcpy(&h, p, 2);
      return F16ToF32(h);
    case DType::kBF16:
      std::memcpy(&h, p, 2);
      return BF16ToF32(h);
    default:
      std::memcpy(&f, p, 4);
      return f;
  }
}

void StoreF32(DType dtype, float f, unsigned char* p) {
  uint16_t h;
  switch (dtype) {
    case DType::kF16:
      h = F32ToF16(f);
      std::memcpy(p, &h, 2);
      return;
    case DType::kBF16:
      h = F32ToBF16(f);
      std::memcpy(p, &h, 2);
      return;
    default:
      std::memcpy(p, &f, 4);
  }
}

bool IsCastable(DType dtype) {
  return dtype == DType::kF32 || dtype == DType::kF16 || dtype == DType::kBF16;
}

}  // namespace

int ItemSize(DType dtype) { return Info(dtype).item_size; }
absl::string_view SafetensorsName(DType dtype) {
  return Info(dtype).safetensors;
}
absl::string_view TorchName(DType dtype) { return Info(dtype).torch; }

std::optional<DType> DTypeFromSafetensorsName(absl::string_view name) {
  for (const DTypeInfo& info : kDTypes) {
    if (info.safetensors == name) return info.dtype;
  }
  return std::nullopt;
}

std::optional<DType> DTypeFromStorageClass(absl::string_view name) {
  for (const DTypeInfo& info : kDTypes) {
    if (info.storage_class == name) return info.dtype;
  }
  return std::nullopt;
}

bool IsFloatingPoint(DType dtype) {
  return dtype == DType::kF32 || dtype == DType::kF16 ||
         dtype == DType::kBF16 || dtype == DType::kF64;
}

bool CastFloats(DType from, const void* src, DType to, void* dst,
                int64_t count) {
  if (!IsCastable(from) || !IsCastable(to)) return false;
  const auto* in = static_cast<const unsigned char*>(src);
  auto* out = static_cast<unsigned char*>(dst);
  const int in_size = ItemSize(from);
  const int out_size = ItemSize(to);
  if (from == to) {
    std::memcpy(out, in, static_cast<size_t>(count) * in_size);
    return true;
  }
  for (int64_t i = 0; i < count; ++i) {
    StoreF32(to, LoadAsF32(from, in + i * in_size), out + i * out_size);
  }
  return true;
}

}  // namespace fairport
