// wav2vec2-conformer (conformer.md): fairseq's Wav2Vec2Model with
// layer_type "conformer" (pretrained, or wav2vec_ctc over it) as
// transformers' Wav2Vec2ConformerConfig; which checkpoints are this
// family's and which transformers cannot represent; the architecture the
// mapping and the HF pass read from config.json.
#ifndef FAIRPORT_FAMILIES_WAV2VEC2_CONFORMER_CONFIG_H_
#define FAIRPORT_FAMILIES_WAV2VEC2_CONFORMER_CONFIG_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "fairseq/checkpoint.h"
#include "families/family.h"
#include "nlohmann/json.hpp"

namespace fairport::wav2vec2_conformer {

inline constexpr char kFamilyName[] = "wav2vec2_conformer";
inline constexpr char kModelType[] = "wav2vec2-conformer";

// How the attention sees positions: fairseq's pos_enc_type rel_pos / rope,
// transformers' position_embeddings_type "relative" / "rotary".
enum class Positions { kRelative, kRotary };

// Pretrained or CTC when the checkpoint's (effective) encoder is a
// conformer; an error naming the model otherwise.
absl::StatusOr<ModelKind> DetectKind(const FairseqCheckpoint& checkpoint);
std::string KindName(ModelKind kind);
// Wav2Vec2ConformerForPreTraining (with the quantizer head),
// Wav2Vec2ConformerModel, Wav2Vec2ConformerForCTC.
std::string HfClassName(ModelKind kind, bool pretraining_head = true);

// The encoder's fairseq config: cfg.model, or the w2v_args of a CTC model.
absl::StatusOr<ConfigView> EncoderConfig(const FairseqCheckpoint& checkpoint,
                                         ModelKind kind);

// Refuses by name what transformers' Wav2Vec2Conformer cannot represent
// (conformer.md section 1): layer_norm_first false, pos_enc_type other than
// rel_pos / rope, attn_type other than espnet, crop_seq_to_multiple > 1,
// quantize_input, adapters, and shapes its modules cannot take.
absl::Status CheckRepresentable(const FairseqCheckpoint& checkpoint,
                                ModelKind kind);

// config.json (conformer.md section 5) and preprocessor_config.json.
absl::StatusOr<InferredConfig> InferConfig(const FairseqCheckpoint& checkpoint,
                                           ModelKind kind,
                                           std::optional<int64_t> vocab_size);

// What a converted directory holds, as its config.json says.
struct Architecture {
  int64_t hidden_size = 768;
  int64_t num_hidden_layers = 12;
  int64_t num_attention_heads = 12;
  int64_t intermediate_size = 3072;
  std::vector<int64_t> conv_dim, conv_kernel, conv_stride;
  bool conv_bias = false;
  bool group_norm = true;         // feat_extract_norm "group" (else "layer")
  int64_t pos_conv_kernel = 128;  // num_conv_pos_embeddings (never applied)
  int64_t pos_conv_groups = 16;
  int64_t depthwise_kernel = 31;  // conv_depthwise_kernel_size
  Positions positions = Positions::kRelative;
  double rotary_base = 10000;
  double layer_norm_eps = 1e-5;
  double mask_time_prob = 0.05;
  double mask_feature_prob = 0.0;
  int64_t vocab_size = 32;
  bool ctc = false;
  // Wav2Vec2ConformerForPreTraining's quantizer and projections.
  bool pretraining_head = false;
  int64_t codevector_groups = 2;
  int64_t codevectors_per_group = 320;
  int64_t codevector_dim = 256;
  int64_t proj_codevector_dim = 256;

  int64_t head_dim() const { return hidden_size / num_attention_heads; }
  bool has_masked_spec_embed() const {
    return mask_time_prob > 0 || mask_feature_prob > 0;
  }
  // "wav2vec2_conformer." inside a head model, "" for the bare model.
  std::string hf_prefix() const;
  static absl::StatusOr<Architecture> FromHfConfig(const nlohmann::json& config,
                                                   const std::string& source);
};

}  // namespace fairport::wav2vec2_conformer

#endif  // FAIRPORT_FAMILIES_WAV2VEC2_CONFORMER_CONFIG_H_
