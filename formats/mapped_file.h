// A read-only memory mapping of a whole file. Pages of a consumed range can
// be released so that streaming through a large file keeps resident memory
// flat.
#ifndef FAIRPORT_FORMATS_MAPPED_FILE_H_
#define FAIRPORT_FORMATS_MAPPED_FILE_H_

#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace fairport {

class MappedFile {
 public:
  static absl::StatusOr<std::shared_ptr<MappedFile>> Open(
      const std::string& path);

  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;
  ~MappedFile();

  const std::string& path() const { return path_; }
  // The open descriptor, for in-kernel copies (copy_file_range).
  int fd() const { return fd_; }
  uint64_t size() const { return size_; }
  absl::string_view bytes() const {
    return absl::string_view(static_cast<const char*>(data_), size_);
  }

  // Drops the pages holding [begin, end) from this process's resident set;
  // a later read faults them back in from the page cache.
  void Release(uint64_t begin, uint64_t end) const;

 private:
  MappedFile(std::string path, int fd, void* data, uint64_t size)
      : path_(std::move(path)), fd_(fd), data_(data), size_(size) {}

  std::string path_;
  int fd_;
  void* data_;
  uint64_t size_;
};

}  // namespace fairport

#endif  // FAIRPORT_FORMATS_MAPPED_FILE_H_
