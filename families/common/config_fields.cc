#include "families/common/config_fields.h"

#include <map>

#include "absl/status/status.h"

namespace fairport {

absl::StatusOr<std::string> HfActivationName(const std::string& fairseq_name,
                                             const std::string& where) {
  static const auto* kHiddenAct = new std::map<std::string, std::string>{
      {"gelu", "gelu"},          {"gelu_accurate", "gelu_new"},
      {"gelu_fast", "gelu_new"}, {"relu", "relu"},
      {"tanh", "tanh"},          {"linear", "linear"},
      {"swish", "swish"},
  };
  auto act = kHiddenAct->find(fairseq_name);
  if (act == kHiddenAct->end()) {
    return absl::InvalidArgumentError(absl::StrCat(
        where, " is '", fairseq_name, "', which Fairport does not convert"));
  }
  return act->second;
}

}  // namespace fairport
