// nlohmann::json's parser and serializer, compiled once here instead of in
// every file that reads or writes JSON: their templates are instantiated
// and compiled anew in each translation unit that calls `parse` or `dump`
// (2.3 s of a gcc -O2 compile, 4.5 s of a fuzz-configuration clang compile
// for `parse`; 0.6 s / 1.5 s for `dump`; bench/results/compile_costs.json).
// Call these instead of nlohmann::json::parse / dump.
#ifndef FAIRPORT_BASE_JSON_H_
#define FAIRPORT_BASE_JSON_H_

#include <string>

#include "absl/strings/string_view.h"
#include "nlohmann/json.hpp"

namespace fairport {

// `text` parsed as one JSON value; a discarded value (is_discarded()) when
// it is not valid JSON. Never throws.
nlohmann::json ParseJson(absl::string_view text);
nlohmann::ordered_json ParseOrderedJson(absl::string_view text);

// `value` as JSON text, compact when `indent` is negative, else with
// `indent` spaces per level (nlohmann's dump(indent)). Non-ASCII characters
// are written as UTF-8; a string that is not valid UTF-8 throws
// nlohmann::json::type_error, as dump() does.
std::string DumpJson(const nlohmann::json& value, int indent = -1);
std::string DumpJson(const nlohmann::ordered_json& value, int indent = -1);

}  // namespace fairport

#endif  // FAIRPORT_BASE_JSON_H_
