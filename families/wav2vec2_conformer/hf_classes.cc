#include "families/wav2vec2_conformer/hf_classes.h"

#include "absl/strings/str_cat.h"

namespace fairport::wav2vec2_conformer {
namespace {

using T = HfFieldType;
using U = HfFieldUse;

constexpr char kC[] = "modeling_wav2vec2_conformer.py";

// What Wav2Vec2ConformerModel reads: defaults from
// configuration_wav2vec2_conformer.py.
constexpr HfConfigField kModel[] = {
    {"hidden_size", "768", T::kInt, U::kImplemented, kC},
    {"num_hidden_layers", "12", T::kInt, U::kImplemented, kC},
    {"num_attention_heads", "12", T::kInt, U::kImplemented, kC},
    {"intermediate_size", "3072", T::kInt, U::kImplemented, kC},
    // The feed-forward blocks and the convolution module's activation.
    {"hidden_act", "\"gelu\"", T::kString, U::kImplemented, kC},
    {"hidden_dropout", "0.1", T::kProbability, U::kNoEffectInEval, kC},
    {"activation_dropout", "0.1", T::kProbability, U::kNoEffectInEval, kC},
    {"attention_dropout", "0.1", T::kProbability, U::kNoEffectInEval, kC},
    {"conformer_conv_dropout", "0.1", T::kProbability, U::kNoEffectInEval, kC},
    {"feat_proj_dropout", "0.0", T::kProbability, U::kNoEffectInEval, kC},
    {"layerdrop", "0.1", T::kAny, U::kNoEffectInEval, kC},
    {"initializer_range", "0.02", T::kAny, U::kNoEffectInEval, kC},
    // feature_projection.layer_norm and encoder.layer_norm only.
    {"layer_norm_eps", "1e-5", T::kNumber, U::kImplemented, kC},
    {"feat_extract_norm", "\"group\"", T::kString, U::kRefusedUnless, kC,
     "[\"group\", \"layer\"]",
     "raise ValueError (feat_extract_norm must be 'group' or 'layer')"},
    {"feat_extract_activation", "\"gelu\"", T::kString, U::kImplemented, kC},
    {"conv_dim", "[512, 512, 512, 512, 512, 512, 512]", T::kIntList,
     U::kImplemented, kC},
    {"conv_stride", "[5, 2, 2, 2, 2, 2, 2]", T::kIntList, U::kImplemented, kC},
    {"conv_kernel", "[10, 3, 3, 3, 3, 2, 2]", T::kIntList, U::kImplemented, kC},
    {"conv_bias", "false", T::kBool, U::kImplemented, kC},
    {"num_feat_extract_layers", "null", T::kAny, U::kNoEffectInEval, kC},
    // The shape of pos_conv_embed, which Wav2Vec2ConformerEncoder never
    // calls.
    {"num_conv_pos_embeddings", "128", T::kInt, U::kImplemented, kC},
    {"num_conv_pos_embedding_groups", "16", T::kInt, U::kImplemented, kC},
    {"position_embeddings_type", "\"relative\"", T::kAny, U::kRefusedUnless, kC,
     "[\"relative\", \"rotary\"]",
     "run attention without positions (None) or raise ValueError"},
    // Read only when no inv_freq is stored (transformers' __init__ value).
    {"rotary_embedding_base", "10000", T::kNumber, U::kImplemented, kC},
    // The relative table's initial length; extended on demand.
    {"max_source_positions", "5000", T::kInt, U::kNoEffectInEval, kC},
    {"conv_depthwise_kernel_size", "31", T::kInt, U::kImplemented, kC},
    {"apply_spec_augment", "true", T::kAny, U::kNoEffectInEval, kC},
    {"mask_time_prob", "0.05", T::kNumber, U::kImplemented, kC},
    {"mask_time_length", "10", T::kAny, U::kNoEffectInEval, kC},
    {"mask_time_min_masks", "2", T::kAny, U::kNoEffectInEval, kC},
    {"mask_feature_prob", "0.0", T::kNumber, U::kImplemented, kC},
    {"mask_feature_length", "10", T::kAny, U::kNoEffectInEval, kC},
    {"mask_feature_min_masks", "0", T::kAny, U::kNoEffectInEval, kC},
    {"add_adapter", "false", T::kAny, U::kRefusedUnless, kC, "[false, null]",
     "add an adapter stack after the encoder"},
    // Read only with add_adapter.
    {"adapter_kernel_size", "3", T::kAny, U::kNoEffectInEval, kC},
    {"adapter_stride", "2", T::kAny, U::kNoEffectInEval, kC},
    {"num_adapter_layers", "3", T::kAny, U::kNoEffectInEval, kC},
    {"output_hidden_size", "null", T::kAny, U::kNoEffectInEval, kC},
};

// Wav2Vec2ConformerForPreTraining's quantizer and projections: their
// shapes are checked; the loss-only fields change nothing without
// sampled_negative_indices.
constexpr HfConfigField kPreTrainingHead[] = {
    {"num_codevector_groups", "2", T::kInt, U::kImplemented, kC},
    {"num_codevectors_per_group", "320", T::kInt, U::kImplemented, kC},
    {"codevector_dim", "256", T::kInt, U::kImplemented, kC},
    {"proj_codevector_dim", "256", T::kInt, U::kImplemented, kC},
    {"feat_quantizer_dropout", "0.0", T::kProbability, U::kNoEffectInEval, kC},
    {"contrastive_logits_temperature", "0.1", T::kAny, U::kNoEffectInEval, kC},
    {"diversity_loss_weight", "0.1", T::kAny, U::kNoEffectInEval, kC},
};

// Wav2Vec2ConformerForCTC: lm_head and the loss. vocab_size defaults to
// None, which nn.Linear refuses.
constexpr HfConfigField kCtcHead[] = {
    {"vocab_size", "null", T::kInt, U::kImplemented, kC},
    {"final_dropout", "0.1", T::kProbability, U::kNoEffectInEval, kC},
    {"pad_token_id", "0", T::kAny, U::kNoEffectInEval, kC},
    {"ctc_loss_reduction", "\"sum\"", T::kAny, U::kNoEffectInEval, kC},
    {"ctc_zero_infinity", "false", T::kAny, U::kNoEffectInEval, kC},
};

}  // namespace

absl::Span<const HfClassFields> HfClasses() {
  static const auto* kFields = new std::vector<HfConfigField>[3] {
    JoinHfFields({kModel, HfPreTrainedModelFields()}),
        JoinHfFields({kModel, kPreTrainingHead, HfPreTrainedModelFields()}),
        JoinHfFields({kModel, kCtcHead, HfPreTrainedModelFields()}),
  };
  static const HfClassFields kClasses[] = {
      {"Wav2Vec2ConformerModel", kFields[0]},
      {"Wav2Vec2ConformerForPreTraining", kFields[1]},
      {"Wav2Vec2ConformerForCTC", kFields[2]},
  };
  return kClasses;
}

std::vector<HfStateDictEntry> HfStateDict(const Architecture& a) {
  std::vector<HfStateDictEntry> out;
  const std::string p = a.hf_prefix();
  const int64_t H = a.hidden_size, F = a.intermediate_size;
  const int64_t conv_out = a.conv_dim.back();
  // Wav2Vec2ConformerFeatureEncoder.
  for (size_t i = 0; i < a.conv_dim.size(); ++i) {
    const std::string l = absl::StrCat(p, "feature_extractor.conv_layers.", i);
    out.push_back(
        {l + ".conv.weight",
         {a.conv_dim[i], i == 0 ? 1 : a.conv_dim[i - 1], a.conv_kernel[i]}});
    if (a.conv_bias) out.push_back({l + ".conv.bias", {a.conv_dim[i]}});
    if (!a.group_norm || i == 0)
      AppendHfNorm(l + ".layer_norm.", a.conv_dim[i], out);
  }
  AppendHfNorm(p + "feature_projection.layer_norm.", conv_out, out);
  AppendHfLinear(p + "feature_projection.projection.", conv_out, H, true, out);
  if (a.has_masked_spec_embed())
    out.push_back({p + "masked_spec_embed", {H}, false});
  // Built and loaded, never called by Wav2Vec2ConformerEncoder.
  const std::string conv = p + "encoder.pos_conv_embed.conv.";
  const int64_t K = a.pos_conv_kernel;
  out.push_back({conv + "weight_g",
                 {1, 1, K},
                 false,
                 conv + "parametrizations.weight.original0"});
  out.push_back({conv + "weight_v",
                 {H, H / a.pos_conv_groups, K},
                 false,
                 conv + "parametrizations.weight.original1"});
  out.push_back({conv + "bias", {H}, false});
  // A persistent buffer; without it transformers keeps the frequencies its
  // __init__ computes (not random, but not fp16-rounded stored ones).
  if (a.positions == Positions::kRotary) {
    out.push_back(
        {p + "encoder.embed_positions.inv_freq", {a.head_dim() / 2}, false});
  }
  AppendHfNorm(p + "encoder.layer_norm.", H, out);
  for (int64_t l = 0; l < a.num_hidden_layers; ++l) {
    const std::string e = absl::StrCat(p, "encoder.layers.", l, ".");
    for (const char* ffn : {"ffn1", "ffn2"}) {
      AppendHfNorm(absl::StrCat(e, ffn, "_layer_norm."), H, out);
      AppendHfLinear(absl::StrCat(e, ffn, ".intermediate_dense."), H, F, true,
                     out);
      AppendHfLinear(absl::StrCat(e, ffn, ".output_dense."), F, H, true, out);
    }
    AppendHfNorm(e + "self_attn_layer_norm.", H, out);
    for (const char* linear :
         {"linear_q.", "linear_k.", "linear_v.", "linear_out."})
      AppendHfLinear(e + "self_attn." + linear, H, H, true, out);
    if (a.positions == Positions::kRelative) {
      out.push_back({e + "self_attn.linear_pos.weight", {H, H}});
      out.push_back(
          {e + "self_attn.pos_bias_u", {a.num_attention_heads, a.head_dim()}});
      out.push_back(
          {e + "self_attn.pos_bias_v", {a.num_attention_heads, a.head_dim()}});
    }
    const std::string c = e + "conv_module.";
    AppendHfNorm(c + "layer_norm.", H, out);
    out.push_back({c + "pointwise_conv1.weight", {2 * H, H, 1}});
    out.push_back({c + "depthwise_conv.weight", {H, 1, a.depthwise_kernel}});
    AppendHfNorm(c + "batch_norm.", H, out);
    out.push_back({c + "batch_norm.running_mean", {H}});
    out.push_back({c + "batch_norm.running_var", {H}});
    out.push_back({c + "pointwise_conv2.weight", {H, H, 1}});
    AppendHfNorm(e + "final_layer_norm.", H, out);
  }
  if (a.ctc) AppendHfLinear("lm_head.", H, a.vocab_size, true, out);
  // Wav2Vec2ConformerForPreTraining: the parity runs its base model, which
  // reads none of these.
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

}  // namespace fairport::wav2vec2_conformer
