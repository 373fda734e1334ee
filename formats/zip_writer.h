// Writes a zip archive the way PyTorch's writer does: stored entries whose
// payloads start at 64-byte-aligned offsets, sizes and CRC-32 in data
// descriptors and the central directory, and always a ZIP64 end record, so
// archives of any size work. Entries are streamed; nothing is buffered.
#ifndef FAIRPORT_FORMATS_ZIP_WRITER_H_
#define FAIRPORT_FORMATS_ZIP_WRITER_H_

#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace fairport {

class ZipWriter {
 public:
  static absl::StatusOr<ZipWriter> Create(const std::string& path);
  ZipWriter(ZipWriter&& other) noexcept;
  ZipWriter& operator=(ZipWriter&&) = delete;
  ~ZipWriter();

  absl::Status BeginEntry(absl::string_view name);
  absl::Status Write(absl::string_view bytes);
  absl::Status EndEntry();
  // Writes the central directory and closes the file.
  absl::Status Finish();

 private:
  struct Entry {
    std::string name;
    uint64_t offset;
    uint64_t size;
    uint32_t crc;
  };
  ZipWriter(std::string path, std::FILE* file)
      : path_(std::move(path)), file_(file) {}
  absl::Status Raw(absl::string_view bytes);

  std::string path_;
  std::FILE* file_;
  uint64_t position_ = 0;
  std::vector<Entry> entries_;
  bool in_entry_ = false;
};

}  // namespace fairport

#endif  // FAIRPORT_FORMATS_ZIP_WRITER_H_
