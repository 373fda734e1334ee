#include "formats/pickle.h"

#include <cmath>
#include <cstring>
#include <limits>
#include <optional>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "base/status_macros.h"
#include "base/utf8.h"
#include "formats/little_endian.h"

namespace fairport {

int64_t TensorRef::numel() const {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return n;
}

bool TensorRef::IsContiguous() const {
  int64_t expected = 1;
  for (size_t i = shape.size(); i-- > 0;) {
    if (shape[i] != 1 && strides[i] != expected) return false;
    expected *= shape[i];
  }
  return true;
}

absl::string_view PickleValue::class_name() const {
  if (kind_ != Kind::kObject || callable_ == nullptr ||
      !callable_->is(Kind::kGlobal))
    return "";
  return callable_->text_;
}

const PickleValue* PickleValue::Find(absl::string_view key) const {
  const PickleValue* dict = this;
  if (kind_ == Kind::kObject) {
    if (state_ == nullptr) return nullptr;
    dict = state_;
  }
  if (!dict->is(Kind::kDict)) return nullptr;
  for (const auto& [k, v] : dict->entries_) {
    if (k->is(Kind::kString) && k->text_ == key) return v;
  }
  return nullptr;
}

std::string PickleValue::TypeName() const {
  switch (kind_) {
    case Kind::kNone:
      return "None";
    case Kind::kBool:
      return "bool";
    case Kind::kInt:
      return "int";
    case Kind::kFloat:
      return "float";
    case Kind::kString:
      return "str";
    case Kind::kBytes:
      return "bytes";
    case Kind::kTuple:
      return "tuple";
    case Kind::kList:
      return "list";
    case Kind::kDict:
      return "dict";
    case Kind::kSet:
      return "set";
    case Kind::kGlobal:
      return absl::StrCat("global ", text_);
    case Kind::kObject: {
      absl::string_view name = class_name();
      return name.empty() ? "object" : std::string(name);
    }
    case Kind::kStorage:
      return "storage";
    case Kind::kTensor:
      return "tensor";
  }
  return "?";
}

using Kind = PickleValue::Kind;

class PickleParser {
 public:
  PickleParser(absl::string_view bytes, const PickleLimits& limits)
      : bytes_(bytes), limits_(limits), tree_(std::make_unique<PickleTree>()) {}

  absl::StatusOr<std::unique_ptr<PickleTree>> Run();

 private:
  absl::Status Err(absl::string_view problem) const {
    return absl::DataLossError(
        absl::StrCat("offset ", op_offset_, ": ", problem));
  }
  absl::Status Step(uint8_t op);

  // Input.
  absl::StatusOr<absl::string_view> Take(uint64_t n, absl::string_view what) {
    if (n > bytes_.size() - pos_) {
      return Err(absl::StrCat(what, " of ", n, " bytes runs past the end (",
                              bytes_.size() - pos_, " bytes left)"));
    }
    absl::string_view out = bytes_.substr(pos_, n);
    pos_ += n;
    return out;
  }
  absl::StatusOr<uint64_t> TakeUint(int width, absl::string_view what) {
    ASSIGN_OR_RETURN(absl::string_view b, Take(width, what));
    return LittleEndian(b);
  }
  absl::StatusOr<absl::string_view> TakeLine(absl::string_view what) {
    size_t nl = bytes_.find('\n', pos_);
    if (nl == absl::string_view::npos)
      return Err(absl::StrCat(what, ": no end of line"));
    absl::string_view line = bytes_.substr(pos_, nl - pos_);
    pos_ = nl + 1;
    return line;
  }

