#include "formats/zip_writer.h"

#include <zlib.h>

#include <cerrno>
#include <cstring>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "base/status_macros.h"

namespace fairport {
namespace {

constexpr uint64_t kAlignment = 64;

void Put16(std::string& s, uint64_t v) {
  s.push_back(static_cast<char>(v));
  s.push_back(static_cast<char>(v >> 8));
}
void Put32(std::string& s, uint64_t v) {
  Put16(s, v & 0xFFFF);
  Put16(s, (v >> 16) & 0xFFFF);
}
void Put64(std::string& s, uint64_t v) {
  Put32(s, v & 0xFFFFFFFF);
  Put32(s, v >> 32);
}

}  // namespace

absl::StatusOr<ZipWriter> ZipWriter::Create(const std::string& path) {
  std::FILE* file = std::fopen(path.c_str(), "wb");
  if (file == nullptr)
    return absl::InternalError(
        absl::StrCat(path, ": cannot create: ", std::strerror(errno)));
  return ZipWriter(path, file);
}

ZipWriter::ZipWriter(ZipWriter&& other) noexcept
    : path_(std::move(other.path_)),
      file_(other.file_),
      position_(other.position_),
      entries_(std::move(other.entries_)),
      in_entry_(other.in_entry_) {
  other.file_ = nullptr;
}

ZipWriter::~ZipWriter() {
  if (file_ != nullptr) std::fclose(file_);
}

absl::Status ZipWriter::Raw(absl::string_view bytes) {
  if (std::fwrite(bytes.data(), 1, bytes.size(), file_) != bytes.size()) {
    return absl::InternalError(
        absl::StrCat(path_, ": write failed: ", std::strerror(errno)));
  }
  position_ += bytes.size();
  return absl::OkStatus();
}

absl::Status ZipWriter::BeginEntry(absl::string_view name) {
  if (in_entry_) RETURN_IF_ERROR(EndEntry());
  std::string header;
  Put32(header, 0x04034b50);
  Put16(header, 45);      // version needed: zip64
  Put16(header, 0x0808);  // sizes in a data descriptor; UTF-8 names
  Put16(header, 0);       // stored
  Put32(header, 0);       // time, date
  Put32(header, 0);       // crc (in the descriptor)
  Put32(header, 0);
  Put32(header, 0);
  Put16(header, name.size());
  // Pad the extra field so the payload starts 64-byte aligned, as torch does.
  uint64_t unpadded = position_ + 30 + name.size() + 4;
  uint64_t padding = (kAlignment - unpadded % kAlignment) % kAlignment;
  Put16(header, 4 + padding);
  absl::StrAppend(&header, name);
  Put16(header, 0x4246);  // 'FB', torch's padding record
  Put16(header, padding);
  header.append(padding, 'Z');
  entries_.push_back({std::string(name), position_, 0,
                      static_cast<uint32_t>(crc32(0, Z_NULL, 0))});
  in_entry_ = true;
  return Raw(header);
}

absl::Status ZipWriter::Write(absl::string_view bytes) {
  Entry& e = entries_.back();
  const Bytef* p = reinterpret_cast<const Bytef*>(bytes.data());
  size_t left = bytes.size();
  while (left > 0) {
    uInt chunk = static_cast<uInt>(std::min<size_t>(left, 1u << 30));
    e.crc = static_cast<uint32_t>(crc32(e.crc, p, chunk));
    p += chunk;
    left -= chunk;
  }
  e.size += bytes.size();
  return Raw(bytes);
}

absl::Status ZipWriter::EndEntry() {
  in_entry_ = false;
  const Entry& e = entries_.back();
  std::string descriptor;
  Put32(descriptor, 0x08074b50);
  Put32(descriptor, e.crc);
  Put64(descriptor, e.size);
  Put64(descriptor, e.size);
  return Raw(descriptor);
}

absl::Status ZipWriter::Finish() {
  if (in_entry_) RETURN_IF_ERROR(EndEntry());
  const uint64_t cd_offset = position_;
  std::string cd;
  for (const Entry& e : entries_) {
    Put32(cd, 0x02014b50);
    Put16(cd, 45);
    Put16(cd, 45);
    Put16(cd, 0x0808);
    Put16(cd, 0);
    Put32(cd, 0);
    Put32(cd, e.crc);
    Put32(cd, 0xFFFFFFFF);  // sizes and offset in the zip64 extra field
    Put32(cd, 0xFFFFFFFF);
    Put16(cd, e.name.size());
    Put16(cd, 28);
    Put16(cd, 0);
    Put16(cd, 0);
    Put16(cd, 0);
    Put32(cd, 0);
    Put32(cd, 0xFFFFFFFF);
    absl::StrAppend(&cd, e.name);
    Put16(cd, 0x0001);
    Put16(cd, 24);
    Put64(cd, e.size);
    Put64(cd, e.size);
    Put64(cd, e.offset);
  }
  RETURN_IF_ERROR(Raw(cd));
  const uint64_t zip64_eocd = position_;
  std::string end;
  Put32(end, 0x06064b50);
  Put64(end, 44);
  Put16(end, 45);
  Put16(end, 45);
  Put32(end, 0);
  Put32(end, 0);
  Put64(end, entries_.size());
  Put64(end, entries_.size());
  Put64(end, cd.size());
  Put64(end, cd_offset);
  Put32(end, 0x07064b50);  // zip64 locator
  Put32(end, 0);
  Put64(end, zip64_eocd);
  Put32(end, 1);
  Put32(end, 0x06054b50);  // classic end record, saturated
  Put16(end, 0);
  Put16(end, 0);
  Put16(end, 0xFFFF);
  Put16(end, 0xFFFF);
  Put32(end, 0xFFFFFFFF);
  Put32(end, 0xFFFFFFFF);
  Put16(end, 0);
  RETURN_IF_ERROR(Raw(end));
  std::FILE* file = file_;
  file_ = nullptr;
  if (std::fclose(file) != 0)
    return absl::InternalError(
        absl::StrCat(path_, ": close failed: ", std::strerror(errno)));
  return absl::OkStatus();
}

}  // namespace fairport
