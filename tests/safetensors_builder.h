// Safetensors files edited tensor by tensor, for tests that need a
// reference file or a model.safetensors the tools must refuse: read one,
// change a dtype, a shape, the bytes or the metadata, write it again.
#ifndef FAIRPORT_TESTS_SAFETENSORS_BUILDER_H_
#define FAIRPORT_TESTS_SAFETENSORS_BUILDER_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "base/status_macros.h"
#include "formats/safetensors.h"

namespace fairport::testing {

struct TensorSpec {
  std::string name;
  DType dtype;
  std::vector<int64_t> shape;
  std::string bytes;  // as stored; need not match the shape
};

struct SafetensorsSpec {
  std::vector<TensorSpec> tensors;  // in data order
  std::map<std::string, std::string> metadata;

  TensorSpec* Find(const std::string& name) {
    for (TensorSpec& t : tensors)
      if (t.name == name) return &t;
    return nullptr;
  }
};

inline absl::StatusOr<SafetensorsSpec> ReadSafetensorsSpec(
    const std::string& path) {
  ASSIGN_OR_RETURN(SafetensorsFile file, SafetensorsFile::Open(path));
  SafetensorsSpec spec;
  spec.metadata = file.metadata();
  for (const SafetensorsEntry& e : file.entries())
    spec.tensors.push_back(
        {e.name, e.dtype, e.shape, std::string(file.Bytes(e))});
  return spec;
}

// The header's offsets follow each tensor's dtype and shape; the data is
// each tensor's bytes as they are.
inline std::string BuildSafetensors(const SafetensorsSpec& spec) {
  SafetensorsLayout layout;
  for (const auto& [k, v] : spec.metadata) layout.SetMetadata(k, v);
  for (const TensorSpec& t : spec.tensors) layout.Add(t.name, t.dtype, t.shape);
  std::string bytes = layout.Header();
  for (const TensorSpec& t : spec.tensors) bytes += t.bytes;
  return bytes;
}

}  // namespace fairport::testing

#endif  // FAIRPORT_TESTS_SAFETENSORS_BUILDER_H_
