// What a family built on wav2vec 2.0's encoder (conv feature extractor, one
// weight-normed positional convolution, Transformer layers, post-LN or
// pre-LN) says about itself: its names, its pretraining head, and the few
// places where fairseq or transformers treat it apart. wav2vec 2.0 and
// HuBERT are such families (families/wav2vec2, families/hubert): each owns
// its Flavor, and this package knows neither.
#ifndef FAIRPORT_FAMILIES_WAV2VEC2_ENCODER_FLAVOR_H_
#define FAIRPORT_FAMILIES_WAV2VEC2_ENCODER_FLAVOR_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/types/span.h"
#include "fairseq/config_view.h"
#include "families/common/convert/config_fields.h"
#include "families/common/convert/synthetic.h"
#include "families/common/convert/weight_table.h"
#include "nlohmann/json.hpp"

namespace fairport::wav2vec2_encoder {

// How fairseq's model counts the valid frames of a padded utterance.
enum class FairseqFrames {
  // Wav2Vec2Model: the conv-length formula over the valid samples (as
  // transformers counts them).
  kConvLength,
  // HubertModel.forward_padding_mask: the sample mask trimmed to a
  // multiple of T, a frame padding only when ALL of its L // T samples are.
  kAllSamplesPadded,
};

// The shapes a synthetic checkpoint's pretraining head is made from.
struct SyntheticHeadShape {
  int64_t embed;       // encoder width
  int64_t conv_width;  // the extractor's last channel count
  int64_t final_dim;
  int64_t latent_vars;
  int64_t latent_groups;
  int64_t classes;  // k-means units of a HuBERT-style head
};

struct Flavor {
  const char* family = "";       // registry key: "wav2vec2"
  const char* model_type = "";   // config.json model_type: "wav2vec2"
  const char* encoder = "";      // fairseq's model _name / arch: "wav2vec2"
  const char* ctc_wrapper = "";  // fairseq's CTC fine-tuning model
  // fairseq's pooled classifier over the encoder ("wav2vec_classification",
  // MMS language ID), converted to <hf_name>ForSequenceClassification; ""
  // when the flavor has none.
  const char* classification_wrapper = "";
  const char* hf_name = "";    // transformers' class stem: "Wav2Vec2"
  const char* hf_prefix = "";  // the base model in a head model: "wav2vec2."

  // Whether a pretrained checkpoint holding a quantizer converts to
  // <hf_name>ForPreTraining (else <hf_name>Model).
  bool pretraining_class = false;
  // Whether config.json says whether the feature projection has its
  // LayerNorm (HubertConfig.feat_proj_layer_norm; absent: it always has).
  bool feat_proj_layer_norm_field = false;
  FairseqFrames fairseq_frames = FairseqFrames::kConvLength;
  // Whether transformers' model holds MMS's per-language attention adapters
  // (adapter_attn_dim, attn_adapters.h): a fine-tuned checkpoint with
  // layer_type trf_adp converts; otherwise it is refused.
  bool attn_adapters = false;

  // Conversion side. The training-only fairseq weights transformers' model
  // has no place for (its pretraining head), left out by category.
  absl::Span<const SkipRule> training_only;

  // The config.json fields of this flavor beyond the
  // shared encoder's, from the encoder's fairseq config `enc` (`embed` its
  // width); a field left at transformers' default goes through `defaults`.
  absl::Status (*write_config)(const ConfigView& enc, int64_t embed,
                               nlohmann::json& config,
                               TransformersDefaults& defaults,
                               std::vector<std::string>& defaulted) = nullptr;

  // Synthetic checkpoints: the pretraining task and criterion, and the
  // head's parameters and model config fields (`ctc`: inside a
  // fine-tuned wrapper, where fairseq drops the training-only head).
  const char* pretraining_task = "";
  const char* pretraining_criterion = "";
  void (*synthetic_head)(const SyntheticHeadShape& shape, bool ctc,
                         std::vector<SyntheticParam>& params,
                         nlohmann::ordered_json& model_config) = nullptr;
};

}  // namespace fairport::wav2vec2_encoder

#endif  // FAIRPORT_FAMILIES_WAV2VEC2_ENCODER_FLAVOR_H_
