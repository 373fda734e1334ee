// safetensors: u64 little-endian header length, a JSON header naming each
// tensor's dtype, shape and [begin, end) data offsets, then the data.
//
// SafetensorsFile reads and validates a file through a mapping.
// SafetensorsLayout plans a file so that tensor bytes can be streamed into
// it in order after the header: same tensors in, same bytes out.
#ifndef FAIRPORT_FORMATS_SAFETENSORS_H_
#define FAIRPORT_FORMATS_SAFETENSORS_H_

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "formats/dtype.h"
#include "formats/mapped_file.h"

namespace fairport {

struct SafetensorsEntry {
  std::string name;
  DType dtype = DType::kF32;
  std::vector<int64_t> shape;
  uint64_t begin = 0;  // relative to the start of the data area
  uint64_t end = 0;

  int64_t numel() const;
};

class SafetensorsFile {
 public:
  static absl::StatusOr<SafetensorsFile> Open(const std::string& path);

  const std::string& path() const { return file_->path(); }
  // The mapping Bytes() views point into.
  const std::shared_ptr<MappedFile>& file() const { return file_; }
  // Entries in data order.
  const std::vector<SafetensorsEntry>& entries() const { return entries_; }
  const SafetensorsEntry* Find(absl::string_view name) const;
  absl::string_view Bytes(const SafetensorsEntry& entry) const;
  const std::map<std::string, std::string>& metadata() const {
    return metadata_;
  }

 private:
  explicit SafetensorsFile(std::shared_ptr<MappedFile> file)
      : file_(std::move(file)) {}
  absl::Status Parse();

  std::shared_ptr<MappedFile> file_;
  uint64_t data_start_ = 0;
  std::vector<SafetensorsEntry> entries_;
  absl::flat_hash_map<std::string, size_t> by_name_;
  std::map<std::string, std::string> metadata_;
};

class SafetensorsLayout {
 public:
  // Tensors are laid out in the order they are added.
  void Add(std::string name, DType dtype, std::vector<int64_t> shape);
  void SetMetadata(std::string key, std::string value) {
    metadata_[std::move(key)] = std::move(value);
  }

  const std::vector<SafetensorsEntry>& entries() const { return entries_; }
  // Length prefix and JSON header, padded with spaces to a multiple of 8 so
  // that the data starts aligned.
  std::string Header() const;
  uint64_t data_size() const { return data_size_; }

 private:
  std::vector<SafetensorsEntry> entries_;
  std::map<std::string, std::string> metadata_;
  uint64_t data_size_ = 0;
};

}  // namespace fairport

#endif  // FAIRPORT_FORMATS_SAFETENSORS_H_
