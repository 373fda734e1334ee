// config.json's text as transformers writes it (PretrainedConfig.
// to_json_string: json.dumps(indent=2, sort_keys=True) + "\n").
#ifndef FAIRPORT_HF_CONFIG_JSON_H_
#define FAIRPORT_HF_CONFIG_JSON_H_

#include <string>

#include "nlohmann/json.hpp"

namespace fairport {

// Keys in sorted order at every level, as sort_keys gives, except
// id2label's: transformers holds them as ints (PretrainedConfig.__init__
// converts them) and sort_keys orders ints by value, so "2" comes before
// "10". A key that is not a decimal integer (transformers could not load
// it) follows the integers in string order.
std::string ConfigJsonText(const nlohmann::json& config);

}  // namespace fairport

#endif  // FAIRPORT_HF_CONFIG_JSON_H_
