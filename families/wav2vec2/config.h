// wav2vec 2.0 and HuBERT: transformers' Wav2Vec2Config / HubertConfig
// inferred from a fairseq checkpoint's configuration (families.md), and
// the architecture both forward passes and the mapping read. HuBERT is
// wav2vec 2.0's encoder with another training head, in fairseq and in
// transformers alike, so one architecture serves both (`Variant`); the
// hubert package registers the HuBERT family over it.
#ifndef FAIRPORT_FAMILIES_WAV2VEC2_CONFIG_H_
#define FAIRPORT_FAMILIES_WAV2VEC2_CONFIG_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "fairseq/checkpoint.h"
#include "families/family.h"
#include "nlohmann/json.hpp"

namespace fairport::wav2vec2 {

using ::fairport::InferredConfig;
using ::fairport::ModelKind;

enum class Variant { kWav2Vec2, kHubert };

// The names each variant goes by.
struct VariantNames {
  const char* family;       // registry key: "wav2vec2", "hubert"
  const char* model_type;   // config.json: "wav2vec2", "hubert"
  const char* encoder;      // fairseq _name / arch: "wav2vec2", "hubert"
  const char* ctc_wrapper;  // "wav2vec_ctc", "hubert_ctc"
  const char* hf_prefix;    // the base model inside a head model
  const char* hf_name;      // "Wav2Vec2", "Hubert"
};
const VariantNames& NamesOf(Variant variant);

// Pretrained or CTC; an error for anything else.
absl::StatusOr<ModelKind> DetectKind(const FairseqCheckpoint& checkpoint,
                                     Variant variant);
std::string KindName(Variant variant, ModelKind kind);
// transformers' class for a converted checkpoint: Wav2Vec2ForPreTraining
// (when the checkpoint holds the quantizer), Wav2Vec2Model, Wav2Vec2ForCTC,
// HubertModel, HubertForCTC.
std::string HfClassName(Variant variant, ModelKind kind,
                        bool pretraining_head = true);

// What a converted directory holds, as its config.json says.
struct Architecture {
  Variant variant = Variant::kWav2Vec2;
  int64_t hidden_size = 768;
  int64_t num_hidden_layers = 12;
  int64_t num_attention_heads = 12;
  int64_t intermediate_size = 3072;
  std::vector<int64_t> conv_dim, conv_kernel, conv_stride;
  bool conv_bias = false;
  bool group_norm = true;          // feat_extract_norm "group" (else "layer")
  bool stable_layer_norm = false;  // do_stable_layer_norm: pre-LN layers
  int64_t pos_conv_kernel = 128;   // num_conv_pos_embeddings
  int64_t pos_conv_groups = 16;
  double layer_norm_eps = 1e-5;
  double mask_time_prob = 0.05;
  double mask_feature_prob = 0.0;
  bool feat_proj_layer_norm = true;  // HuBERT's may be off
  int64_t vocab_size = 32;
  bool ctc = false;
  // Wav2Vec2ForPreTraining's quantizer and projections.
  bool pretraining_head = false;
  int64_t codevector_groups = 2;
  int64_t codevectors_per_group = 320;
  int64_t codevector_dim = 256;
  int64_t proj_codevector_dim = 256;

  bool has_masked_spec_embed() const {
    return mask_time_prob > 0 || mask_feature_prob > 0;
  }
  // The base model's parameter prefix: "wav2vec2." / "hubert." inside a
  // head model, "" for the bare model.
  std::string hf_prefix() const;
  static absl::StatusOr<Architecture> FromHfConfig(const nlohmann::json& config,
                                                   const std::string& source,
                                                   Variant variant);
};

// The encoder's fairseq config: cfg.model, or the w2v_args of a CTC model.
absl::StatusOr<ConfigView> EncoderConfig(const FairseqCheckpoint& checkpoint,
                                         ModelKind kind);

// Whether a pretrained wav2vec 2.0 checkpoint holds what
// Wav2Vec2ForPreTraining needs (a single-layer quantizer over the features).
bool HasPretrainingHead(const FairseqCheckpoint& checkpoint, Variant variant,
                        ModelKind kind);

absl::Status CheckRepresentable(const FairseqCheckpoint& checkpoint,
                                Variant variant, ModelKind kind);

absl::StatusOr<InferredConfig> InferConfig(const FairseqCheckpoint& checkpoint,
                                           Variant variant, ModelKind kind,
                                           std::optional<int64_t> vocab_size);

}  // namespace fairport::wav2vec2

#endif  // FAIRPORT_FAMILIES_WAV2VEC2_CONFIG_H_
