// Hugging Face Data2VecAudioConfig, inferred from a fairseq data2vec-audio
// checkpoint's configuration (model-structure.md, section 3), and written
// the way transformers writes it (every key present, sorted).
#ifndef FAIRPORT_FAMILIES_DATA2VEC_AUDIO_CONFIG_H_
#define FAIRPORT_FAMILIES_DATA2VEC_AUDIO_CONFIG_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "fairseq/checkpoint.h"
#include "families/family.h"
#include "nlohmann/json.hpp"

namespace fairport::data2vec_audio {

// kPretrained: fairseq data2vec_audio -> Data2VecAudioModel; kCtc: fairseq
// wav2vec_ctc over data2vec_audio -> Data2VecAudioForCTC.
using ::fairport::InferredConfig;
using ::fairport::ModelKind;

// The kind of a checkpoint; an error for anything that is not data2vec audio.
absl::StatusOr<ModelKind> DetectKind(const FairseqCheckpoint& checkpoint);
const char* KindName(ModelKind kind);
// transformers' class: "Data2VecAudioModel" or "Data2VecAudioForCTC".
const char* HfClassName(ModelKind kind);

// The architecture fields the forward passes and the mapping need.
struct Architecture {
  int64_t hidden_size = 768;
  int64_t num_hidden_layers = 12;
  int64_t num_attention_heads = 12;
  int64_t intermediate_size = 3072;
  std::vector<int64_t> conv_dim, conv_kernel, conv_stride;
  bool conv_bias = false;
  int64_t num_conv_pos_embeddings = 5;  // positional conv LAYERS
  int64_t conv_pos_kernel_size = 19;
  int64_t num_conv_pos_embedding_groups = 16;
  double layer_norm_eps = 1e-5;
  double mask_time_prob = 0.05;
  double mask_feature_prob = 0.0;
  int64_t vocab_size = 32;  // CTC head rows
  bool ctc = false;

  // transformers creates masked_spec_embed only when masking is enabled.
  bool has_masked_spec_embed() const {
    return mask_time_prob > 0 || mask_feature_prob > 0;
  }
  // From a config.json as transformers reads it.
  static absl::StatusOr<Architecture> FromHfConfig(const nlohmann::json& config,
                                                   const std::string& source);
};

// Infers config.json and preprocessor_config.json. `vocab_size` is the
// number of dictionary symbols (CTC only).
absl::StatusOr<InferredConfig> InferConfig(const FairseqCheckpoint& checkpoint,
                                           ModelKind kind,
                                           std::optional<int64_t> vocab_size);

// Refuses what transformers' Data2VecAudio cannot represent.
absl::Status CheckRepresentable(const FairseqCheckpoint& checkpoint,
                                ModelKind kind);

}  // namespace fairport::data2vec_audio

#endif  // FAIRPORT_FAMILIES_DATA2VEC_AUDIO_CONFIG_H_
