#include "formats/npy.h"

#include <cstring>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "base/status_macros.h"
#include "formats/little_endian.h"
#include "formats/mapped_file.h"

namespace fairport {

absl::StatusOr<NpyArray> ReadNpy(const std::string& path) {
  ASSIGN_OR_RETURN(std::shared_ptr<MappedFile> file, MappedFile::Open(path));
  absl::string_view bytes = file->bytes();
  auto error = [&](absl::string_view problem) {
    return absl::DataLossError(absl::StrCat(path, ": ", problem));
  };
  if (bytes.size() < 10 || bytes.substr(0, 6) != "\x93NUMPY")
    return error("not a .npy file");
  const int major = static_cast<uint8_t>(bytes[6]);
  // Version 1 has a 2-byte header length, later versions 4 bytes.
  const size_t width = major == 1 ? 2 : 4;
  const size_t offset = 8 + width;
  if (bytes.size() < offset) return error("truncated header");
  const size_t header_len = LittleEndian(bytes.substr(8, width));
  if (header_len > bytes.size() - offset) return error("truncated header");
  absl::string_view header = bytes.substr(offset, header_len);
  auto field = [&](absl::string_view key) -> absl::string_view {
    size_t at = header.find(absl::StrCat("'", key, "':"));
    if (at == absl::string_view::npos) return "";
    absl::string_view rest = header.substr(at + key.size() + 3);
    return absl::StripLeadingAsciiWhitespace(rest);
  };
  absl::string_view descr = field("descr");
  int item;
  char kind;
  if (absl::StartsWith(descr, "'<f4'")) {
    item = 4, kind = 'f';
  } else if (absl::StartsWith(descr, "'<f8'")) {
    item = 8, kind = 'f';
  } else if (absl::StartsWith(descr, "'<i8'")) {
    item = 8, kind = 'i';
  } else {
    return error(absl::StrCat("unsupported dtype ", descr.substr(0, 6)));
  }
  if (!absl::StartsWith(field("fortran_order"), "False"))
    return error("Fortran order is not supported");
  absl::string_view shape_text = field("shape");
  if (!absl::ConsumePrefix(&shape_text, "(")) return error("malformed shape");
  shape_text = shape_text.substr(0, shape_text.find(')'));
  NpyArray array;
  int64_t numel = 1;
  for (absl::string_view d :
       absl::StrSplit(shape_text, ',', absl::SkipWhitespace())) {
    int64_t v;
    if (!absl::SimpleAtoi(absl::StripAsciiWhitespace(d), &v) || v < 0)
      return error("malformed shape");
    array.shape.push_back(v);
    if (__builtin_mul_overflow(numel, v, &numel))
      return error("shape overflows 64 bits");
  }
  absl::string_view data = bytes.substr(offset + header_len);
  uint64_t needed;
  if (__builtin_mul_overflow(static_cast<uint64_t>(numel),
                             static_cast<uint64_t>(item), &needed) ||
      data.size() != needed) {
    return error(absl::StrCat("holds ", data.size(),
                              " data bytes, the shape needs ", numel, " x ",
                              item));
  }
  array.values.resize(numel);
  for (int64_t i = 0; i < numel; ++i) {
    const char* p = data.data() + i * item;
    if (kind == 'f' && item == 4) {
      float f;
      std::memcpy(&f, p, 4);
      array.values[i] = f;
    } else if (kind == 'f') {
      std::memcpy(&array.values[i], p, 8);
    } else {
      int64_t v;
      std::memcpy(&v, p, 8);
      array.values[i] = static_cast<double>(v);
    }
  }
  return array;
}

}  // namespace fairport
