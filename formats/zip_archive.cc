#include "formats/zip_archive.h"

#include <isa-l/crc.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "formats/little_endian.h"

namespace fairport {
namespace {

constexpr uint32_t kLocalHeaderSig = 0x04034b50;
constexpr uint32_t kCentralHeaderSig = 0x02014b50;
constexpr uint32_t kEocdSig = 0x06054b50;
constexpr uint32_t kZip64EocdSig = 0x06064b50;
constexpr uint32_t kZip64LocatorSig = 0x07064b50;
constexpr uint64_t kEocdSize = 22;
constexpr uint64_t kZip64LocatorSize = 20;
constexpr uint64_t kZip64EocdMinSize = 56;
constexpr uint64_t kCentralHeaderSize = 46;
constexpr uint64_t kLocalHeaderSize = 30;
constexpr uint16_t kZip64ExtraId = 0x0001;

// Little-endian field reads; callers check bounds first.
uint16_t U16(const char* p) {
  return static_cast<uint16_t>(LittleEndian(absl::string_view(p, 2)));
}
uint32_t U32(const char* p) {
  return static_cast<uint32_t>(LittleEndian(absl::string_view(p, 4)));
}
uint64_t U64(const char* p) { return LittleEndian(absl::string_view(p, 8)); }

}  // namespace

absl::Status ZipArchive::Error(uint64_t offset,
                               absl::string_view problem) const {
  return absl::DataLossError(
      absl::StrCat(path(), ": offset ", offset, ": ", problem));
}

absl::StatusOr<ZipArchive> ZipArchive::Open(const std::string& path) {
  ASSIGN_OR_RETURN(std::shared_ptr<MappedFile> file, MappedFile::Open(path));
  ZipArchive archive(std::move(file));
  RETURN_IF_ERROR(archive.ReadDirectory());
  return archive;
}

absl::Status ZipArchive::ReadDirectory() {
  absl::string_view data = file_->bytes();
  const uint64_t size = data.size();
  if (size >= 2 && static_cast<uint8_t>(data[0]) == 0x80 &&
      static_cast<uint8_t>(data[1]) <= 5) {
    return absl::InvalidArgumentError(
        absl::StrCat(path(),
                     ": a legacy (pre-1.6) torch.save file, not a zip archive; "
                     "re-save it with "
                     "torch.save from PyTorch 1.6 or newer"));
  }
  if (size < kEocdSize) {
    return Error(0, absl::StrCat("file of ", size,
                                 " bytes is too short for a zip archive"));
  }
  // The EOCD record sits at the end, followed by a comment of up to 64 KiB.
  uint64_t eocd = UINT64_MAX;
  uint64_t lowest = size > kEocdSize + 0xFFFF ? size - kEocdSize - 0xFFFF : 0;
  for (uint64_t pos = size - kEocdSize + 1; pos-- > lowest;) {
    if (U32(data.data() + pos) == kEocdSig &&
        pos + kEocdSize + U16(data.data() + pos + 20) == size) {
      eocd = pos;
      break;
    }
  }
  if (eocd == UINT64_MAX) {
    return Error(
        size,
        "no end-of-central-directory record (truncated, or not a zip archive)");
  }
  const char* e = data.data() + eocd;
  if (U16(e + 4) != 0 || U16(e + 6) != 0) {
    return Error(eocd, "multi-disk zip archives are not supported");
  }
  uint64_t count = U16(e + 10);
  uint64_t cd_size = U32(e + 12);
  uint64_t cd_offset = U32(e + 16);
  if (eocd >= kZip64LocatorSize &&
      U32(data.data() + eocd - kZip64LocatorSize) == kZip64LocatorSig) {
    const char* loc = data.data() + eocd - kZip64LocatorSize;
    uint64_t z64 = U64(loc + 8);
    if (z64 > size || size - z64 < kZip64EocdMinSize ||
        U32(data.data() + z64) != kZip64EocdSig) {
      return Error(eocd - kZip64LocatorSize,
                   "zip64 locator points to no zip64 end record");
    }
    const char* z = data.data() + z64;
    count = U64(z + 32);
    cd_size = U64(z + 40);
    cd_offset = U64(z + 48);
  }
  if (cd_offset > size || cd_size > size - cd_offset) {
    return Error(
        eocd, absl::StrCat("central directory at offset ", cd_offset, " with ",
                           cd_size, " bytes runs past the end of the ", size,
                           "-byte file"));
  }
  if (count > cd_size / kCentralHeaderSize) {
    return Error(eocd, absl::StrCat(count, " entries cannot fit a ", cd_size,
                                    "-byte central directory"));
  }
  entries_.reserve(count);
  uint64_t pos = cd_offset;
  const uint64_t cd_end = cd_offset + cd_size;
  for (uint64_t i = 0; i < count; ++i) {
    if (cd_end - pos < kCentralHeaderSize ||
        U32(data.data() + pos) != kCentralHeaderSig) {
      return Error(pos, absl::StrCat("central directory entry ", i,
                                     " has a bad signature"));
    }
    const char* c = data.data() + pos;
    ZipEntry entry;
    uint16_t flags = U16(c + 8);
    entry.method = U16(c + 10);
    entry.crc32 = U32(c + 16);
    entry.compressed_size = U32(c + 20);
    entry.uncompressed_size = U32(c + 24);
    uint64_t name_len = U16(c + 28);
    uint64_t extra_len = U16(c + 30);
    uint64_t comment_len = U16(c + 32);
    entry.local_header_offset = U32(c + 42);
    if (cd_end - pos - kCentralHeaderSize <
        name_len + extra_len + comment_len) {
      return Error(pos, "central directory entry runs past the directory");
    }
    entry.name.assign(c + kCentralHeaderSize, name_len);
    // ZIP64 extra field: the 64-bit values of the fields saturated at
    // 0xFFFFFFFF.
    const char* x = c + kCentralHeaderSize + name_len;
    const char* x_end = x + extra_len;
    while (x_end - x >= 4) {
      uint16_t id = U16(x);
      uint16_t len = U16(x + 2);
      if (x_end - x - 4 < len)
        return Error(pos, "extra field runs past its entry");
      if (id == kZip64ExtraId) {
        const char* v = x + 4;
        const char* v_end = v + len;
        auto take = [&](uint64_t& field) -> bool {
          if (field != 0xFFFFFFFFu) return true;
          if (v_end - v < 8) return false;
          field = U64(v);
          v += 8;
          return true;
        };
        if (!take(entry.uncompressed_size) || !take(entry.compressed_size) ||
            !take(entry.local_header_offset)) {
          return Error(pos, "zip64 extra field is too short");
        }
      }
      x += 4 + len;
    }
    if (flags & 0x0001)
      return Error(pos, absl::StrCat(entry.name,
                                     ": encrypted entries are not supported"));
    if (entry.method != 0 && entry.method != 8) {
      return Error(
          pos, absl::StrCat(entry.name, ": compression method ", entry.method,
                            " is not supported (only stored and deflated)"));
    }
    if (entry.method == 0 && entry.compressed_size != entry.uncompressed_size) {
      return Error(
          pos, absl::StrCat(entry.name, ": stored entry with different sizes"));
    }
    // The local header's own name and extra lengths locate the payload.
    uint64_t lh = entry.local_header_offset;
    if (lh > cd_offset || cd_offset - lh < kLocalHeaderSize ||
        U32(data.data() + lh) != kLocalHeaderSig) {
      return Error(lh, absl::StrCat(entry.name, ": bad local header"));
    }
    const char* l = data.data() + lh;
    uint64_t l_name_len = U16(l + 26);
    uint64_t l_extra_len = U16(l + 28);
    if (U16(l + 8) != entry.method) {
      return Error(
          lh,
          absl::StrCat(entry.name,
                       ": local and central headers disagree on the method"));
    }
    if (l_name_len != name_len ||
        cd_offset - lh - kLocalHeaderSize < l_name_len ||
        std::memcmp(l + kLocalHeaderSize, entry.name.data(), name_len) != 0) {
      return Error(
          lh, absl::StrCat(entry.name, ": local header names another entry"));
    }
    entry.data_offset = lh + kLocalHeaderSize + l_name_len + l_extra_len;
    if (entry.data_offset > cd_offset ||
        entry.compressed_size > cd_offset - entry.data_offset) {
      return Error(lh, absl::StrCat(entry.name, ": ", entry.compressed_size,
                                    "-byte payload runs past the end of the "
                                    "entry data (truncated?)"));
    }
    if (!by_name_.emplace(entry.name, entries_.size()).second) {
      return Error(pos, absl::StrCat("duplicate entry name ", entry.name));
    }
    entries_.push_back(std::move(entry));
    pos += kCentralHeaderSize + name_len + extra_len + comment_len;
  }
  return absl::OkStatus();
}

const ZipEntry* ZipArchive::Find(absl::string_view name) const {
  auto it = by_name_.find(name);
  return it == by_name_.end() ? nullptr : &entries_[it->second];
}

absl::StatusOr<EntryBytes> ZipArchive::Contents(const ZipEntry& entry) const {
  absl::string_view payload =
      file_->bytes().substr(entry.data_offset, entry.compressed_size);
  if (entry.method == 0) return EntryBytes(payload);
  // Inflated size is bounded by deflate's maximum ratio (1032:1); refuse claims
  // beyond it before allocating.
  if (entry.uncompressed_size / 1032 > entry.compressed_size + 1) {
    return Error(
        entry.data_offset,
        absl::StrCat(entry.name, ": claims ", entry.uncompressed_size,
                     " bytes from ", entry.compressed_size, " deflated bytes"));
  }
  auto out = std::make_shared<std::string>(entry.uncompressed_size, '\0');
  z_stream zs;
  std::memset(&zs, 0, sizeof(zs));
  if (inflateInit2(&zs, -MAX_WBITS) != Z_OK)
    return absl::InternalError("inflateInit2 failed");
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(payload.data()));
  zs.next_out = reinterpret_cast<Bytef*>(out->data());
  // zlib counts in 32-bit chunks; total_in/total_out are 64-bit here.
  constexpr uint64_t kChunk = 1u << 30;
  int rc = Z_OK;
  while (rc == Z_OK) {
    if (zs.avail_in == 0)
      zs.avail_in =
          static_cast<uInt>(std::min(payload.size() - zs.total_in, kChunk));
    if (zs.avail_out == 0)
      zs.avail_out =
          static_cast<uInt>(std::min(out->size() - zs.total_out, kChunk));
    rc = inflate(&zs, Z_NO_FLUSH);
  }
  const bool complete = rc == Z_STREAM_END && zs.total_out == out->size();
  inflateEnd(&zs);
  if (!complete) {
    return Error(entry.data_offset,
                 absl::StrCat(entry.name,
                              ": deflated data is corrupt or does "
                              "not inflate to its recorded size"));
  }
  return EntryBytes(std::shared_ptr<const std::string>(std::move(out)));
}

