#include "formats/safetensors.h"

#include <algorithm>
#include <limits>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "base/json.h"
#include "base/status_macros.h"
#include "formats/little_endian.h"
#include "nlohmann/json.hpp"

namespace fairport {
namespace {

// The safetensors library refuses larger headers.
constexpr uint64_t kMaxHeaderSize = 100'000'000;

}  // namespace

int64_t SafetensorsEntry::numel() const {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return n;
}

absl::StatusOr<SafetensorsFile> SafetensorsFile::Open(const std::string& path) {
  ASSIGN_OR_RETURN(std::shared_ptr<MappedFile> file, MappedFile::Open(path));
  SafetensorsFile st(std::move(file));
  RETURN_IF_ERROR(st.Parse());
  return st;
}

absl::Status SafetensorsFile::Parse() {
  auto error = [&](absl::string_view problem) {
    return absl::DataLossError(absl::StrCat(path(), ": ", problem));
  };
  absl::string_view bytes = file_->bytes();
  if (bytes.size() < 8) return error("too short for a safetensors file");
  const uint64_t header_size = LittleEndian(bytes.substr(0, 8));
  if (header_size > kMaxHeaderSize || header_size > bytes.size() - 8) {
    return error(absl::StrCat("header length ", header_size,
                              " exceeds the file or 100 MB"));
  }
  data_start_ = 8 + header_size;
  nlohmann::json header = ParseJson(bytes.substr(8, header_size));
  if (!header.is_object()) return error("header is not a JSON object");
  for (auto& [name, value] : header.items()) {
    if (name == "__metadata__") {
      if (!value.is_object()) return error("__metadata__ is not an object");
      for (auto& [k, v] : value.items()) {
        if (!v.is_string()) return error("__metadata__ values must be strings");
        metadata_[k] = v.get<std::string>();
      }
      continue;
    }
    SafetensorsEntry entry;
    entry.name = name;
    if (!value.is_object() || !value.contains("dtype") ||
        !value["dtype"].is_string() || !value.contains("shape") ||
        !value["shape"].is_array() || !value.contains("data_offsets") ||
        !value["data_offsets"].is_array() ||
        value["data_offsets"].size() != 2) {
      return error(absl::StrCat(name, ": needs dtype, shape and data_offsets"));
    }
    std::optional<DType> dtype =
        DTypeFromSafetensorsName(value["dtype"].get<std::string>());
    if (!dtype)
      return error(absl::StrCat(name, ": unsupported dtype ",
                                value["dtype"].get<std::string>()));
    entry.dtype = *dtype;
    uint64_t bytes_needed = ItemSize(entry.dtype);
    for (const auto& d : value["shape"]) {
      if (!d.is_number_unsigned() ||
          d.get<uint64_t>() >
              static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))
        return error(
            absl::StrCat(name, ": shape entries must be non-negative ints"));
      entry.shape.push_back(d.get<int64_t>());
      if (__builtin_mul_overflow(bytes_needed, d.get<uint64_t>(),
                                 &bytes_needed)) {
        return error(absl::StrCat(name, ": shape overflows"));
      }
    }
    const auto& offsets = value["data_offsets"];
    if (!offsets[0].is_number_unsigned() || !offsets[1].is_number_unsigned()) {
      return error(
          absl::StrCat(name, ": data_offsets must be non-negative ints"));
    }
    entry.begin = offsets[0].get<uint64_t>();
    entry.end = offsets[1].get<uint64_t>();
    if (entry.end < entry.begin || entry.end - entry.begin != bytes_needed) {
      return error(absl::StrCat(name, ": data_offsets [", entry.begin, ", ",
                                entry.end, ") do not hold ", bytes_needed,
                                " bytes"));
    }
    entries_.push_back(std::move(entry));
  }
  std::sort(entries_.begin(), entries_.end(),
            [](const SafetensorsEntry& a, const SafetensorsEntry& b) {
              return a.begin < b.begin;
            });
  uint64_t expected = 0;
  for (size_t i = 0; i < entries_.size(); ++i) {
    if (entries_[i].begin != expected) {
      return error(
          absl::StrCat(entries_[i].name,
                       ": data does not follow on from the previous tensor"));
    }
    expected = entries_[i].end;
    if (expected > bytes.size() - data_start_) {
      return error(absl::StrCat(entries_[i].name, ": data ends at byte ",
                                expected, " of a ", bytes.size() - data_start_,
                                "-byte data area (truncated file?)"));
    }
    by_name_[entries_[i].name] = i;
  }
  if (expected != bytes.size() - data_start_) {
    return error(absl::StrCat("tensors cover ", expected, " bytes of a ",
                              bytes.size() - data_start_, "-byte data area"));
  }
  return absl::OkStatus();
}

const SafetensorsEntry* SafetensorsFile::Find(absl::string_view name) const {
  auto it = by_name_.find(name);
  return it == by_name_.end() ? nullptr : &entries_[it->second];
}

absl::string_view SafetensorsFile::Bytes(const SafetensorsEntry& entry) const {
  return file_->bytes().substr(data_start_ + entry.begin,
                               entry.end - entry.begin);
}

void SafetensorsLayout::Add(std::string name, DType dtype,
                            std::vector<int64_t> shape) {
  SafetensorsEntry entry;
  entry.name = std::move(name);
  entry.dtype = dtype;
  entry.shape = std::move(shape);
  entry.begin = data_size_;
  entry.end =
      data_size_ + static_cast<uint64_t>(entry.numel()) * ItemSize(dtype);
  data_size_ = entry.end;
  entries_.push_back(std::move(entry));
}

std::string SafetensorsLayout::Header() const {
  // Keys in a fixed order: __metadata__ first, then tensors in data order.
  nlohmann::ordered_json header = nlohmann::ordered_json::object();
  if (!metadata_.empty()) {
    nlohmann::ordered_json meta = nlohmann::ordered_json::object();
    for (const auto& [k, v] : metadata_) meta[k] = v;
    header["__metadata__"] = meta;
  }
  for (const SafetensorsEntry& e : entries_) {
    header[e.name] = {{"dtype", std::string(SafetensorsName(e.dtype))},
                      {"shape", e.shape},
                      {"data_offsets", {e.begin, e.end}}};
  }
  std::string json = DumpJson(header);
  json.append((8 - json.size() % 8) % 8, ' ');
  std::string out(8, '\0');
  uint64_t n = json.size();
  for (int i = 0; i < 8; ++i) out[i] = static_cast<char>(n >> (8 * i));
  return out + json;
}

}  // namespace fairport