  // Nodes.
  PickleValue* New(Kind kind) { return &tree_->nodes_.emplace_back(kind); }
  PickleValue* NewInt(int64_t v) {
    PickleValue* n = New(Kind::kInt);
    n->int_ = v;
    return n;
  }
  PickleValue* NewText(Kind kind, absl::string_view text) {
    PickleValue* n = New(kind);
    n->text_ = std::string(text);
    return n;
  }
  // Text is UTF-8 (torch.load decodes it so and fails otherwise), which
  // keeps what reaches config.json and error messages valid.
  absl::StatusOr<PickleValue*> NewString(absl::string_view text) {
    if (std::optional<size_t> bad = FirstInvalidUtf8Byte(text)) {
      return Err(absl::StrCat("string holds invalid UTF-8 (byte ", *bad, " of ",
                              text.size(), ")"));
    }
    return NewText(Kind::kString, text);
  }
  // Keeps every node's depth_ equal to the height of the tree below it, so
  // the depth bound holds as the tree is built. Python's pickler fills a
  // container before anything holds it; a held container that grows taller
  // (reached again through the memo) would leave its holders' heights stale
  // or close a cycle, so it is refused.
  absl::Status Adopt(PickleValue* parent, PickleValue* child) {
    if (child == parent) return Err("a value contains itself");
    uint32_t depth = child->depth_ + 1;
    if (depth > limits_.max_depth) {
      return Err(absl::StrCat("values nested deeper than ", limits_.max_depth,
                              " levels"));
    }
    if (depth > parent->depth_) {
      if (parent->nested_) {
        return Err(absl::StrCat(
            "a ", parent->TypeName(),
            " grows deeper after another value took it in (a recursive or "
            "memo-extended structure)"));
      }
      parent->depth_ = depth;
    }
    child->nested_ = true;
    return absl::OkStatus();
  }
  absl::StatusOr<PickleValue*> NewSequence(Kind kind,
                                           std::vector<PickleValue*> items) {
    PickleValue* n = New(kind);
    for (PickleValue* item : items) RETURN_IF_ERROR(Adopt(n, item));
    n->items_ = std::move(items);
    return n;
  }
  absl::Status SetItem(PickleValue* dict, PickleValue* key,
                       PickleValue* value) {
    RETURN_IF_ERROR(Adopt(dict, key));
    RETURN_IF_ERROR(Adopt(dict, value));
    // Python dicts keep one entry per key; string and int keys are compared
    // by value (through an index, so a hostile pickle cannot make this
    // quadratic), other keys are kept as they come.
    if (key->is(Kind::kString) || key->is(Kind::kInt)) {
      std::string tagged = key->is(Kind::kString)
                               ? absl::StrCat("s", key->text_)
                               : absl::StrCat("i", key->int_);
      auto [it, inserted] = dict_index_.try_emplace({dict, std::move(tagged)},
                                                    dict->entries_.size());
      if (!inserted) {
        dict->entries_[it->second].second = value;
        return absl::OkStatus();
      }
    }
    dict->entries_.emplace_back(key, value);
    return absl::OkStatus();
  }

  // Stack.
  absl::StatusOr<PickleValue*> Pop() {
    if (stack_.size() <= Floor()) return Err("stack underflow");
    PickleValue* v = stack_.back();
    stack_.pop_back();
    return v;
  }
  absl::StatusOr<PickleValue*> Top() {
    if (stack_.size() <= Floor()) return Err("stack underflow");
    return stack_.back();
  }
  size_t Floor() const { return marks_.empty() ? 0 : marks_.back(); }
  absl::StatusOr<std::vector<PickleValue*>> PopMark() {
    if (marks_.empty()) return Err("no MARK to pop to");
    size_t mark = marks_.back();
    marks_.pop_back();
    std::vector<PickleValue*> items(stack_.begin() + mark, stack_.end());
    stack_.resize(mark);
    return items;
  }
  absl::StatusOr<PickleValue*> Memo(uint64_t index) {
    auto it = memo_.find(index);
    if (it == memo_.end())
      return Err(absl::StrCat("memo slot ", index, " read before it was set"));
    return it->second;
  }

  // Reconstructors.
  absl::StatusOr<PickleValue*> Reduce(PickleValue* callable, PickleValue* args);
  absl::StatusOr<PickleValue*> NewObject(PickleValue* callable,
                                         PickleValue* args);
  absl::StatusOr<PickleValue*> RebuildTensor(const PickleValue* args);
  absl::StatusOr<PickleValue*> PersistentLoad(const PickleValue* pid);
  absl::StatusOr<PickleValue*> NumpyScalar(const PickleValue* args);
  absl::StatusOr<PickleValue*> CodecsEncode(const PickleValue* args);
  absl::StatusOr<PickleValue*> Global(absl::string_view module,
                                      absl::string_view name);
  absl::StatusOr<PickleValue*> LongFromBytes(absl::string_view b);
  absl::StatusOr<int64_t> IntArg(const PickleValue* v, absl::string_view what) {
    if (!v->is(Kind::kInt))
      return Err(absl::StrCat(what, " is a ", v->TypeName(), ", not an int"));
    return v->int_;
  }