absl::Status ZipArchive::VerifyCrc(const ZipEntry& entry) const {
  // ISA-L's crc32_gzip_refl is zlib's CRC-32, computed with carry-less
  // multiplication where the CPU has it: several times faster.
  uint32_t crc = 0;
  if (entry.method == 0) {
    // Stored entries are read with pread through one small buffer rather
    // than through the mapping: no page faults, and nothing stays resident.
    constexpr size_t kWindow = 4 << 20;
    std::string buffer(std::min<uint64_t>(kWindow, entry.compressed_size),
                       '\0');
    uint64_t done = 0;
    while (done < entry.compressed_size) {
      const size_t want = static_cast<size_t>(
          std::min<uint64_t>(buffer.size(), entry.compressed_size - done));
      ssize_t n = ::pread(file_->fd(), buffer.data(), want,
                          static_cast<off_t>(entry.data_offset + done));
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0)
        return Error(entry.data_offset + done,
                     absl::StrCat(entry.name, ": read failed"));
      crc = crc32_gzip_refl(
          crc, reinterpret_cast<const unsigned char*>(buffer.data()),
          static_cast<uint64_t>(n));
      done += static_cast<uint64_t>(n);
    }
  } else {
    ASSIGN_OR_RETURN(EntryBytes bytes, Contents(entry));
    crc = crc32_gzip_refl(
        crc, reinterpret_cast<const unsigned char*>(bytes.view().data()),
        bytes.view().size());
  }
  if (crc != entry.crc32) {
    return Error(entry.data_offset,
                 absl::StrCat(entry.name, ": CRC-32 mismatch (stored ",
                              absl::Hex(entry.crc32), ", computed ",
                              absl::Hex(crc), "): the file is damaged"));
  }
  return absl::OkStatus();
}

absl::Status ZipArchive::VerifyAllCrcs() const {
  for (const ZipEntry& entry : entries_) RETURN_IF_ERROR(VerifyCrc(entry));
  return absl::OkStatus();
}

}  // namespace fairport
