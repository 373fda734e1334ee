#include "formats/torch_writer.h"

#include <cstring>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "base/status_macros.h"

namespace fairport {
namespace {

void PutLe(std::string& out, uint64_t v, int bytes) {
  for (int i = 0; i < bytes; ++i)
    out.push_back(static_cast<char>(v >> (8 * i)));
}

std::string StorageClass(DType dtype) {
  switch (dtype) {
    case DType::kF32:
      return "FloatStorage";
    case DType::kF16:
      return "HalfStorage";
    case DType::kBF16:
      return "BFloat16Storage";
    case DType::kF64:
      return "DoubleStorage";
    case DType::kI64:
      return "LongStorage";
    case DType::kI32:
      return "IntStorage";
    case DType::kI16:
      return "ShortStorage";
    case DType::kI8:
      return "CharStorage";
    case DType::kU8:
      return "ByteStorage";
    case DType::kBool:
      return "BoolStorage";
  }
  return "";
}

}  // namespace

PickleWriter::PickleWriter() { out_ = "\x80\x02"; }
void PickleWriter::None() { out_ += 'N'; }
void PickleWriter::Bool(bool v) { out_ += static_cast<char>(v ? 0x88 : 0x89); }

void PickleWriter::Int(int64_t v) {
  if (v >= 0 && v < 256) {
    out_ += 'K';
    PutLe(out_, v, 1);
  } else if (v >= INT32_MIN && v <= INT32_MAX) {
    out_ += 'J';
    PutLe(out_, static_cast<uint32_t>(v), 4);
  } else {
    out_ += static_cast<char>(0x8a);
    out_ += static_cast<char>(8);
    PutLe(out_, static_cast<uint64_t>(v), 8);
  }
}

void PickleWriter::Float(double v) {
  uint64_t bits;
  std::memcpy(&bits, &v, 8);
  out_ += 'G';
  for (int i = 7; i >= 0; --i)
    out_.push_back(static_cast<char>(bits >> (8 * i)));
}

void PickleWriter::String(absl::string_view s) {
  out_ += 'X';
  PutLe(out_, s.size(), 4);
  absl::StrAppend(&out_, s);
}

void PickleWriter::EmptyDict() { out_ += '}'; }
void PickleWriter::EmptyList() { out_ += ']'; }
void PickleWriter::EmptyTuple() { out_ += ')'; }
void PickleWriter::Mark() { out_ += '('; }
void PickleWriter::Tuple() { out_ += 't'; }
void PickleWriter::SetItems() { out_ += 'u'; }
void PickleWriter::Appends() { out_ += 'e'; }
void PickleWriter::Global(absl::string_view module, absl::string_view name) {
  absl::StrAppend(&out_, "c", module, "\n", name, "\n");
}
void PickleWriter::Reduce() { out_ += 'R'; }
void PickleWriter::NewObj() { out_ += '\x81'; }
void PickleWriter::Build() { out_ += 'b'; }
void PickleWriter::BinPersId() { out_ += 'Q'; }

void PickleWriter::Json(const nlohmann::ordered_json& value) {
  switch (value.type()) {
    case nlohmann::ordered_json::value_t::null:
      return None();
    case nlohmann::ordered_json::value_t::boolean:
      return Bool(value.get<bool>());
    case nlohmann::ordered_json::value_t::number_integer:
    case nlohmann::ordered_json::value_t::number_unsigned:
      return Int(value.get<int64_t>());
    case nlohmann::ordered_json::value_t::number_float:
      return Float(value.get<double>());
    case nlohmann::ordered_json::value_t::string:
      return String(value.get<std::string>());
    case nlohmann::ordered_json::value_t::array:
      EmptyList();
      if (value.empty()) return;
      Mark();
      for (const auto& v : value) Json(v);
      return Appends();
    case nlohmann::ordered_json::value_t::object:
      EmptyDict();
      if (value.empty()) return;
      Mark();
      for (const auto& [k, v] : value.items()) {
        String(k);
        Json(v);
      }
      return SetItems();
    default:
      return None();
  }
}

std::string PickleWriter::Finish() {
  out_ += '.';
  return std::move(out_);
}

size_t TorchSaveWriter::Tensor(DType dtype, const std::vector<int64_t>& shape) {
  int64_t numel = 1;
  for (int64_t d : shape) numel *= d;
  const size_t index = storages_.size();
  storages_.push_back({dtype, numel});
  PickleWriter& p = pickle_;
  p.Global("torch._utils", "_rebuild_tensor_v2");
  p.Mark();
  p.Mark();
  p.String("storage");
  p.Global("torch", StorageClass(dtype));
  p.String(absl::StrCat(index));
  p.String("cpu");
  p.Int(numel);
  p.Tuple();
  p.BinPersId();
  p.Int(0);
  p.Mark();
  for (int64_t d : shape) p.Int(d);
  p.Tuple();
  p.Mark();
  int64_t stride = 1;
  std::vector<int64_t> strides(shape.size());
  for (size_t i = shape.size(); i-- > 0;) {
    strides[i] = stride;
    stride *= shape[i];
  }
  for (int64_t s : strides) p.Int(s);
  p.Tuple();
  p.Bool(false);
  p.Global("collections", "OrderedDict");
  p.EmptyTuple();
  p.Reduce();
  p.Tuple();
  p.Reduce();
  return index;
}

absl::Status TorchSaveWriter::Finish(const std::string& path,
                                     const StorageWriter& write) {
  ASSIGN_OR_RETURN(ZipWriter zip, ZipWriter::Create(path));
  RETURN_IF_ERROR(zip.BeginEntry(absl::StrCat(root_, "/data.pkl")));
  RETURN_IF_ERROR(zip.Write(pickle_.Finish()));
  for (size_t i = 0; i < storages_.size(); ++i) {
    RETURN_IF_ERROR(zip.BeginEntry(absl::StrCat(root_, "/data/", i)));
    RETURN_IF_ERROR(write(i, zip));
  }
  RETURN_IF_ERROR(zip.BeginEntry(absl::StrCat(root_, "/version")));
  RETURN_IF_ERROR(zip.Write("3\n"));
  return zip.Finish();
}

}  // namespace fairport
