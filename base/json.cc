#include "base/json.h"

namespace fairport {

nlohmann::json ParseJson(absl::string_view text) {
  return nlohmann::json::parse(text.begin(), text.end(), nullptr,
                               /*allow_exceptions=*/false);
}

nlohmann::ordered_json ParseOrderedJson(absl::string_view text) {
  return nlohmann::ordered_json::parse(text.begin(), text.end(), nullptr,
                                       /*allow_exceptions=*/false);
}

std::string DumpJson(const nlohmann::json& value, int indent) {
  return value.dump(indent);
}

std::string DumpJson(const nlohmann::ordered_json& value, int indent) {
  return value.dump(indent);
}

}  // namespace fairport
