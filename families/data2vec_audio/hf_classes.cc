#include "families/data2vec_audio/hf_classes.h"

#include "absl/strings/str_cat.h"

namespace fairport::data2vec_audio {
namespace {

using T = HfFieldType;
using U = HfFieldUse;

constexpr char kD[] = "modeling_data2vec_audio.py";

// Defaults from configuration_data2vec_audio.py.
constexpr HfConfigField kModel[] = {
    {"hidden_size", "768", T::kInt, U::kImplemented, kD},
    {"num_hidden_layers", "12", T::kInt, U::kImplemented, kD},
    {"num_attention_heads", "12", T::kInt, U::kImplemented, kD},
    {"intermediate_size", "3072", T::kInt, U::kImplemented, kD},
    {"hidden_act", "\"gelu\"", T::kString, U::kImplemented, kD},
    {"hidden_dropout", "0.1", T::kProbability, U::kNoEffectInEval, kD},
    {"activation_dropout", "0.1", T::kProbability, U::kNoEffectInEval, kD},
    {"attention_dropout", "0.1", T::kProbability, U::kNoEffectInEval, kD},
    {"feat_proj_dropout", "0.0", T::kProbability, U::kNoEffectInEval, kD},
    {"layerdrop", "0.1", T::kAny, U::kNoEffectInEval, kD},
    {"initializer_range", "0.02", T::kAny, U::kNoEffectInEval, kD},
    {"layer_norm_eps", "1e-5", T::kNumber, U::kImplemented, kD},
    {"feat_extract_activation", "\"gelu\"", T::kString, U::kImplemented, kD},
    {"conv_dim", "[512, 512, 512, 512, 512, 512, 512]", T::kIntList,
     U::kImplemented, kD},
    {"conv_stride", "[5, 2, 2, 2, 2, 2, 2]", T::kIntList, U::kImplemented, kD},
    {"conv_kernel", "[10, 3, 3, 3, 3, 2, 2]", T::kIntList, U::kImplemented, kD},
    {"conv_bias", "false", T::kBool, U::kImplemented, kD},
    {"num_feat_extract_layers", "null", T::kAny, U::kNoEffectInEval, kD},
    // num_conv_pos_embeddings counts positional conv LAYERS here.
    {"num_conv_pos_embeddings", "5", T::kInt, U::kImplemented, kD},
    {"conv_pos_kernel_size", "19", T::kInt, U::kImplemented, kD},
    {"num_conv_pos_embedding_groups", "16", T::kInt, U::kImplemented, kD},
    // Data2VecAudioConfig does not define it; getattr's default.
    {"apply_spec_augment", "true", T::kAny, U::kNoEffectInEval, kD},
    {"mask_time_prob", "0.05", T::kNumber, U::kImplemented, kD},
    {"mask_time_length", "10", T::kAny, U::kNoEffectInEval, kD},
    {"mask_time_min_masks", "2", T::kAny, U::kNoEffectInEval, kD},
    {"mask_feature_prob", "0.0", T::kNumber, U::kImplemented, kD},
    {"mask_feature_length", "10", T::kAny, U::kNoEffectInEval, kD},
    {"mask_feature_min_masks", "0", T::kAny, U::kNoEffectInEval, kD},
    {"add_adapter", "false", T::kAny, U::kRefusedUnless, kD, "[false, null]",
     "add an adapter stack after the encoder"},
    // Read only with add_adapter (Data2VecAudioAdapter, the CTC head's
    // width).
    {"adapter_kernel_size", "3", T::kAny, U::kNoEffectInEval, kD},
    {"adapter_stride", "2", T::kAny, U::kNoEffectInEval, kD},
    {"num_adapter_layers", "3", T::kAny, U::kNoEffectInEval, kD},
    {"output_hidden_size", "null", T::kAny, U::kNoEffectInEval, kD},
};

// Data2VecAudioForCTC: lm_head and the loss.
constexpr HfConfigField kCtcHead[] = {
    {"vocab_size", "32", T::kInt, U::kImplemented, kD},
    {"final_dropout", "0.1", T::kProbability, U::kNoEffectInEval, kD},
    {"pad_token_id", "0", T::kAny, U::kNoEffectInEval, kD},
    {"ctc_loss_reduction", "\"sum\"", T::kAny, U::kNoEffectInEval, kD},
    {"ctc_zero_infinity", "false", T::kAny, U::kNoEffectInEval, kD},
};

}  // namespace

absl::Span<const HfClassFields> HfClasses() {
  static const auto* kFields = new std::vector<HfConfigField>[2] {
    JoinHfFields({kModel, HfPreTrainedModelFields()}),
        JoinHfFields({kModel, kCtcHead, HfPreTrainedModelFields()}),
  };
  static const HfClassFields kClasses[] = {
      {"Data2VecAudioModel", kFields[0]},
      {"Data2VecAudioForCTC", kFields[1]},
  };
  return kClasses;
}

std::vector<HfStateDictEntry> HfStateDict(const Architecture& a) {
  std::vector<HfStateDictEntry> out;
  const std::string p = a.ctc ? "data2vec_audio." : "";
  const int64_t H = a.hidden_size;
  const int64_t conv_out = a.conv_dim.back();
  // Data2VecAudioConvLayer: conv, LayerNorm over channels.
  for (size_t i = 0; i < a.conv_dim.size(); ++i) {
    const std::string l = absl::StrCat(p, "feature_extractor.conv_layers.", i);
    out.push_back(
        {l + ".conv.weight",
         {a.conv_dim[i], i == 0 ? 1 : a.conv_dim[i - 1], a.conv_kernel[i]}});
    if (a.conv_bias) out.push_back({l + ".conv.bias", {a.conv_dim[i]}});
    AppendHfNorm(l + ".layer_norm.", a.conv_dim[i], out);
  }
  AppendHfNorm(p + "feature_projection.layer_norm.", conv_out, out);
  AppendHfLinear(p + "feature_projection.projection.", conv_out, H, true, out);
  // Only SpecAugment in training reads it.
  if (a.has_masked_spec_embed())
    out.push_back({p + "masked_spec_embed", {H}, false});
  // Data2VecAudioPositionalConvLayer: a plain conv; its LayerNorm has no
  // parameters (elementwise_affine=False).
  for (int64_t l = 0; l < a.num_conv_pos_embeddings; ++l) {
    const std::string conv =
        absl::StrCat(p, "encoder.pos_conv_embed.layers.", l, ".conv.");
    out.push_back(
        {conv + "weight",
         {H, H / a.num_conv_pos_embedding_groups, a.conv_pos_kernel_size}});
    out.push_back({conv + "bias", {H}});
  }
  AppendHfNorm(p + "encoder.layer_norm.", H, out);
  for (int64_t l = 0; l < a.num_hidden_layers; ++l)
    AppendHfEncoderLayer(absl::StrCat(p, "encoder.layers.", l, "."), H,
                         a.intermediate_size, out);
  if (a.ctc) AppendHfLinear("lm_head.", H, a.vocab_size, true, out);
  return out;
}

}  // namespace fairport::data2vec_audio
