// Reads NumPy .npy files (version 1-3, little-endian, C order) of float32,
// float64 or int64: the fixtures' inputs and golden outputs.
#ifndef FAIRPORT_FORMATS_NPY_H_
#define FAIRPORT_FORMATS_NPY_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace fairport {

struct NpyArray {
  std::vector<int64_t> shape;
  std::vector<double> values;  // every element, converted to double

  int64_t numel() const { return static_cast<int64_t>(values.size()); }
};

absl::StatusOr<NpyArray> ReadNpy(const std::string& path);

}  // namespace fairport

#endif  // FAIRPORT_FORMATS_NPY_H_
