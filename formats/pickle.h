// A pickle interpreter (protocols 0 to 5) that never executes anything.
//
// It builds an inert value tree. GLOBAL / STACK_GLOBAL yield a kGlobal node
// naming `module.name`; REDUCE / NEWOBJ / BUILD on it build a kObject node
// that carries the callable, its arguments and its state. A fixed table of
// reconstructors gets meaning, each implemented here as a data constructor:
// collections.OrderedDict, torch._utils._rebuild_tensor_v2 / _rebuild_tensor
// / _rebuild_parameter, torch storage persistent ids, argparse.Namespace
// (a kObject whose state holds the attributes), _codecs.encode, numpy
// scalars, builtins set/frozenset. Everything else stays an inert object.
//
// All nodes live in the PickleTree's arena, so the tree is freed without
// recursion however deep it is. Nesting is bounded as the tree is built
// (PickleLimits::max_depth levels below the root, shared values counted
// where they sit), and a pickle that grows a value after another value took
// it in, which only recursive structures need, is refused: the tree is a
// DAG of bounded height, so walking it never loops.
#ifndef FAIRPORT_FORMATS_PICKLE_H_
#define FAIRPORT_FORMATS_PICKLE_H_

#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "formats/dtype.h"

namespace fairport {

// A storage named by a persistent id ("storage", <Type>Storage, key, location,
// numel).
struct StorageRef {
  DType dtype = DType::kU8;
  std::string key;
  int64_t numel = 0;
};

// A tensor view of a storage, in elements; bounds are checked when built.
struct TensorRef {
  const StorageRef* storage = nullptr;
  int64_t storage_offset = 0;
  std::vector<int64_t> shape;
  std::vector<int64_t> strides;

  int64_t numel() const;
  bool IsContiguous() const;
};

class PickleValue {
 public:
  enum class Kind {
    kNone,
    kBool,
    kInt,
    kFloat,
    kString,
    kBytes,
    kTuple,
    kList,
    kDict,
    kSet,
    kGlobal,
    kObject,
    kStorage,
    kTensor,
  };

  explicit PickleValue(Kind kind) : kind_(kind) {}

  Kind kind() const { return kind_; }
  bool is(Kind kind) const { return kind_ == kind; }
  bool bool_value() const { return int_; }
  int64_t int_value() const { return int_; }
  double float_value() const { return float_; }
  // The text of a kString (UTF-8) or kBytes, or "module.name" of a kGlobal.
  const std::string& text() const { return text_; }
  // Elements of a kTuple, kList or kSet.
  const std::vector<PickleValue*>& items() const { return items_; }
  // Entries of a kDict in insertion order.
  const std::vector<std::pair<PickleValue*, PickleValue*>>& entries() const {
    return entries_;
  }
  // A kObject's callable (a kGlobal, or another value), arguments and BUILD
  // state.
  const PickleValue* callable() const { return callable_; }
  const PickleValue* args() const { return args_; }
  const PickleValue* state() const { return state_; }
  const StorageRef& storage() const { return *storage_; }
  const TensorRef& tensor() const { return tensor_; }

  // For a kObject, the "module.name" of its class or callable, else "".
  absl::string_view class_name() const;
  // Looks up a string key in a kDict, or an attribute in a kObject whose
  // state is a dict (argparse.Namespace). nullptr when absent.
  const PickleValue* Find(absl::string_view key) const;
  // "dict", "int", "argparse.Namespace", ...: for error messages.
  std::string TypeName() const;

 private:
  friend class PickleParser;
  Kind kind_;
  int64_t int_ = 0;
  double float_ = 0;
  uint32_t depth_ = 0;   // height of the tree below this node
  bool nested_ = false;  // some other node holds this one
  std::string text_;
  std::vector<PickleValue*> items_;
  std::vector<std::pair<PickleValue*, PickleValue*>> entries_;
  PickleValue* callable_ = nullptr;
  PickleValue* args_ = nullptr;
  PickleValue* state_ = nullptr;
  const StorageRef* storage_ = nullptr;
  TensorRef tensor_;
};

class PickleTree {
 public:
  const PickleValue& root() const { return *root_; }
  // Every storage the pickle names, in first-seen order.
  const std::deque<StorageRef>& storages() const { return storages_; }

 private:
  friend class PickleParser;
  std::deque<PickleValue> nodes_;
  std::deque<StorageRef> storages_;
  PickleValue* root_ = nullptr;
};

struct PickleLimits {
  uint32_t max_depth = 1000;
};

// Errors read "offset N: <problem>", N being the opcode's byte offset.
absl::StatusOr<std::unique_ptr<PickleTree>> ParsePickle(
    absl::string_view bytes, const PickleLimits& limits = {});

}  // namespace fairport

#endif  // FAIRPORT_FORMATS_PICKLE_H_
