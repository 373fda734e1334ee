// The HF passes' reading of config.json, one transformers class at a time:
// each class lists every config field transformers v4.40.2 reads when it
// builds that class and runs its eval forward (verify/README.md has the
// same lists as tables). A field absent from config.json takes the config
// class's __init__ default, as it does when transformers reads the file
// through that class; a value Fairport's HF pass does not implement is
// refused by name. HF-pass side only: the converter does not use this.
#ifndef FAIRPORT_FAMILIES_COMMON_PASSES_HF_CLASS_CONFIG_H_
#define FAIRPORT_FAMILIES_COMMON_PASSES_HF_CLASS_CONFIG_H_

#include <initializer_list>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "nlohmann/json.hpp"

namespace fairport {

// The type a field must have. kAny: transformers never fails on the value
// (the field changes nothing in eval). kProbability: a number in [0, 1],
// which nn.Dropout and nn.functional.dropout insist on even in eval.
enum class HfFieldType {
  kAny,
  kInt,
  kNumber,
  kProbability,
  kBool,
  kString,
  kIntList,
  kObject,
};

enum class HfFieldUse {
  kImplemented,     // the HF pass builds what the value says
  kRefusedUnless,   // only the values in `implemented` are built
  kNoEffectInEval,  // read by transformers, nothing in eval depends on it
};

struct HfConfigField {
  const char* name;
  // JSON of the config class's __init__ default; for a field the class
  // does not define, the default of the getattr transformers reads it with,
  // or "null" (hasattr, or no default).
  const char* default_json;
  HfFieldType type;
  HfFieldUse use;
  const char* source;  // the transformers file that reads it
  // kRefusedUnless: a JSON array of the values the HF pass implements, and
  // what transformers would do with any other value.
  const char* implemented = "";
  const char* otherwise = "";
  // kRefusedUnless: refuse only while this other field has this value
  // ("do_stable_layer_norm=true"); empty = always.
  const char* only_when = "";
};

struct HfClassFields {
  const char* hf_class;  // e.g. "Wav2Vec2ForCTC"
  absl::Span<const HfConfigField> fields;
};

// What PretrainedConfig and PreTrainedModel read for every class
// (configuration_utils.py, modeling_utils.py), as rows for a class's list.
absl::Span<const HfConfigField> HfPreTrainedModelFields();

// The rows of several lists, in order.
std::vector<HfConfigField> JoinHfFields(
    std::initializer_list<absl::Span<const HfConfigField>> parts);

// The class `config`'s architectures name, among `classes`; an error naming
// `source` when it names none of them (or more than one class).
absl::StatusOr<const HfClassFields*> FindHfClass(
    const nlohmann::json& config, const std::string& source,
    absl::Span<const HfClassFields> classes);

// config.json as `cls` sees it: every listed field at its effective value
// (config.json's, else the default), each type-checked; an error for a
// value of the wrong type and for one the HF pass does not implement.
absl::StatusOr<nlohmann::json> ReadHfClassConfig(const nlohmann::json& config,
                                                 const std::string& source,
                                                 const HfClassFields& cls);

}  // namespace fairport

#endif  // FAIRPORT_FAMILIES_COMMON_PASSES_HF_CLASS_CONFIG_H_
