// Writes small zip archives byte by byte from the PKWARE APPNOTE, for tests
// that need damaged or unusual archives the fixtures do not have.
#ifndef FAIRPORT_TESTS_ZIP_BUILDER_H_
#define FAIRPORT_TESTS_ZIP_BUILDER_H_

#include <zlib.h>

#include <cstdint>
#include <string>
#include <vector>

namespace fairport::testing {

struct ZipSpec {
  std::string name;
  std::string data;
  bool deflate = false;
  bool zip64 = false;  // sizes and offset through the zip64 extra field
};

inline void Put16(std::string& s, uint32_t v) {
  s.push_back(static_cast<char>(v));
  s.push_back(static_cast<char>(v >> 8));
}
inline void Put32(std::string& s, uint32_t v) {
  Put16(s, v & 0xFFFF);
  Put16(s, v >> 16);
}
inline void Put64(std::string& s, uint64_t v) {
  Put32(s, static_cast<uint32_t>(v));
  Put32(s, static_cast<uint32_t>(v >> 32));
}

inline std::string Deflate(const std::string& data) {
  z_stream zs{};
  deflateInit2(&zs, 9, Z_DEFLATED, -MAX_WBITS, 8, Z_DEFAULT_STRATEGY);
  std::string out(deflateBound(&zs, data.size()), '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  zs.avail_in = data.size();
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = out.size();
  deflate(&zs, Z_FINISH);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  return out;
}

inline std::string BuildZip(const std::vector<ZipSpec>& specs) {
  std::string file, central;
  for (const ZipSpec& s : specs) {
    std::string payload = s.deflate ? Deflate(s.data) : s.data;
    uint32_t crc =
        crc32(0, reinterpret_cast<const Bytef*>(s.data.data()), s.data.size());
    uint64_t offset = file.size();
    Put32(file, 0x04034b50);
    Put16(file, 20);
    Put16(file, 0);
    Put16(file, s.deflate ? 8 : 0);
    Put32(file, 0);
    Put32(file, crc);
    Put32(file, payload.size());
    Put32(file, s.data.size());
    Put16(file, s.name.size());
    Put16(file, 0);
    file += s.name;
    file += payload;
    Put32(central, 0x02014b50);
    Put16(central, 20);
    Put16(central, 20);
    Put16(central, 0);
    Put16(central, s.deflate ? 8 : 0);
    Put32(central, 0);
    Put32(central, crc);
    Put32(central, s.zip64 ? 0xFFFFFFFFu : payload.size());
    Put32(central, s.zip64 ? 0xFFFFFFFFu : s.data.size());
    Put16(central, s.name.size());
    Put16(central, s.zip64 ? 28 : 0);
    Put16(central, 0);
    Put16(central, 0);
    Put16(central, 0);
    Put32(central, 0);
    Put32(central, s.zip64 ? 0xFFFFFFFFu : offset);
    central += s.name;
    if (s.zip64) {
      Put16(central, 0x0001);
      Put16(central, 24);
      Put64(central, s.data.size());
      Put64(central, payload.size());
      Put64(central, offset);
    }
  }
  uint64_t cd_offset = file.size();
  file += central;
  Put32(file, 0x06054b50);
  Put16(file, 0);
  Put16(file, 0);
  Put16(file, specs.size());
  Put16(file, specs.size());
  Put32(file, central.size());
  Put32(file, cd_offset);
  Put16(file, 0);
  return file;
}

}  // namespace fairport::testing

#endif  // FAIRPORT_TESTS_ZIP_BUILDER_H_
