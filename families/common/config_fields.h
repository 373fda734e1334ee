// Reading fields of a fairseq model configuration with fairseq's dataclass
// defaults, for config inference: each default used is noted for the
// conversion summary.
#ifndef FAIRPORT_FAMILIES_COMMON_CONFIG_FIELDS_H_
#define FAIRPORT_FAMILIES_COMMON_CONFIG_FIELDS_H_

#include <cstdint>
#include <string>
#include <type_traits>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "fairseq/config_view.h"

namespace fairport {

// The field `key` read as T, or `fallback` when the config lacks it (noted
// in `defaulted` as "<path>.<key> missing: fairseq default <value>").
template <typename T>
absl::StatusOr<T> ValueOr(const ConfigView& cfg, const char* key, T fallback,
                          std::vector<std::string>& defaulted) {
  if (!cfg.Has(key)) {
    std::string shown;
    if constexpr (std::is_same_v<T, bool>) {
      shown = fallback ? "True" : "False";
    } else if constexpr (std::is_same_v<T, std::string>) {
      shown = absl::StrCat("'", fallback, "'");
    } else {
      shown = absl::StrCat(fallback);
    }
    defaulted.push_back(absl::StrCat(cfg.path(), ".", key,
                                     " missing: fairseq default ", shown));
    return fallback;
  }
  if constexpr (std::is_same_v<T, bool>) {
    return cfg.Bool(key);
  } else if constexpr (std::is_same_v<T, std::string>) {
    return cfg.String(key);
  } else if constexpr (std::is_same_v<T, int64_t>) {
    return cfg.Int(key);
  } else {
    return cfg.Float(key);
  }
}

inline absl::StatusOr<double> NumberOr(const ConfigView& cfg, const char* key,
                                       double fallback,
                                       std::vector<std::string>& defaulted) {
  return ValueOr<double>(cfg, key, fallback, defaulted);
}
inline absl::StatusOr<int64_t> IntOr(const ConfigView& cfg, const char* key,
                                     int64_t fallback,
                                     std::vector<std::string>& defaulted) {
  return ValueOr<int64_t>(cfg, key, fallback, defaulted);
}
inline absl::StatusOr<std::string> StringOr(
    const ConfigView& cfg, const char* key, const char* fallback,
    std::vector<std::string>& defaulted) {
  return ValueOr<std::string>(cfg, key, fallback, defaulted);
}
inline absl::StatusOr<bool> BoolOr(const ConfigView& cfg, const char* key,
                                   bool fallback,
                                   std::vector<std::string>& defaulted) {
  return ValueOr<bool>(cfg, key, fallback, defaulted);
}

// Dropout, layerdrop and masking: they do not change eval outputs but
// belong in a faithful config. For CTC models these are read from the
// encoder's stored w2v_args, as fairseq's Wav2VecEncoder builds it.
struct TrainingField {
  const char* fairseq;
  const char* hf;
  double fallback;  // fairseq's default
  bool integer;
};

inline constexpr TrainingField kTrainingFields[] = {
    {"dropout", "hidden_dropout", 0.1, false},
    {"attention_dropout", "attention_dropout", 0.1, false},
    {"activation_dropout", "activation_dropout", 0.0, false},
    {"dropout_input", "feat_proj_dropout", 0.0, false},
    {"encoder_layerdrop", "layerdrop", 0.0, false},
    {"mask_prob", "mask_time_prob", 0.65, false},
    {"mask_length", "mask_time_length", 10, true},
    {"mask_channel_prob", "mask_feature_prob", 0.0, false},
    {"mask_channel_length", "mask_feature_length", 10, true},
};

// fairseq's get_activation_fn name -> transformers' ACT2FN name, or an
// error naming the field for a name Fairport does not convert.
absl::StatusOr<std::string> HfActivationName(const std::string& fairseq_name,
                                             const std::string& where);

}  // namespace fairport

#endif  // FAIRPORT_FAMILIES_COMMON_CONFIG_FIELDS_H_
