// wav2vec 2.0's encoder: transformers' config (Wav2Vec2Config,
// HubertConfig, ...) inferred from a fairseq checkpoint's configuration
// (families.md), and the architecture both forward passes and the mapping
// read. A family built on this encoder passes its Flavor (flavor.h).
#ifndef FAIRPORT_FAMILIES_WAV2VEC2_ENCODER_ENCODER_CONFIG_H_
#define FAIRPORT_FAMILIES_WAV2VEC2_ENCODER_ENCODER_CONFIG_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "fairseq/checkpoint.h"
#include "families/family.h"
#include "families/wav2vec2_encoder/attn_adapters.h"
#include "families/wav2vec2_encoder/flavor.h"
#include "nlohmann/json.hpp"

namespace fairport::wav2vec2_encoder {

using ::fairport::InferredConfig;
using ::fairport::ModelKind;

// Pretrained, CTC or (a flavor with a classification_wrapper) sequence
// classification; an error for anything else.
absl::StatusOr<ModelKind> DetectKind(const FairseqCheckpoint& checkpoint,
                                     const Flavor& flavor);
std::string KindName(const Flavor& flavor, ModelKind kind);
// transformers' class for a converted checkpoint: <hf_name>ForPreTraining
// (when the flavor has it and the checkpoint holds the quantizer),
// <hf_name>Model, <hf_name>ForCTC, <hf_name>ForSequenceClassification.
std::string HfClassName(const Flavor& flavor, ModelKind kind,
                        bool pretraining_head = true);

// What a converted directory holds, as its config.json says.
struct Architecture {
  const Flavor* flavor = nullptr;  // whose config.json this is
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
  bool feat_proj_layer_norm = true;  // Flavor::feat_proj_layer_norm_field
  int64_t vocab_size = 32;
  bool ctc = false;
  // adapter_attn_dim: MMS's attention adapter in every layer (0: none).
  int64_t adapter_attn_dim = 0;
  // The layers that run an attention adapter after themselves (fairseq:
  // adp_trf_idx; transformers: every layer once adapter_attn_dim is set).
  std::vector<int64_t> adapter_layers;
  // <hf_name>ForSequenceClassification's projector and classifier.
  bool classification = false;
  int64_t classifier_proj_size = 256;
  int64_t num_labels = 2;
  // Wav2Vec2ForPreTraining's quantizer and projections.
  bool pretraining_head = false;
  int64_t codevector_groups = 2;
  int64_t codevectors_per_group = 320;
  int64_t codevector_dim = 256;
  int64_t proj_codevector_dim = 256;

  bool has_masked_spec_embed() const {
    return mask_time_prob > 0 || mask_feature_prob > 0;
  }
  // The base model's parameter prefix: the flavor's hf_prefix inside a
  // head model, "" for the bare model.
  std::string hf_prefix() const;
  static absl::StatusOr<Architecture> FromHfConfig(const nlohmann::json& config,
                                                   const std::string& source,
                                                   const Flavor& flavor);
};

// The encoder's fairseq config: cfg.model, or the w2v_args of a fine-tuned
// (CTC or classification) model.
absl::StatusOr<ConfigView> EncoderConfig(const FairseqCheckpoint& checkpoint,
                                         ModelKind kind);

// Whether a pretrained checkpoint holds what the flavor's ForPreTraining
// class needs (a single-layer quantizer over the features).
// The attention adapters of a fine-tuned CTC checkpoint whose effective
// layer_type is trf_adp (attn_adapters.h), for a flavor that has them;
// nullopt otherwise.
absl::StatusOr<std::optional<AttnAdapterConfig>> AttnAdaptersOf(
    const FairseqCheckpoint& checkpoint, const Flavor& flavor, ModelKind kind);

bool HasPretrainingHead(const FairseqCheckpoint& checkpoint,
                        const Flavor& flavor, ModelKind kind);

absl::Status CheckRepresentable(const FairseqCheckpoint& checkpoint,
                                const Flavor& flavor, ModelKind kind);

absl::StatusOr<InferredConfig> InferConfig(const FairseqCheckpoint& checkpoint,
                                           const Flavor& flavor, ModelKind kind,
                                           std::optional<int64_t> vocab_size);

}  // namespace fairport::wav2vec2_encoder

#endif  // FAIRPORT_FAMILIES_WAV2VEC2_ENCODER_ENCODER_CONFIG_H_