  absl::string_view bytes_;
  PickleLimits limits_;
  std::unique_ptr<PickleTree> tree_;
  uint64_t pos_ = 0;
  uint64_t op_offset_ = 0;
  std::vector<PickleValue*> stack_;
  std::vector<size_t> marks_;
  absl::flat_hash_map<uint64_t, PickleValue*> memo_;
  absl::flat_hash_map<std::string, const StorageRef*> storages_by_key_;
  absl::flat_hash_map<std::pair<const PickleValue*, std::string>, size_t>
      dict_index_;
  bool stopped_ = false;
};

absl::StatusOr<std::unique_ptr<PickleTree>> PickleParser::Run() {
  while (!stopped_) {
    op_offset_ = pos_;
    if (pos_ >= bytes_.size())
      return Err("pickle ends without STOP (truncated?)");
    RETURN_IF_ERROR(Step(static_cast<uint8_t>(bytes_[pos_++])));
  }
  return std::move(tree_);
}

absl::StatusOr<PickleValue*> PickleParser::Global(absl::string_view module,
                                                  absl::string_view name) {
  // Python 2 names map to their Python 3 homes, as Unpickler(fix_imports=True)
  // does.
  if (module == "__builtin__") module = "builtins";
  if (module == "copy_reg") module = "copyreg";
  return NewText(Kind::kGlobal, absl::StrCat(module, ".", name));
}

absl::StatusOr<PickleValue*> PickleParser::LongFromBytes(absl::string_view b) {
  // Two's complement, little-endian; beyond 64 bits only sign extension is
  // allowed.
  if (b.empty()) return NewInt(0);
  bool negative = static_cast<uint8_t>(b.back()) & 0x80;
  for (size_t i = 8; i < b.size(); ++i) {
    if (static_cast<uint8_t>(b[i]) != (negative ? 0xFF : 0x00)) {
      return Err("integer does not fit in 64 bits");
    }
  }
  const size_t n = std::min<size_t>(b.size(), 8);
  uint64_t v = LittleEndian(b.substr(0, n));
  if (n < 8 && negative) v |= ~uint64_t{0} << (8 * n);
  if (b.size() > 8 && ((v >> 63) != 0) != negative)
    return Err("integer does not fit in 64 bits");
  return NewInt(static_cast<int64_t>(v));
}

absl::StatusOr<PickleValue*> PickleParser::PersistentLoad(
    const PickleValue* pid) {
  // torch.save: ("storage", <torch.XStorage global>, key, location, numel).
  if (!pid->is(Kind::kTuple) || pid->items_.size() != 5 ||
      !pid->items_[0]->is(Kind::kString) ||
      pid->items_[0]->text_ != "storage") {
    return Err(
        absl::StrCat("persistent id is a ", pid->TypeName(),
                     ", not a ('storage', type, key, location, numel) tuple"));
  }
  const PickleValue* type = pid->items_[1];
  const PickleValue* key = pid->items_[2];
  if (!type->is(Kind::kGlobal) || type->text_.rfind("torch.", 0) != 0) {
    return Err(absl::StrCat("storage type is a ", type->TypeName(),
                            ", not a torch storage class"));
  }
  std::optional<DType> dtype =
      DTypeFromStorageClass(absl::string_view(type->text_).substr(6));
  if (!dtype)
    return Err(absl::StrCat("unsupported storage type ", type->text_));
  if (!key->is(Kind::kString)) return Err("storage key is not a string");
  ASSIGN_OR_RETURN(int64_t numel, IntArg(pid->items_[4], "storage numel"));
  if (numel < 0)
    return Err(
        absl::StrCat("storage ", key->text_, " has negative numel ", numel));
  auto it = storages_by_key_.find(key->text_);
  const StorageRef* storage;
  if (it != storages_by_key_.end()) {
    storage = it->second;
    if (storage->dtype != *dtype || storage->numel != numel) {
      return Err(absl::StrCat("storage ", key->text_,
                              " is described twice, differently"));
    }
  } else {
    StorageRef& s = tree_->storages_.emplace_back();
    s.dtype = *dtype;
    s.key = key->text_;
    s.numel = numel;
    storage = &s;
    storages_by_key_.emplace(s.key, storage);
  }
  PickleValue* node = New(Kind::kStorage);
  node->storage_ = storage;
  return node;
}

absl::StatusOr<PickleValue*> PickleParser::RebuildTensor(
    const PickleValue* args) {
  // (storage, storage_offset, size, stride, ...)
  if (!args->is(Kind::kTuple) || args->items_.size() < 4) {
    return Err(
        "_rebuild_tensor arguments are not (storage, offset, size, stride, "
        "...)");
  }
  const auto& a = args->items_;
  if (!a[0]->is(Kind::kStorage))
    return Err(absl::StrCat("tensor storage is a ", a[0]->TypeName()));
  if (!a[2]->is(Kind::kTuple) || !a[3]->is(Kind::kTuple) ||
      a[2]->items_.size() != a[3]->items_.size()) {
    return Err("tensor size and stride are not tuples of equal length");
  }
  PickleValue* node = New(Kind::kTensor);
  TensorRef& t = node->tensor_;
  t.storage = a[0]->storage_;
  ASSIGN_OR_RETURN(t.storage_offset, IntArg(a[1], "tensor storage_offset"));
  int64_t numel = 1;
  int64_t last = t.storage_offset;  // highest element index addressed
  bool overflow = t.storage_offset < 0;
  for (size_t i = 0; i < a[2]->items_.size(); ++i) {
    ASSIGN_OR_RETURN(int64_t size, IntArg(a[2]->items_[i], "tensor size"));
    ASSIGN_OR_RETURN(int64_t stride, IntArg(a[3]->items_[i], "tensor stride"));
    if (size < 0 || stride < 0)
      return Err("tensor has a negative size or stride");
    t.shape.push_back(size);
    t.strides.push_back(stride);
    int64_t span;
    overflow |= __builtin_mul_overflow(numel, size, &numel);
    if (size > 0) {
      overflow |= __builtin_mul_overflow(size - 1, stride, &span);
      overflow |= __builtin_add_overflow(last, span, &last);
    }
  }
  const StorageRef& s = *t.storage;
  if (overflow)
    return Err(absl::StrCat("tensor on storage ", s.key,
                            " overflows 64-bit indexing"));
  if (numel > 0 && last >= s.numel) {
    return Err(absl::StrCat("tensor of shape (", absl::StrJoin(t.shape, ", "),
                            ") stride (", absl::StrJoin(t.strides, ", "),
                            ") at offset ", t.storage_offset,
                            " addresses element ", last, " of storage ", s.key,
                            ", which holds ", s.numel));
  }
  if (numel == 0 && t.storage_offset > s.numel) {
    return Err(absl::StrCat("empty tensor offset ", t.storage_offset,
                            " lies past storage ", s.key));
  }
  return node;
}

absl::StatusOr<PickleValue*> PickleParser::NumpyScalar(
    const PickleValue* args) {
  // numpy.core.multiarray.scalar(dtype('f8', ...), raw_bytes)
  if (args->is(Kind::kTuple) && args->items_.size() == 2 &&
      args->items_[1]->is(Kind::kBytes)) {
    const PickleValue* dtype = args->items_[0];
    const std::string& raw = args->items_[1]->text_;
    if (dtype->class_name() == "numpy.dtype" && dtype->args_ != nullptr &&
        dtype->args_->is(Kind::kTuple) && !dtype->args_->items_.empty() &&
        dtype->args_->items_[0]->is(Kind::kString)) {
      const std::string& code = dtype->args_->items_[0]->text_;
      if (code == "f8" && raw.size() == 8) {
        double d;
        std::memcpy(&d, raw.data(), 8);
        PickleValue* n = New(Kind::kFloat);
        n->float_ = d;
        return n;
      }
      if (code == "f4" && raw.size() == 4) {
        float f;
        std::memcpy(&f, raw.data(), 4);
        PickleValue* n = New(Kind::kFloat);
        n->float_ = f;
        return n;
      }
      if ((code == "i8" || code == "i4") &&
          raw.size() == (code == "i8" ? 8u : 4u)) {
        return LongFromBytes(raw);
      }
    }
  }
  return nullptr;  // stays an inert object
}

absl::StatusOr<PickleValue*> PickleParser::CodecsEncode(
    const PickleValue* args) {
  // _codecs.encode(str, "latin1"): each code point below 256 becomes a byte.
  if (!args->is(Kind::kTuple) || args->items_.size() != 2 ||
      !args->items_[0]->is(Kind::kString) ||
      !args->items_[1]->is(Kind::kString) ||
      (args->items_[1]->text_ != "latin1" &&
       args->items_[1]->text_ != "latin-1")) {
    return nullptr;
  }
  const std::string& s = args->items_[0]->text_;
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    uint8_t c = static_cast<uint8_t>(s[i]);
    if (c < 0x80) {
      out.push_back(static_cast<char>(c));
    } else if ((c & 0xE0) == 0xC0 && i + 1 < s.size() && c <= 0xC3) {
      out.push_back(static_cast<char>(((c & 0x1F) << 6) |
                                      (static_cast<uint8_t>(s[++i]) & 0x3F)));
    } else {
      return Err("_codecs.encode: character outside latin-1");
    }
  }
  return NewText(Kind::kBytes, out);
}

