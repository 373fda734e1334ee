#include "fairseq/config_view.h"

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "base/status_macros.h"

namespace fairport {

using Kind = PickleValue::Kind;

std::string ConfigView::KeyPath(absl::string_view key) const {
  return absl::StrCat(path_, ".", key);
}

bool ConfigView::Has(absl::string_view key) const {
  const PickleValue* v = node_->Find(key);
  return v != nullptr && !v->is(Kind::kNone);
}

absl::StatusOr<const PickleValue*> ConfigView::Get(
    absl::string_view key) const {
  const PickleValue* v = node_->Find(key);
  if (v == nullptr || v->is(Kind::kNone)) {
    return absl::NotFoundError(absl::StrCat(KeyPath(key), " is not set"));
  }
  return v;
}

absl::StatusOr<ConfigView> ConfigView::Child(absl::string_view key) const {
  ASSIGN_OR_RETURN(const PickleValue* v, Get(key));
  if (!v->is(Kind::kDict) && !(v->is(Kind::kObject) && v->state() != nullptr)) {
    return absl::InvalidArgumentError(
        absl::StrCat(KeyPath(key), " is a ", v->TypeName(),
                     ", not a configuration section"));
  }
  return ConfigView(v, KeyPath(key));
}

absl::StatusOr<int64_t> ConfigView::Int(absl::string_view key) const {
  ASSIGN_OR_RETURN(const PickleValue* v, Get(key));
  if (!v->is(Kind::kInt)) {
    return absl::InvalidArgumentError(
        absl::StrCat(KeyPath(key), " is a ", v->TypeName(), ", not an int"));
  }
  return v->int_value();
}

absl::StatusOr<double> ConfigView::Float(absl::string_view key) const {
  ASSIGN_OR_RETURN(const PickleValue* v, Get(key));
  if (v->is(Kind::kFloat)) return v->float_value();
  if (v->is(Kind::kInt)) return static_cast<double>(v->int_value());
  return absl::InvalidArgumentError(
      absl::StrCat(KeyPath(key), " is a ", v->TypeName(), ", not a number"));
}

absl::StatusOr<bool> ConfigView::Bool(absl::string_view key) const {
  ASSIGN_OR_RETURN(const PickleValue* v, Get(key));
  if (!v->is(Kind::kBool)) {
    return absl::InvalidArgumentError(
        absl::StrCat(KeyPath(key), " is a ", v->TypeName(), ", not a bool"));
  }
  return v->bool_value();
}

absl::StatusOr<std::string> ConfigView::String(absl::string_view key) const {
  ASSIGN_OR_RETURN(const PickleValue* v, Get(key));
  if (!v->is(Kind::kString)) {
    return absl::InvalidArgumentError(
        absl::StrCat(KeyPath(key), " is a ", v->TypeName(), ", not a string"));
  }
  return v->text();
}

}  // namespace fairport
