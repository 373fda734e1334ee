#include "families/common/passes/pass_activations.h"

#include <map>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace fairport {

using ops::Activation;

// fairseq.utils.get_activation_fn. fairseq's "swish" hands back the
// torch.nn.SiLU class, not an instance; SiLU is what it means.
absl::StatusOr<ops::Activation> FairseqActivation(const std::string& name,
                                                  const std::string& where) {
  static const auto* kTable = new std::map<std::string, Activation>{
      {"gelu", Activation::kGelu},
      {"gelu_accurate", Activation::kGeluTanh},
      {"gelu_fast", Activation::kGeluTanh},
      {"relu", Activation::kRelu},
      {"tanh", Activation::kTanh},
      {"linear", Activation::kLinear},
      {"swish", Activation::kSilu},
  };
  auto it = kTable->find(name);
  if (it == kTable->end()) {
    return absl::UnimplementedError(absl::StrCat(
        where, " is '", name, "', which the fairseq pass does not implement"));
  }
  return it->second;
}

// transformers' ACT2FN, the names this pass implements.
absl::StatusOr<ops::Activation> HfActivation(const nlohmann::json& config,
                                             const char* key,
                                             const std::string& source) {
  static const auto* kTable = new std::map<std::string, Activation>{
      {"gelu", Activation::kGelu},
      {"gelu_new", Activation::kGeluTanh},
      {"gelu_accurate", Activation::kGeluTanh},
      {"relu", Activation::kRelu},
      {"tanh", Activation::kTanh},
      {"linear", Activation::kLinear},
      {"swish", Activation::kSilu},
      {"silu", Activation::kSilu},
  };
  if (!config.contains(key) || !config[key].is_string()) {
    return absl::InvalidArgumentError(
        absl::StrCat(source, ": '", key, "' is missing or not a string"));
  }
  const std::string name = config[key].get<std::string>();
  auto it = kTable->find(name);
  if (it == kTable->end()) {
    return absl::UnimplementedError(
        absl::StrCat(source, ": ", key, " is '", name,
                     "', which the HF pass does not implement"));
  }
  return it->second;
}

}  // namespace fairport
