#include "families/common/passes/hf_class_config.h"

#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "base/json.h"

namespace fairport {
namespace {

// What each type accepts, and its name in messages.
struct TypeRule {
  const char* name;
  bool (*accepts)(const nlohmann::json& v);
};

const TypeRule& RuleOf(HfFieldType type) {
  static const TypeRule kRules[] = {
      {"anything", [](const nlohmann::json&) { return true; }},
      {"an integer",
       [](const nlohmann::json& v) { return v.is_number_integer(); }},
      {"a number", [](const nlohmann::json& v) { return v.is_number(); }},
      {"a number in [0, 1]",
       [](const nlohmann::json& v) {
         return v.is_number() && v.get<double>() >= 0 && v.get<double>() <= 1;
       }},
      {"true or false", [](const nlohmann::json& v) { return v.is_boolean(); }},
      {"a string", [](const nlohmann::json& v) { return v.is_string(); }},
      {"a list of integers",
       [](const nlohmann::json& v) {
         if (!v.is_array()) return false;
         for (const auto& e : v)
           if (!e.is_number_integer()) return false;
         return true;
       }},
      {"an object", [](const nlohmann::json& v) { return v.is_object(); }},
  };
  return kRules[static_cast<int>(type)];
}

nlohmann::json Effective(const nlohmann::json& config,
                         const HfConfigField& field) {
  if (config.contains(field.name)) return config[field.name];
  return ParseJson(field.default_json);
}

// Whether `field.only_when` ("other=json") holds in `effective`.
bool Applies(const HfConfigField& field, const nlohmann::json& effective) {
  if (*field.only_when == '\0') return true;
  std::vector<std::string> parts =
      absl::StrSplit(field.only_when, absl::MaxSplits('=', 1));
  return effective.value(parts[0], nlohmann::json()) == ParseJson(parts[1]);
}

}  // namespace

absl::Span<const HfConfigField> HfPreTrainedModelFields() {
  using T = HfFieldType;
  using U = HfFieldUse;
  static constexpr HfConfigField kFields[] = {
      // Defaults for the forward's output_* / return_dict arguments: which
      // outputs come back, not their values.
      {"output_hidden_states", "false", T::kAny, U::kNoEffectInEval,
       "configuration_utils.py; modeling_*.py forward"},
      {"output_attentions", "false", T::kAny, U::kNoEffectInEval,
       "configuration_utils.py; modeling_*.py forward"},
      {"return_dict", "true", T::kAny, U::kNoEffectInEval,
       "configuration_utils.py use_return_dict; modeling_*.py forward"},
      {"torchscript", "false", T::kAny, U::kNoEffectInEval,
       "configuration_utils.py use_return_dict"},
      // from_pretrained casts to it only when asked with torch_dtype="auto".
      {"torch_dtype", "null", T::kAny, U::kNoEffectInEval,
       "modeling_utils.py from_pretrained"},
      // tie_weights: these classes have no output embeddings to tie.
      {"tie_word_embeddings", "true", T::kAny, U::kNoEffectInEval,
       "modeling_utils.py tie_weights"},
      // post_init: training-time switch.
      {"gradient_checkpointing", "false", T::kAny, U::kNoEffectInEval,
       "modeling_utils.py post_init"},
      {"pruned_heads", "{}", T::kObject, U::kRefusedUnless,
       "modeling_utils.py init_weights", "[{}]",
       "prune attention heads in init_weights (which these models do not "
       "implement: an error)"},
      // 4.40.2's speech classes have only eager attention
      // (_supports_sdpa and _supports_flash_attn_2 unset): any other
      // request fails in _autoset_attn_implementation.
      {"attn_implementation", "null", T::kAny, U::kRefusedUnless,
       "configuration_utils.py; modeling_utils.py "
       "_autoset_attn_implementation",
       "[null, \"eager\"]", "fail to load (only eager attention exists)"},
      {"_attn_implementation", "null", T::kAny, U::kRefusedUnless,
       "configuration_utils.py; modeling_utils.py "
       "_autoset_attn_implementation",
       "[null, \"eager\"]", "fail to load (only eager attention exists)"},
      {"quantization_config", "null", T::kAny, U::kRefusedUnless,
       "modeling_utils.py from_pretrained", "[null]", "load a quantized model"},
  };
  return kFields;
}

std::vector<HfConfigField> JoinHfFields(
    std::initializer_list<absl::Span<const HfConfigField>> parts) {
  std::vector<HfConfigField> fields;
  for (absl::Span<const HfConfigField> part : parts)
    fields.insert(fields.end(), part.begin(), part.end());
  return fields;
}

absl::StatusOr<const HfClassFields*> FindHfClass(
    const nlohmann::json& config, const std::string& source,
    absl::Span<const HfClassFields> classes) {
  const nlohmann::json architectures =
      config.value("architectures", nlohmann::json());
  if (architectures.is_array() && architectures.size() == 1 &&
      architectures[0].is_string()) {
    for (const HfClassFields& cls : classes)
      if (architectures[0] == cls.hf_class) return &cls;
  }
  std::vector<std::string> names;
  for (const HfClassFields& cls : classes) names.push_back(cls.hf_class);
  return absl::InvalidArgumentError(absl::StrCat(
      source, ": architectures is ", DumpJson(architectures),
      ": Fairport's HF pass builds only one of ", absl::StrJoin(names, ", ")));
}

absl::StatusOr<nlohmann::json> ReadHfClassConfig(const nlohmann::json& config,
                                                 const std::string& source,
                                                 const HfClassFields& cls) {
  nlohmann::json effective = config;
  for (const HfConfigField& field : cls.fields) {
    nlohmann::json value = Effective(config, field);
    const bool null_default = std::string(field.default_json) == "null";
    if (!(value.is_null() && null_default) &&
        !RuleOf(field.type).accepts(value)) {
      return absl::InvalidArgumentError(
          absl::StrCat(source, ": ", field.name, " is ", DumpJson(value),
                       ", not ", RuleOf(field.type).name, " as transformers' ",
                       cls.hf_class, " reads it (", field.source, ")"));
    }
    effective[field.name] = std::move(value);
  }
  for (const HfConfigField& field : cls.fields) {
    if (field.use != HfFieldUse::kRefusedUnless || !Applies(field, effective))
      continue;
    const nlohmann::json& value = effective[field.name];
    bool implemented = false;
    for (const auto& v : ParseJson(field.implemented))
      implemented |= v == value;
    if (implemented) continue;
    std::string when;
    if (*field.only_when != '\0')
      when = absl::StrCat(" (with ", field.only_when, ")");
    return absl::UnimplementedError(absl::StrCat(
        source, ": ", field.name, " is ", DumpJson(value), when,
        ": transformers' ", cls.hf_class, " would ", field.otherwise,
        ", which Fairport's HF pass does not implement; refusing"));
  }
  return effective;
}

}  // namespace fairport
