#include "formats/tar_writer.h"

#include <cerrno>
#include <cstring>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "base/status_macros.h"

namespace fairport {
namespace {

constexpr size_t kBlock = 512;

void Octal(char* field, size_t width, uint64_t value) {
  // width-1 octal digits, zero-padded, then NUL.
  std::string digits =
      absl::StrFormat("%0*o", static_cast<int>(width - 1), value);
  std::memcpy(field, digits.data(), width - 1);
  field[width - 1] = '\0';
}

}  // namespace

TarGzWriter::TarGzWriter(std::string path, std::FILE* file)
    : path_(std::move(path)), file_(file), zs_(std::make_unique<z_stream>()) {
  std::memset(zs_.get(), 0, sizeof(z_stream));
  // windowBits 15 + 16: a gzip wrapper; zlib writes mtime 0 unless told
  // otherwise.
  zs_live_ = deflateInit2(zs_.get(), 9, Z_DEFLATED, 15 + 16, 9,
                          Z_DEFAULT_STRATEGY) == Z_OK;
}

TarGzWriter::TarGzWriter(TarGzWriter&& other) noexcept
    : path_(std::move(other.path_)),
      file_(other.file_),
      zs_(std::move(other.zs_)),
      zs_live_(other.zs_live_) {
  other.file_ = nullptr;
  other.zs_live_ = false;
}

TarGzWriter::~TarGzWriter() {
  if (zs_live_) deflateEnd(zs_.get());
  if (file_ != nullptr) std::fclose(file_);
}

absl::StatusOr<TarGzWriter> TarGzWriter::Create(const std::string& path) {
  std::FILE* file = std::fopen(path.c_str(), "wb");
  if (file == nullptr)
    return absl::InternalError(
        absl::StrCat(path, ": cannot create: ", std::strerror(errno)));
  TarGzWriter writer(path, file);
  if (!writer.zs_live_) return absl::InternalError("deflateInit2 failed");
  return writer;
}

absl::Status TarGzWriter::Deflate(absl::string_view bytes, int flush) {
  zs_->next_in = reinterpret_cast<Bytef*>(const_cast<char*>(bytes.data()));
  zs_->avail_in = static_cast<uInt>(bytes.size());
  unsigned char out[1 << 16];
  int rc;
  do {
    zs_->next_out = out;
    zs_->avail_out = sizeof(out);
    rc = deflate(zs_.get(), flush);
    if (rc == Z_STREAM_ERROR)
      return absl::InternalError(absl::StrCat(path_, ": deflate failed"));
    const size_t produced = sizeof(out) - zs_->avail_out;
    if (std::fwrite(out, 1, produced, file_) != produced) {
      return absl::InternalError(
          absl::StrCat(path_, ": write failed: ", std::strerror(errno)));
    }
  } while (zs_->avail_out == 0 || (flush == Z_FINISH && rc != Z_STREAM_END));
  return absl::OkStatus();
}

absl::Status TarGzWriter::Header(absl::string_view name, uint64_t size) {
  if (name.size() > 100)
    return absl::InvalidArgumentError(
        absl::StrCat("tar entry name too long: ", name));
  char h[kBlock] = {};
  std::memcpy(h, name.data(), name.size());
  Octal(h + 100, 8, 0644);
  Octal(h + 108, 8, 0);
  Octal(h + 116, 8, 0);
  Octal(h + 124, 12, size);
  Octal(h + 136, 12, 0);
  std::memset(h + 148, ' ', 8);
  h[156] = '0';
  std::memcpy(h + 257, "ustar", 6);
  std::memcpy(h + 263, "00", 2);
  unsigned sum = 0;
  for (unsigned char c : h) sum += c;
  std::string checksum = absl::StrFormat("%06o", sum);
  std::memcpy(h + 148, checksum.data(), 6);
  h[154] = '\0';
  h[155] = ' ';
  return Deflate(absl::string_view(h, kBlock), Z_NO_FLUSH);
}

absl::Status TarGzWriter::PadBlock(uint64_t size) {
  // Zeros up to the next 512-byte boundary after `size` bytes of content.
  const std::string padding((kBlock - size % kBlock) % kBlock, '\0');
  return Deflate(padding, Z_NO_FLUSH);
}

absl::Status TarGzWriter::AddBytes(absl::string_view name,
                                   absl::string_view bytes) {
  RETURN_IF_ERROR(Header(name, bytes.size()));
  RETURN_IF_ERROR(Deflate(bytes, Z_NO_FLUSH));
  return PadBlock(bytes.size());
}

absl::Status TarGzWriter::AddFile(absl::string_view name,
                                  const std::string& source) {
  std::FILE* in = std::fopen(source.c_str(), "rb");
  if (in == nullptr)
    return absl::NotFoundError(absl::StrCat(source, ": cannot open"));
  std::fseek(in, 0, SEEK_END);
  const uint64_t size = static_cast<uint64_t>(std::ftell(in));
  std::fseek(in, 0, SEEK_SET);
  absl::Status status = Header(name, size);
  std::vector<char> buffer(1 << 20);
  uint64_t done = 0;
  size_t n;
  while (status.ok() &&
         (n = std::fread(buffer.data(), 1, buffer.size(), in)) > 0) {
    status = Deflate(absl::string_view(buffer.data(), n), Z_NO_FLUSH);
    done += n;
  }
  std::fclose(in);
  RETURN_IF_ERROR(status);
  if (done != size)
    return absl::DataLossError(
        absl::StrCat(source, ": changed while being packaged"));
  return PadBlock(size);
}

absl::Status TarGzWriter::Finish() {
  const std::string end(2 * kBlock, '\0');
  RETURN_IF_ERROR(Deflate(end, Z_FINISH));
  deflateEnd(zs_.get());
  zs_live_ = false;
  std::FILE* file = file_;
  file_ = nullptr;
  if (std::fclose(file) != 0)
    return absl::InternalError(absl::StrCat(path_, ": close failed"));
  return absl::OkStatus();
}

}  // namespace fairport
