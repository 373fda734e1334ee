// Writes files that torch.load reads (and torch.load(weights_only=True)
// accepts): a protocol-2 pickle emitter, and a torch.save archive writer
// that streams each storage's bytes after data.pkl.
#ifndef FAIRPORT_FORMATS_TORCH_WRITER_H_
#define FAIRPORT_FORMATS_TORCH_WRITER_H_

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "formats/dtype.h"
#include "formats/zip_writer.h"
#include "nlohmann/json.hpp"

namespace fairport {

// Protocol-2 pickle opcodes, emitted as the caller directs.
class PickleWriter {
 public:
  PickleWriter();
  void None();
  void Bool(bool v);
  void Int(int64_t v);
  void Float(double v);
  void String(absl::string_view s);
  void EmptyDict();
  void EmptyList();
  void EmptyTuple();
  void Mark();
  void Tuple();     // from the mark
  void SetItems();  // from the mark, into the dict below it
  void Appends();   // from the mark, into the list below it
  void Global(absl::string_view module, absl::string_view name);
  void Reduce();
  // cls.__new__(cls, *args) of the class and arguments on the stack.
  void NewObj();
  // Sets the object below the top's state (its __dict__) to the top.
  void Build();
  void BinPersId();
  // A JSON value as the equivalent Python value (dicts keep their order).
  void Json(const nlohmann::ordered_json& value);
  // Ends the pickle and returns its bytes.
  std::string Finish();

 private:
  std::string out_;
};

// torch.save of an object whose tensors are contiguous and each own a
// storage. Build the object with pickle(), calling Tensor() where a tensor
// goes; Finish writes data.pkl, then every storage through `write`.
class TorchSaveWriter {
 public:
  explicit TorchSaveWriter(std::string root_folder)
      : root_(std::move(root_folder)) {}

  PickleWriter& pickle() { return pickle_; }
  // Emits _rebuild_tensor_v2 for a new storage; returns its index.
  size_t Tensor(DType dtype, const std::vector<int64_t>& shape);

  // `write(index, zip)` must write exactly the storage's bytes.
  using StorageWriter =
      std::function<absl::Status(size_t index, ZipWriter& zip)>;
  absl::Status Finish(const std::string& path, const StorageWriter& write);

 private:
  struct Storage {
    DType dtype;
    int64_t numel;
  };
  std::string root_;
  PickleWriter pickle_;
  std::vector<Storage> storages_;
};

}  // namespace fairport

#endif  // FAIRPORT_FORMATS_TORCH_WRITER_H_