absl::StatusOr<PickleValue*> PickleParser::Reduce(PickleValue* callable,
                                                  PickleValue* args) {
  if (callable->is(Kind::kGlobal)) {
    const std::string& name = callable->text_;
    PickleValue* built = nullptr;
    if (name == "collections.OrderedDict" || name == "builtins.dict") {
      built = New(Kind::kDict);
      if (args->is(Kind::kTuple) && args->items_.size() == 1 &&
          args->items_[0]->is(Kind::kList)) {
        for (PickleValue* pair : args->items_[0]->items_) {
          if (!pair->is(Kind::kTuple) && !pair->is(Kind::kList))
            return Err("dict item is not a pair");
          if (pair->items_.size() != 2) return Err("dict item is not a pair");
          RETURN_IF_ERROR(SetItem(built, pair->items_[0], pair->items_[1]));
        }
      } else if (!args->is(Kind::kTuple) || !args->items_.empty()) {
        return Err(absl::StrCat(name, " called with unsupported arguments"));
      }
      return built;
    }
    if (name == "torch._utils._rebuild_tensor_v2" ||
        name == "torch._utils._rebuild_tensor") {
      return RebuildTensor(args);
    }
    if (name == "torch._utils._rebuild_parameter" ||
        name == "torch._utils._rebuild_parameter_with_state") {
      if (!args->is(Kind::kTuple) || args->items_.empty() ||
          !args->items_[0]->is(Kind::kTensor)) {
        return Err("_rebuild_parameter of something that is not a tensor");
      }
      return args->items_[0];
    }
    if (name == "_codecs.encode") {
      ASSIGN_OR_RETURN(built, CodecsEncode(args));
    } else if (name == "numpy.core.multiarray.scalar" ||
               name == "numpy._core.multiarray.scalar") {
      ASSIGN_OR_RETURN(built, NumpyScalar(args));
    } else if ((name == "builtins.set" || name == "builtins.frozenset") &&
               args->is(Kind::kTuple) && args->items_.size() == 1 &&
               args->items_[0]->is(Kind::kList)) {
      ASSIGN_OR_RETURN(built, NewSequence(Kind::kSet, args->items_[0]->items_));
    }
    if (built != nullptr) return built;
  }
  return NewObject(callable, args);
}

