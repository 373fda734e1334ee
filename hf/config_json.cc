#include "hf/config_json.h"

#include <algorithm>
#include <cstdint>
#include <optional>
#include <tuple>
#include <vector>

#include "absl/strings/numbers.h"
#include "base/json.h"

namespace fairport {
namespace {

std::optional<int64_t> IntegerKey(const std::string& key) {
  int64_t value = 0;
  if (key.empty() || !absl::SimpleAtoi(key, &value) ||
      std::to_string(value) != key)
    return std::nullopt;
  return value;
}

}  // namespace

std::string ConfigJsonText(const nlohmann::json& config) {
  // nlohmann::json keeps object keys in byte order, which is sort_keys'
  // code point order for UTF-8; only id2label needs another order.
  if (!config.is_object() || !config.contains("id2label") ||
      !config["id2label"].is_object()) {
    return DumpJson(config, 2) + "\n";
  }
  using Key = std::tuple<bool, int64_t, std::string>;
  std::vector<Key> keys;
  for (const auto& [key, value] : config["id2label"].items()) {
    std::optional<int64_t> n = IntegerKey(key);
    keys.emplace_back(!n.has_value(), n.value_or(0), key);
  }
  std::sort(keys.begin(), keys.end());
  nlohmann::ordered_json id2label = nlohmann::ordered_json::object();
  for (const Key& key : keys) {
    const std::string& name = std::get<2>(key);
    id2label[name] = ParseOrderedJson(DumpJson(config["id2label"][name]));
  }
  nlohmann::ordered_json out = nlohmann::ordered_json::object();
  for (const auto& [key, value] : config.items()) {
    out[key] = key == "id2label" ? id2label : ParseOrderedJson(DumpJson(value));
  }
  return DumpJson(out, 2) + "\n";
}

}  // namespace fairport
