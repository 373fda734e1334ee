// A JSON file that must hold an object (config.json and its siblings, a
// user's config overrides); errors name the file.
#ifndef FAIRPORT_BASE_JSON_FILE_H_
#define FAIRPORT_BASE_JSON_FILE_H_

#include <string>

#include "absl/status/statusor.h"
#include "nlohmann/json.hpp"

namespace fairport {

absl::StatusOr<nlohmann::json> ReadJsonObject(const std::string& path);

}  // namespace fairport

#endif  // FAIRPORT_BASE_JSON_FILE_H_
