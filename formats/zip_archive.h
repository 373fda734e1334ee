// A zip archive read through a memory mapping: the central directory is
// parsed and every local header validated at Open; entry contents are
// views into the mapping (stored entries) or inflated copies (deflated
// entries). ZIP64 is supported; duplicate entry names are rejected.
// CRC-32 is verified only on request, as a separate pass.
#ifndef FAIRPORT_FORMATS_ZIP_ARCHIVE_H_
#define FAIRPORT_FORMATS_ZIP_ARCHIVE_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "formats/mapped_file.h"

namespace fairport {

struct ZipEntry {
  std::string name;
  uint16_t method = 0;  // 0 stored, 8 deflated
  uint32_t crc32 = 0;
  uint64_t compressed_size = 0;
  uint64_t uncompressed_size = 0;
  uint64_t local_header_offset = 0;
  uint64_t data_offset = 0;  // first payload byte in the file
};

// Bytes of an entry: a view into the mapping, or an owned inflated buffer.
class EntryBytes {
 public:
  EntryBytes() = default;
  explicit EntryBytes(absl::string_view view) : view_(view) {}
  explicit EntryBytes(std::shared_ptr<const std::string> owned)
      : owned_(std::move(owned)), view_(*owned_) {}
  absl::string_view view() const { return view_; }
  // True when the bytes live in the file mapping (no copy was made).
  bool mapped() const { return owned_ == nullptr; }

 private:
  std::shared_ptr<const std::string> owned_;
  absl::string_view view_;
};

class ZipArchive {
 public:
  static absl::StatusOr<ZipArchive> Open(const std::string& path);

  const std::string& path() const { return file_->path(); }
  const std::shared_ptr<MappedFile>& file() const { return file_; }
  const std::vector<ZipEntry>& entries() const { return entries_; }
  const ZipEntry* Find(absl::string_view name) const;

  // The entry's uncompressed bytes (no CRC check).
  absl::StatusOr<EntryBytes> Contents(const ZipEntry& entry) const;

  // Checks one entry's CRC-32 against the central directory.
  absl::Status VerifyCrc(const ZipEntry& entry) const;
  // Checks every entry, naming the first damaged one.
  absl::Status VerifyAllCrcs() const;

 private:
  explicit ZipArchive(std::shared_ptr<MappedFile> file)
      : file_(std::move(file)) {}
  absl::Status ReadDirectory();
  absl::Status Error(uint64_t offset, absl::string_view problem) const;

  std::shared_ptr<MappedFile> file_;
  std::vector<ZipEntry> entries_;
  absl::flat_hash_map<std::string, size_t> by_name_;
};

}  // namespace fairport

#endif  // FAIRPORT_FORMATS_ZIP_ARCHIVE_H_
