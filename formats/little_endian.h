// Unsigned little-endian integers from raw bytes, as zip, pickle,
// safetensors and .npy store their lengths and offsets.
#ifndef FAIRPORT_FORMATS_LITTLE_ENDIAN_H_
#define FAIRPORT_FORMATS_LITTLE_ENDIAN_H_

#include <cstdint>

#include "absl/strings/string_view.h"

namespace fairport {

// The value of `bytes` (at most 8; the caller checks they are there).
inline uint64_t LittleEndian(absl::string_view bytes) {
  uint64_t v = 0;
  for (size_t i = bytes.size(); i-- > 0;)
    v = v << 8 | static_cast<uint8_t>(bytes[i]);
  return v;
}

}  // namespace fairport

#endif  // FAIRPORT_FORMATS_LITTLE_ENDIAN_H_
