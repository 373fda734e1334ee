// A deterministic .tar.gz: ustar entries in the order added, mode 0644,
// uid/gid 0 with no owner names, mtime 0, and a gzip header without a
// timestamp, so the same files always give the same bytes.
#ifndef FAIRPORT_FORMATS_TAR_WRITER_H_
#define FAIRPORT_FORMATS_TAR_WRITER_H_

#include <zlib.h>

#include <cstdio>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace fairport {

class TarGzWriter {
 public:
  static absl::StatusOr<TarGzWriter> Create(const std::string& path);
  TarGzWriter(TarGzWriter&& other) noexcept;
  TarGzWriter& operator=(TarGzWriter&&) = delete;
  ~TarGzWriter();

  absl::Status AddBytes(absl::string_view name, absl::string_view bytes);
  // Streams a file from disk.
  absl::Status AddFile(absl::string_view name, const std::string& source);
  absl::Status Finish();

 private:
  TarGzWriter(std::string path, std::FILE* file);
  absl::Status Header(absl::string_view name, uint64_t size);
  absl::Status PadBlock(uint64_t size);
  absl::Status Deflate(absl::string_view bytes, int flush);

  std::string path_;
  std::FILE* file_;
  // zlib's state points back at its z_stream, which therefore never moves.
  std::unique_ptr<z_stream> zs_;
  bool zs_live_ = false;
};

}  // namespace fairport

#endif  // FAIRPORT_FORMATS_TAR_WRITER_H_
