// Reading fields of a fairseq model configuration with fairseq's dataclass
// defaults, for config inference: each default used is noted for the
// conversion summary.
#ifndef FAIRPORT_FAMILIES_COMMON_CONVERT_CONFIG_FIELDS_H_
#define FAIRPORT_FAMILIES_COMMON_CONVERT_CONFIG_FIELDS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "fairseq/checkpoint.h"
#include "fairseq/config_view.h"
#include "families/family.h"
#include "nlohmann/json.hpp"

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

// The encoder's sizes: conv_feature_layers, encoder_embed_dim,
// encoder_layers, encoder_attention_heads, encoder_ffn_embed_dim.
struct EncoderSizes {
  std::vector<int64_t> conv_dim, conv_kernel, conv_stride;
  int64_t embed = 768;
  int64_t layers = 12;
  int64_t heads = 12;
  int64_t ffn = 3072;
};
// `where` ("<checkpoint>: <config path>") prefixes errors.
absl::StatusOr<EncoderSizes> InferEncoderSizes(
    const ConfigView& enc, const std::string& where,
    std::vector<std::string>& defaulted);

// config.json fields not read from the checkpoint, written at
// transformers' defaults and listed together in the conversion summary.
class TransformersDefaults {
 public:
  // Sets `key`; setting it again replaces the value listed.
  void Set(nlohmann::json& c, const char* key, nlohmann::json value);
  // Sets `key` from the checkpoint after all: no longer listed.
  void SetRead(nlohmann::json& c, const char* key, nlohmann::json value);
  // Adds "transformers' defaults (not read from the checkpoint): a = 1,
  // b = 2" to `defaulted`, if any field was set.
  void Note(std::vector<std::string>& defaulted) const;

 private:
  std::vector<std::string> fields_;
};

// The config.json fields that transformers' Wav2Vec2Config,
// Data2VecAudioConfig and HubertConfig share and every family infers alike:
// the sizes, conv_bias, hidden_act, the training fields of `enc`, the
// special tokens, the CTC head's final_dropout (from the fine-tuning config)
// and vocab_size, the CTC loss settings (from the fine-tuning criterion),
// and transformers' defaults for the rest.
absl::Status WriteSharedConfigFields(
    const FairseqCheckpoint& checkpoint, const ConfigView& enc, ModelKind kind,
    std::optional<int64_t> vocab_size, const EncoderSizes& sizes,
    bool conv_bias, const std::string& hidden_act, nlohmann::json& c,
    TransformersDefaults& defaults, std::vector<std::string>& defaulted);

// The adapter, TDNN and x-vector defaults of Wav2Vec2Config and
// Data2VecAudioConfig (HubertConfig has none).
void WriteAdapterDefaults(nlohmann::json& c, TransformersDefaults& defaults);

// preprocessor_config.json: do_normalize from the task (cfg.task.normalize).
absl::StatusOr<nlohmann::json> InferPreprocessorConfig(
    const FairseqCheckpoint& checkpoint, ModelKind kind,
    bool return_attention_mask, std::vector<std::string>& defaulted);

}  // namespace fairport

#endif  // FAIRPORT_FAMILIES_COMMON_CONVERT_CONFIG_FIELDS_H_
