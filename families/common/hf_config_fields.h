// Reading config.json fields as transformers' config classes read them,
// for the HF forward passes and the mapping: a missing field or one of the
// wrong type is an error naming the file and the key.
#ifndef FAIRPORT_FAMILIES_COMMON_HF_CONFIG_FIELDS_H_
#define FAIRPORT_FAMILIES_COMMON_HF_CONFIG_FIELDS_H_

#include <cstdint>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "nlohmann/json.hpp"

namespace fairport {

class HfConfigFields {
 public:
  HfConfigFields(const nlohmann::json& config, std::string source)
      : c_(config), source_(std::move(source)) {}

  // Sizes take `min` = 1 (or 0 for a count that may be empty): a hostile
  // size must not reach the passes' arithmetic.
  absl::Status Int(const char* key, int64_t& field,
                   int64_t min = std::numeric_limits<int64_t>::min()) const {
    if (!c_.contains(key) || !c_[key].is_number_integer()) return Missing(key);
    field = c_[key].get<int64_t>();
    if (field < min) {
      return absl::InvalidArgumentError(absl::StrCat(
          source_, ": '", key, "' is ", field, ", less than ", min));
    }
    return absl::OkStatus();
  }
  absl::Status Float(const char* key, double& field) const {
    if (!c_.contains(key) || !c_[key].is_number()) return Missing(key);
    field = c_[key].get<double>();
    return absl::OkStatus();
  }
  absl::Status Bool(const char* key, bool& field) const {
    if (!c_.contains(key) || !c_[key].is_boolean()) return Missing(key);
    field = c_[key].get<bool>();
    return absl::OkStatus();
  }
  absl::Status String(const char* key, std::string& field) const {
    if (!c_.contains(key) || !c_[key].is_string()) return Missing(key);
    field = c_[key].get<std::string>();
    return absl::OkStatus();
  }
  // A list of positive integers.
  absl::Status SizeList(const char* key, std::vector<int64_t>& field) const {
    if (!c_.contains(key) || !c_[key].is_array()) return Missing(key);
    field.clear();
    for (const auto& v : c_[key]) {
      if (!v.is_number_integer()) return Missing(key);
      field.push_back(v.get<int64_t>());
      if (field.back() < 1) {
        return absl::InvalidArgumentError(absl::StrCat(
            source_, ": '", key, "' holds ", field.back(), ", not a size"));
      }
    }
    return absl::OkStatus();
  }
  // conv_dim, conv_kernel and conv_stride: positive, of one length >= 1.
  absl::Status ConvStack(std::vector<int64_t>& dim,
                         std::vector<int64_t>& kernel,
                         std::vector<int64_t>& stride) const {
    const std::pair<const char*, std::vector<int64_t>*> lists[] = {
        {"conv_dim", &dim}, {"conv_kernel", &kernel}, {"conv_stride", &stride}};
    for (const auto& [key, list] : lists) {
      if (absl::Status s = SizeList(key, *list); !s.ok()) return s;
    }
    if (dim.size() != kernel.size() || dim.size() != stride.size() ||
        dim.empty()) {
      return absl::InvalidArgumentError(absl::StrCat(
          source_, ": conv_dim, conv_kernel and conv_stride differ in length"));
    }
    return absl::OkStatus();
  }

 private:
  absl::Status Missing(const char* key) const {
    return absl::InvalidArgumentError(absl::StrCat(
        source_, ": '", key, "' is missing or has the wrong type"));
  }

  const nlohmann::json& c_;
  std::string source_;
};

}  // namespace fairport

#endif  // FAIRPORT_FAMILIES_COMMON_HF_CONFIG_FIELDS_H_
