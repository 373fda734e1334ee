#include "families/wav2vec2/hf_classes.h"

#include "absl/strings/str_cat.h"

namespace fairport::wav2vec2 {
namespace {

using T = HfFieldType;
using U = HfFieldUse;

constexpr char kW[] = "modeling_wav2vec2.py";
constexpr char kH[] = "modeling_hubert.py";

// What Wav2Vec2Model reads (HubertModel reads the same, less the adapter
// stack and plus feat_proj_layer_norm): defaults from
// configuration_wav2vec2.py / configuration_hubert.py, which agree.
#define FAIRPORT_ENCODER_FIELDS(M)                                             \
  {"hidden_size", "768", T::kInt, U::kImplemented, M},                         \
      {"num_hidden_layers", "12", T::kInt, U::kImplemented, M},                \
      {"num_attention_heads", "12", T::kInt, U::kImplemented, M},              \
      {"intermediate_size", "3072", T::kInt, U::kImplemented, M},              \
      {"hidden_act", "\"gelu\"", T::kString, U::kImplemented, M},              \
      {"hidden_dropout", "0.1", T::kProbability, U::kNoEffectInEval, M},       \
      {"activation_dropout", "0.1", T::kProbability, U::kNoEffectInEval, M},   \
      {"attention_dropout", "0.1", T::kProbability, U::kNoEffectInEval, M},    \
      {"feat_proj_dropout", "0.0", T::kProbability, U::kNoEffectInEval, M},    \
      {"layerdrop", "0.1", T::kAny, U::kNoEffectInEval, M},                    \
      {"initializer_range", "0.02", T::kAny, U::kNoEffectInEval, M},           \
      {"layer_norm_eps", "1e-5", T::kNumber, U::kImplemented, M},              \
      {"feat_extract_norm",                                                    \
       "\"group\"",                                                            \
       T::kString,                                                             \
       U::kRefusedUnless,                                                      \
       M,                                                                      \
       "[\"group\", \"layer\"]",                                               \
       "raise ValueError (feat_extract_norm must be 'group' or 'layer')"},     \
      {"feat_extract_activation", "\"gelu\"", T::kString, U::kImplemented, M}, \
      {"conv_dim", "[512, 512, 512, 512, 512, 512, 512]", T::kIntList,         \
       U::kImplemented, M},                                                    \
      {"conv_stride", "[5, 2, 2, 2, 2, 2, 2]", T::kIntList, U::kImplemented,   \
       M},                                                                     \
      {"conv_kernel", "[10, 3, 3, 3, 3, 2, 2]", T::kIntList, U::kImplemented,  \
       M},                                                                     \
      {"conv_bias", "false", T::kBool, U::kImplemented, M},                    \
      {"num_feat_extract_layers", "null", T::kAny, U::kNoEffectInEval, M},     \
      {"num_conv_pos_embeddings", "128", T::kInt, U::kImplemented, M},         \
      {"num_conv_pos_embedding_groups", "16", T::kInt, U::kImplemented, M},    \
      {"do_stable_layer_norm", "false", T::kBool, U::kImplemented, M},         \
      {"apply_spec_augment", "true", T::kAny, U::kNoEffectInEval, M},          \
      {"mask_time_prob", "0.05", T::kNumber, U::kImplemented, M},              \
      {"mask_time_length", "10", T::kAny, U::kNoEffectInEval, M},              \
      {"mask_time_min_masks", "2", T::kAny, U::kNoEffectInEval, M},            \
      {"mask_feature_prob", "0.0", T::kNumber, U::kImplemented, M},            \
      {"mask_feature_length", "10", T::kAny, U::kNoEffectInEval, M},           \
      {"mask_feature_min_masks", "0", T::kAny, U::kNoEffectInEval, M}, {       \
    "adapter_attn_dim", "null", T::kAny, U::kRefusedUnless, M, "[null]",       \
        "add an attention adapter to every encoder layer",                     \
        "do_stable_layer_norm=true"                                            \
  }

constexpr HfConfigField kWav2Vec2Model[] = {
    FAIRPORT_ENCODER_FIELDS(kW),
    {"add_adapter", "false", T::kAny, U::kRefusedUnless, kW, "[false, null]",
     "add an adapter stack after the encoder"},
    // Read only with add_adapter (Wav2Vec2Adapter, the CTC head's width).
    {"adapter_kernel_size", "3", T::kAny, U::kNoEffectInEval, kW},
    {"adapter_stride", "2", T::kAny, U::kNoEffectInEval, kW},
    {"num_adapter_layers", "3", T::kAny, U::kNoEffectInEval, kW},
    {"output_hidden_size", "null", T::kAny, U::kNoEffectInEval, kW},
};

constexpr HfConfigField kHubertModel[] = {
    FAIRPORT_ENCODER_FIELDS(kH),
    {"feat_proj_layer_norm", "true", T::kBool, U::kImplemented, kH},
};

#undef FAIRPORT_ENCODER_FIELDS

// Wav2Vec2ForPreTraining's quantizer and projections: their shapes are
// checked; the loss-only fields change nothing without
// sampled_negative_indices.
constexpr HfConfigField kPreTrainingHead[] = {
    {"num_codevector_groups", "2", T::kInt, U::kImplemented, kW},
    {"num_codevectors_per_group", "320", T::kInt, U::kImplemented, kW},
    {"codevector_dim", "256", T::kInt, U::kImplemented, kW},
    {"proj_codevector_dim", "256", T::kInt, U::kImplemented, kW},
    {"feat_quantizer_dropout", "0.0", T::kProbability, U::kNoEffectInEval, kW},
    {"contrastive_logits_temperature", "0.1", T::kAny, U::kNoEffectInEval, kW},
    {"diversity_loss_weight", "0.1", T::kAny, U::kNoEffectInEval, kW},
};

// Wav2Vec2ForCTC / HubertForCTC (a copy of it): lm_head and the loss.
#define FAIRPORT_CTC_HEAD_FIELDS(M)                                        \
  {"vocab_size", "32", T::kInt, U::kImplemented, M},                       \
      {"final_dropout", "0.1", T::kProbability, U::kNoEffectInEval, M},    \
      {"pad_token_id", "0", T::kAny, U::kNoEffectInEval, M},               \
      {"ctc_loss_reduction", "\"sum\"", T::kAny, U::kNoEffectInEval, M}, { \
    "ctc_zero_infinity", "false", T::kAny, U::kNoEffectInEval, M           \
  }

constexpr HfConfigField kWav2Vec2CtcHead[] = {FAIRPORT_CTC_HEAD_FIELDS(kW)};

// HubertConfig defines no add_adapter; HubertForCTC still sizes lm_head by
// output_hidden_size when config.json sets it (hasattr).
constexpr HfConfigField kHubertCtcHead[] = {
    FAIRPORT_CTC_HEAD_FIELDS(kH),
    {"add_adapter", "null", T::kAny, U::kRefusedUnless, kH, "[false, null]",
     "size lm_head's input by output_hidden_size"},
    {"output_hidden_size", "null", T::kAny, U::kNoEffectInEval, kH},
};

#undef FAIRPORT_CTC_HEAD_FIELDS

}  // namespace

absl::Span<const HfClassFields> HfClasses(Variant variant) {
  static const auto* kWav2Vec2Fields = new std::vector<HfConfigField>[3] {
    JoinHfFields({kWav2Vec2Model, HfPreTrainedModelFields()}),
        JoinHfFields(
            {kWav2Vec2Model, kPreTrainingHead, HfPreTrainedModelFields()}),
        JoinHfFields(
            {kWav2Vec2Model, kWav2Vec2CtcHead, HfPreTrainedModelFields()}),
  };
  static const auto* kHubertFields = new std::vector<HfConfigField>[2] {
    JoinHfFields({kHubertModel, HfPreTrainedModelFields()}),
        JoinHfFields({kHubertModel, kHubertCtcHead, HfPreTrainedModelFields()}),
  };
  static const HfClassFields kWav2Vec2[] = {
      {"Wav2Vec2Model", kWav2Vec2Fields[0]},
      {"Wav2Vec2ForPreTraining", kWav2Vec2Fields[1]},
      {"Wav2Vec2ForCTC", kWav2Vec2Fields[2]},
  };
  static const HfClassFields kHubert[] = {
      {"HubertModel", kHubertFields[0]},
      {"HubertForCTC", kHubertFields[1]},
  };
  if (variant == Variant::kHubert) return kHubert;
  return kWav2Vec2;
}

std::vector<HfStateDictEntry> HfStateDict(const Architecture& a) {
  std::vector<HfStateDictEntry> out;
  const std::string p = a.hf_prefix();
  const int64_t H = a.hidden_size;
  const int64_t conv_out = a.conv_dim.back();
  // Wav2Vec2FeatureEncoder: GroupNorm on the first conv only ("group"), or
  // a LayerNorm on every conv ("layer").
  for (size_t i = 0; i < a.conv_dim.size(); ++i) {
    const std::string l = absl::StrCat(p, "feature_extractor.conv_layers.", i);
    out.push_back(
        {l + ".conv.weight",
         {a.conv_dim[i], i == 0 ? 1 : a.conv_dim[i - 1], a.conv_kernel[i]}});
    if (a.conv_bias) out.push_back({l + ".conv.bias", {a.conv_dim[i]}});
    if (!a.group_norm || i == 0)
      AppendHfNorm(l + ".layer_norm.", a.conv_dim[i], out);
  }
  if (a.feat_proj_layer_norm)
    AppendHfNorm(p + "feature_projection.layer_norm.", conv_out, out);
  AppendHfLinear(p + "feature_projection.projection.", conv_out, H, true, out);
  // Only SpecAugment in training reads it.
  if (a.has_masked_spec_embed())
    out.push_back({p + "masked_spec_embed", {H}, false});
  // Wav2Vec2PositionalConvEmbedding: weight_norm(dim=2) keeps the norm over
  // the kernel axis.
  const std::string conv = p + "encoder.pos_conv_embed.conv.";
  const int64_t K = a.pos_conv_kernel;
  out.push_back({conv + "weight_g",
                 {1, 1, K},
                 true,
                 conv + "parametrizations.weight.original0"});
  out.push_back({conv + "weight_v",
                 {H, H / a.pos_conv_groups, K},
                 true,
                 conv + "parametrizations.weight.original1"});
  out.push_back({conv + "bias", {H}});
  AppendHfNorm(p + "encoder.layer_norm.", H, out);
  for (int64_t l = 0; l < a.num_hidden_layers; ++l)
    AppendHfEncoderLayer(absl::StrCat(p, "encoder.layers.", l, "."), H,
                         a.intermediate_size, out);
  if (a.ctc) AppendHfLinear("lm_head.", H, a.vocab_size, true, out);
  // Wav2Vec2ForPreTraining: the parity runs its base model, which reads
  // none of these.
  if (a.pretraining_head) {
    const int64_t codes = a.codevector_groups * a.codevectors_per_group;
    out.push_back({"quantizer.codevectors",
                   {1, codes, a.codevector_dim / a.codevector_groups},
                   false});
    AppendHfLinear("quantizer.weight_proj.", conv_out, codes, false, out);
    AppendHfLinear("project_hid.", H, a.proj_codevector_dim, false, out);
    AppendHfLinear("project_q.", a.codevector_dim, a.proj_codevector_dim, false,
                   out);
  }
  return out;
}

}  // namespace fairport::wav2vec2