absl::StatusOr<PickleValue*> PickleParser::NewObject(PickleValue* callable,
                                                     PickleValue* args) {
  // Inert: records what would have been called, calls nothing.
  PickleValue* obj = New(Kind::kObject);
  RETURN_IF_ERROR(Adopt(obj, callable));
  RETURN_IF_ERROR(Adopt(obj, args));
  obj->callable_ = callable;
  obj->args_ = args;
  return obj;
}

absl::Status PickleParser::Step(uint8_t op) {
  switch (op) {
    case 0x80: {  // PROTO
      ASSIGN_OR_RETURN(uint64_t proto, TakeUint(1, "PROTO"));
      if (proto > 5)
        return Err(absl::StrCat("unsupported pickle protocol ", proto));
      return absl::OkStatus();
    }
    case 0x95:  // FRAME: framing is only a read-ahead hint
      return TakeUint(8, "FRAME").status();
    case '.': {  // STOP
      if (!marks_.empty()) return Err("STOP with an open MARK");
      if (stack_.size() != 1)
        return Err(
            absl::StrCat("STOP with ", stack_.size(), " values on the stack"));
      tree_->root_ = stack_.back();
      stopped_ = true;
      return absl::OkStatus();
    }
    case '(':  // MARK
      marks_.push_back(stack_.size());
      return absl::OkStatus();
    case '0':  // POP
      return Pop().status();
    case '1':  // POP_MARK
      return PopMark().status();
    case '2': {  // DUP
      ASSIGN_OR_RETURN(PickleValue * top, Top());
      stack_.push_back(top);
      return absl::OkStatus();
    }
    case 'N':
      stack_.push_back(New(Kind::kNone));
      return absl::OkStatus();
    case 0x88:
    case 0x89: {  // NEWTRUE, NEWFALSE
      PickleValue* b = New(Kind::kBool);
      b->int_ = op == 0x88;
      stack_.push_back(b);
      return absl::OkStatus();
    }
    case 'J': {  // BININT
      ASSIGN_OR_RETURN(uint64_t v, TakeUint(4, "BININT"));
      stack_.push_back(NewInt(static_cast<int32_t>(static_cast<uint32_t>(v))));
      return absl::OkStatus();
    }
    case 'K':
    case 'M': {  // BININT1, BININT2
      ASSIGN_OR_RETURN(uint64_t v, TakeUint(op == 'K' ? 1 : 2, "BININT"));
      stack_.push_back(NewInt(static_cast<int64_t>(v)));
      return absl::OkStatus();
    }
    case 0x8a:
    case 0x8b: {  // LONG1, LONG4
      ASSIGN_OR_RETURN(uint64_t n, TakeUint(op == 0x8a ? 1 : 4, "LONG length"));
      ASSIGN_OR_RETURN(absl::string_view b, Take(n, "LONG"));
      ASSIGN_OR_RETURN(PickleValue * v, LongFromBytes(b));
      stack_.push_back(v);
      return absl::OkStatus();
    }
    case 'I':
    case 'L': {  // INT, LONG (text)
      ASSIGN_OR_RETURN(absl::string_view line, TakeLine("INT"));
      if (op == 'I' && (line == "00" || line == "01")) {
        PickleValue* b = New(Kind::kBool);
        b->int_ = line == "01";
        stack_.push_back(b);
        return absl::OkStatus();
      }
      if (op == 'L' && !line.empty() && line.back() == 'L')
        line.remove_suffix(1);
      int64_t v;
      if (!absl::SimpleAtoi(line, &v))
        return Err("text integer is malformed or beyond 64 bits");
      stack_.push_back(NewInt(v));
      return absl::OkStatus();
    }
    case 'G': {  // BINFLOAT, big-endian
      ASSIGN_OR_RETURN(absl::string_view b, Take(8, "BINFLOAT"));
      uint64_t bits = 0;
      for (char c : b) bits = bits << 8 | static_cast<uint8_t>(c);
      PickleValue* f = New(Kind::kFloat);
      std::memcpy(&f->float_, &bits, 8);
      stack_.push_back(f);
      return absl::OkStatus();
    }
    case 'F': {  // FLOAT (text)
      ASSIGN_OR_RETURN(absl::string_view line, TakeLine("FLOAT"));
      PickleValue* f = New(Kind::kFloat);
      if (!absl::SimpleAtod(line, &f->float_))
        return Err("text float is malformed");
      stack_.push_back(f);
      return absl::OkStatus();
    }
    case 'X':
    case 0x8c:
    case 0x8d:  // BINUNICODE, SHORT_BINUNICODE, BINUNICODE8
    case 'B':
    case 'C':
    case 0x8e:
    case 0x96:  // BINBYTES, SHORT_BINBYTES, BINBYTES8, BYTEARRAY8
    case 'T':
    case 'U': {  // BINSTRING, SHORT_BINSTRING (Python 2 str, read as text)
      int width = (op == 0x8c || op == 'C' || op == 'U')     ? 1
                  : (op == 0x8d || op == 0x8e || op == 0x96) ? 8
                                                             : 4;
      ASSIGN_OR_RETURN(uint64_t n, TakeUint(width, "string length"));
      ASSIGN_OR_RETURN(absl::string_view s, Take(n, "string"));
      bool is_bytes = op == 'B' || op == 'C' || op == 0x8e || op == 0x96;
      if (is_bytes) {
        stack_.push_back(NewText(Kind::kBytes, s));
        return absl::OkStatus();
      }
      ASSIGN_OR_RETURN(PickleValue * text, NewString(s));
      stack_.push_back(text);
      return absl::OkStatus();
    }
    case 'S':
    case 'V': {  // STRING, UNICODE (text)
      ASSIGN_OR_RETURN(absl::string_view line, TakeLine("STRING"));
      if (op == 'S') {
        if (line.size() < 2 || line.front() != line.back() ||
            (line.front() != '\'' && line.front() != '"')) {
          return Err("STRING argument is not quoted");
        }
        line = line.substr(1, line.size() - 2);
      }
      if (line.find('\\') != absl::string_view::npos)
        return Err("escaped text strings are not supported");
      ASSIGN_OR_RETURN(PickleValue * text, NewString(line));
      stack_.push_back(text);
      return absl::OkStatus();
    }
    case ')':
      stack_.push_back(New(Kind::kTuple));
      return absl::OkStatus();
    case 't': {  // TUPLE
      ASSIGN_OR_RETURN(std::vector<PickleValue*> items, PopMark());
      ASSIGN_OR_RETURN(PickleValue * t,
                       NewSequence(Kind::kTuple, std::move(items)));
      stack_.push_back(t);
      return absl::OkStatus();
    }
    case 0x85:
    case 0x86:
    case 0x87: {  // TUPLE1..3
      size_t n = op - 0x84;
      if (stack_.size() < Floor() + n) return Err("stack underflow");
      std::vector<PickleValue*> items(stack_.end() - n, stack_.end());
      stack_.resize(stack_.size() - n);
      ASSIGN_OR_RETURN(PickleValue * t,
                       NewSequence(Kind::kTuple, std::move(items)));
      stack_.push_back(t);
      return absl::OkStatus();
    }
    case ']':
      stack_.push_back(New(Kind::kList));
      return absl::OkStatus();
    case 'l': {  // LIST
      ASSIGN_OR_RETURN(std::vector<PickleValue*> items, PopMark());
      ASSIGN_OR_RETURN(PickleValue * l,
                       NewSequence(Kind::kList, std::move(items)));
      stack_.push_back(l);
      return absl::OkStatus();
    }
    case 'a': {  // APPEND
      ASSIGN_OR_RETURN(PickleValue * item, Pop());
      ASSIGN_OR_RETURN(PickleValue * list, Top());
      if (!list->is(Kind::kList))
        return Err(absl::StrCat("APPEND to a ", list->TypeName()));
      RETURN_IF_ERROR(Adopt(list, item));
      list->items_.push_back(item);
      return absl::OkStatus();
    }
    case 'e':
    case 0x90: {  // APPENDS, ADDITEMS
      ASSIGN_OR_RETURN(std::vector<PickleValue*> items, PopMark());
      ASSIGN_OR_RETURN(PickleValue * target, Top());
      if (!target->is(op == 'e' ? Kind::kList : Kind::kSet)) {
        return Err(absl::StrCat(op == 'e' ? "APPENDS to a " : "ADDITEMS to a ",
                                target->TypeName()));
      }
      for (PickleValue* item : items) {
        RETURN_IF_ERROR(Adopt(target, item));
        target->items_.push_back(item);
      }
      return absl::OkStatus();
    }
    case '}':
      stack_.push_back(New(Kind::kDict));
      return absl::OkStatus();
    case 0x8f:
      stack_.push_back(New(Kind::kSet));
      return absl::OkStatus();
    case 0x91: {  // FROZENSET
      ASSIGN_OR_RETURN(std::vector<PickleValue*> items, PopMark());
      ASSIGN_OR_RETURN(PickleValue * s,
                       NewSequence(Kind::kSet, std::move(items)));
      stack_.push_back(s);
      return absl::OkStatus();
    }
    case 'd':
    case 'u': {  // DICT, SETITEMS
      ASSIGN_OR_RETURN(std::vector<PickleValue*> items, PopMark());
      if (items.size() % 2 != 0)
        return Err("odd number of values for dict items");
      PickleValue* dict;
      if (op == 'd') {
        dict = New(Kind::kDict);
        stack_.push_back(dict);
      } else {
        ASSIGN_OR_RETURN(dict, Top());
        if (!dict->is(Kind::kDict))
          return Err(absl::StrCat("SETITEMS on a ", dict->TypeName()));
      }
      for (size_t i = 0; i < items.size(); i += 2)
        RETURN_IF_ERROR(SetItem(dict, items[i], items[i + 1]));
      return absl::OkStatus();
    }
    case 's': {  // SETITEM
      ASSIGN_OR_RETURN(PickleValue * value, Pop());
      ASSIGN_OR_RETURN(PickleValue * key, Pop());
      ASSIGN_OR_RETURN(PickleValue * dict, Top());
      if (!dict->is(Kind::kDict))
        return Err(absl::StrCat("SETITEM on a ", dict->TypeName()));
      return SetItem(dict, key, value);
    }
    case 'c': {  // GLOBAL
      ASSIGN_OR_RETURN(absl::string_view module, TakeLine("GLOBAL module"));
      ASSIGN_OR_RETURN(absl::string_view name, TakeLine("GLOBAL name"));
      ASSIGN_OR_RETURN(PickleValue * g, Global(module, name));
      stack_.push_back(g);
      return absl::OkStatus();
    }
    case 0x93: {  // STACK_GLOBAL
      ASSIGN_OR_RETURN(PickleValue * name, Pop());
      ASSIGN_OR_RETURN(PickleValue * module, Pop());
      if (!name->is(Kind::kString) || !module->is(Kind::kString))
        return Err("STACK_GLOBAL of non-strings");
      ASSIGN_OR_RETURN(PickleValue * g, Global(module->text_, name->text_));
      stack_.push_back(g);
      return absl::OkStatus();
    }
    case 'R': {  // REDUCE
      ASSIGN_OR_RETURN(PickleValue * args, Pop());
      ASSIGN_OR_RETURN(PickleValue * callable, Pop());
      if (!args->is(Kind::kTuple))
        return Err(absl::StrCat("REDUCE arguments are a ", args->TypeName()));
      ASSIGN_OR_RETURN(PickleValue * v, Reduce(callable, args));
      stack_.push_back(v);
      return absl::OkStatus();
    }
    case 0x81: {  // NEWOBJ
      ASSIGN_OR_RETURN(PickleValue * args, Pop());
      ASSIGN_OR_RETURN(PickleValue * cls, Pop());
      ASSIGN_OR_RETURN(PickleValue * v, NewObject(cls, args));
      stack_.push_back(v);
      return absl::OkStatus();
    }
    case 0x92: {  // NEWOBJ_EX
      ASSIGN_OR_RETURN(PickleValue * kwargs, Pop());
      ASSIGN_OR_RETURN(PickleValue * args, Pop());
      ASSIGN_OR_RETURN(PickleValue * cls, Pop());
      ASSIGN_OR_RETURN(PickleValue * v, NewObject(cls, args));
      RETURN_IF_ERROR(Adopt(v, kwargs));
      stack_.push_back(v);
      return absl::OkStatus();
    }
    case 'i': {  // INST
      ASSIGN_OR_RETURN(absl::string_view module, TakeLine("INST module"));
      ASSIGN_OR_RETURN(absl::string_view name, TakeLine("INST name"));
      ASSIGN_OR_RETURN(std::vector<PickleValue*> items, PopMark());
      ASSIGN_OR_RETURN(PickleValue * cls, Global(module, name));
      ASSIGN_OR_RETURN(PickleValue * args,
                       NewSequence(Kind::kTuple, std::move(items)));
      ASSIGN_OR_RETURN(PickleValue * v, NewObject(cls, args));
      stack_.push_back(v);
      return absl::OkStatus();
    }
    case 'o': {  // OBJ
      ASSIGN_OR_RETURN(std::vector<PickleValue*> items, PopMark());
      if (items.empty()) return Err("OBJ without a class");
      PickleValue* cls = items.front();
      items.erase(items.begin());
      ASSIGN_OR_RETURN(PickleValue * args,
                       NewSequence(Kind::kTuple, std::move(items)));
      ASSIGN_OR_RETURN(PickleValue * v, NewObject(cls, args));
      stack_.push_back(v);
      return absl::OkStatus();
    }
    case 'b': {  // BUILD
      ASSIGN_OR_RETURN(PickleValue * state, Pop());
      ASSIGN_OR_RETURN(PickleValue * target, Top());
      if (target->is(Kind::kObject)) {
        RETURN_IF_ERROR(Adopt(target, state));
        target->state_ = state;
        return absl::OkStatus();
      }
      // torch sets `_metadata` on state-dict OrderedDicts; tensors may carry
      // Python attributes. Neither matters to the value.
      if (target->is(Kind::kDict) || target->is(Kind::kTensor))
        return absl::OkStatus();
      return Err(absl::StrCat("BUILD on a ", target->TypeName()));
    }
    case 'Q': {  // BINPERSID
      ASSIGN_OR_RETURN(PickleValue * pid, Pop());
      ASSIGN_OR_RETURN(PickleValue * storage, PersistentLoad(pid));
      stack_.push_back(storage);
      return absl::OkStatus();
    }
    case 'p':
    case 'q':
    case 'r':
    case 0x94: {  // PUT, BINPUT, LONG_BINPUT, MEMOIZE
      uint64_t index;
      if (op == 'p') {
        ASSIGN_OR_RETURN(absl::string_view line, TakeLine("PUT"));
        if (!absl::SimpleAtoi(line, &index))
          return Err("PUT index is malformed");
      } else if (op == 0x94) {
        index = memo_.size();
      } else {
        ASSIGN_OR_RETURN(index, TakeUint(op == 'q' ? 1 : 4, "PUT index"));
      }
      ASSIGN_OR_RETURN(PickleValue * top, Top());
      memo_[index] = top;
      return absl::OkStatus();
    }
    case 'g':
    case 'h':
    case 'j': {  // GET, BINGET, LONG_BINGET
      uint64_t index;
      if (op == 'g') {
        ASSIGN_OR_RETURN(absl::string_view line, TakeLine("GET"));
        if (!absl::SimpleAtoi(line, &index))
          return Err("GET index is malformed");
      } else {
        ASSIGN_OR_RETURN(index, TakeUint(op == 'h' ? 1 : 4, "GET index"));
      }
      ASSIGN_OR_RETURN(PickleValue * v, Memo(index));
      stack_.push_back(v);
      return absl::OkStatus();
    }
    case 'P':
      return Err("text PERSID is not used by torch.save and is not supported");
    case 0x82:
    case 0x83:
    case 0x84:
      return Err("EXT opcodes (copyreg extension registry) are not supported");
    case 0x97:
    case 0x98:
      return Err("out-of-band buffers are not supported");
    default:
      return Err(
          absl::StrCat("unknown opcode 0x", absl::Hex(op, absl::kZeroPad2)));
  }
}

absl::StatusOr<std::unique_ptr<PickleTree>> ParsePickle(
    absl::string_view bytes, const PickleLimits& limits) {
  return PickleParser(bytes, limits).Run();
}

}  // namespace fairport
