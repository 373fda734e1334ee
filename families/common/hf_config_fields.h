// Reading config.json fields as transformers' config classes read them,
// for the HF forward passes and the mapping: a missing field or one of the
// wrong type is an error naming the file and the key.
#ifndef FAIRPORT_FAMILIES_COMMON_HF_CONFIG_FIELDS_H_
#define FAIRPORT_FAMILIES_COMMON_HF_CONFIG_FIELDS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "nlohmann/json.hpp"

namespace fairport {

class HfConfigFields {
 public:
  HfConfigFields(const nlohmann::json& config, std::string source)
      : c_(config), source_(std::move(source)) {}

  absl::Status Int(const char* key, int64_t& field) const {
    if (!c_.contains(key) || !c_[key].is_number_integer()) return Missing(key);
    field = c_[key].get<int64_t>();
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
  absl::Status IntList(const char* key, std::vector<int64_t>& field) const {
    if (!c_.contains(key) || !c_[key].is_array()) return Missing(key);
    field.clear();
    for (const auto& v : c_[key]) {
      if (!v.is_number_integer()) return Missing(key);
      field.push_back(v.get<int64_t>());
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
