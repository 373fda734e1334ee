#include "families/wav2vec2_encoder/hf_classes.h"

#include "absl/strings/str_cat.h"

namespace fairport::wav2vec2_encoder {
namespace {

using T = HfFieldType;
using U = HfFieldUse;

// What Wav2Vec2Model reads for its encoder, and HubertModel too (which
// adds feat_proj_layer_norm): defaults from configuration_wav2vec2.py /
// configuration_hubert.py, which agree. `source` is filled in per class.
constexpr HfConfigField kEncoderRows[] = {
    {"hidden_size", "768", T::kInt, U::kImplemented, nullptr},
    {"num_hidden_layers", "12", T::kInt, U::kImplemented, nullptr},
    {"num_attention_heads", "12", T::kInt, U::kImplemented, nullptr},
    {"intermediate_size", "3072", T::kInt, U::kImplemented, nullptr},
    {"hidden_act", "\"gelu\"", T::kString, U::kImplemented, nullptr},
    {"hidden_dropout", "0.1", T::kProbability, U::kNoEffectInEval, nullptr},
    {"activation_dropout", "0.1", T::kProbability, U::kNoEffectInEval, nullptr},
    {"attention_dropout", "0.1", T::kProbability, U::kNoEffectInEval, nullptr},
    {"feat_proj_dropout", "0.0", T::kProbability, U::kNoEffectInEval, nullptr},
    {"layerdrop", "0.1", T::kAny, U::kNoEffectInEval, nullptr},
    {"initializer_range", "0.02", T::kAny, U::kNoEffectInEval, nullptr},
    {"layer_norm_eps", "1e-5", T::kNumber, U::kImplemented, nullptr},
    {"feat_extract_norm", "\"group\"", T::kString, U::kRefusedUnless, nullptr,
     "[\"group\", \"layer\"]",
     "raise ValueError (feat_extract_norm must be 'group' or 'layer')"},
    {"feat_extract_activation", "\"gelu\"", T::kString, U::kImplemented,
     nullptr},
    {"conv_dim", "[512, 512, 512, 512, 512, 512, 512]", T::kIntList,
     U::kImplemented, nullptr},
    {"conv_stride", "[5, 2, 2, 2, 2, 2, 2]", T::kIntList, U::kImplemented,
     nullptr},
    {"conv_kernel", "[10, 3, 3, 3, 3, 2, 2]", T::kIntList, U::kImplemented,
     nullptr},
    {"conv_bias", "false", T::kBool, U::kImplemented, nullptr},
    {"num_feat_extract_layers", "null", T::kAny, U::kNoEffectInEval, nullptr},
    {"num_conv_pos_embeddings", "128", T::kInt, U::kImplemented, nullptr},
    {"num_conv_pos_embedding_groups", "16", T::kInt, U::kImplemented, nullptr},
    {"do_stable_layer_norm", "false", T::kBool, U::kImplemented, nullptr},
    {"apply_spec_augment", "true", T::kAny, U::kNoEffectInEval, nullptr},
    {"mask_time_prob", "0.05", T::kNumber, U::kImplemented, nullptr},
    {"mask_time_length", "10", T::kAny, U::kNoEffectInEval, nullptr},
    {"mask_time_min_masks", "2", T::kAny, U::kNoEffectInEval, nullptr},
    {"mask_feature_prob", "0.0", T::kNumber, U::kImplemented, nullptr},
    {"mask_feature_length", "10", T::kAny, U::kNoEffectInEval, nullptr},
    {"mask_feature_min_masks", "0", T::kAny, U::kNoEffectInEval, nullptr},
    // An attention adapter in every stable-layer-norm layer (MMS).
    {"adapter_attn_dim", "null", T::kAny, U::kImplemented, nullptr},
};

// What the ForCTC heads read: lm_head and the loss.
constexpr HfConfigField kCtcHeadRows[] = {
    {"vocab_size", "32", T::kInt, U::kImplemented, nullptr},
    {"final_dropout", "0.1", T::kProbability, U::kNoEffectInEval, nullptr},
    {"pad_token_id", "0", T::kAny, U::kNoEffectInEval, nullptr},
    {"ctc_loss_reduction", "\"sum\"", T::kAny, U::kNoEffectInEval, nullptr},
    {"ctc_zero_infinity", "false", T::kAny, U::kNoEffectInEval, nullptr},
};

// What a ForSequenceClassification head adds: the projector, mean pooling
// over the valid frames, the classifier (PretrainedConfig's id2label sets
// num_labels).
constexpr HfConfigField kClassifierHeadRows[] = {
    {"use_weighted_layer_sum", "false", T::kBool, U::kRefusedUnless, nullptr,
     "[false]", "pool a softmax-weighted sum of every layer's states"},
    {"classifier_proj_size", "256", T::kInt, U::kImplemented, nullptr},
    {"id2label", "{\"0\": \"LABEL_0\", \"1\": \"LABEL_1\"}", T::kObject,
     U::kImplemented, "configuration_utils.py"},
    {"num_labels", "2", T::kAny, U::kNoEffectInEval, "configuration_utils.py"},
    {"label2id", "{\"LABEL_0\": 0, \"LABEL_1\": 1}", T::kAny,
     U::kNoEffectInEval, "configuration_utils.py"},
    {"problem_type", "null", T::kAny, U::kNoEffectInEval, nullptr},
};

std::vector<HfConfigField> WithSource(absl::Span<const HfConfigField> rows,
                                      const char* source) {
  std::vector<HfConfigField> out(rows.begin(), rows.end());
  for (HfConfigField& f : out) f.source = source;
  return out;
}

}  // namespace

std::vector<HfConfigField> EncoderFields(const char* source) {
  return WithSource(kEncoderRows, source);
}

std::vector<HfConfigField> CtcHeadFields(const char* source) {
  return WithSource(kCtcHeadRows, source);
}

std::vector<HfConfigField> ClassifierHeadFields(const char* source) {
  std::vector<HfConfigField> rows = WithSource(kClassifierHeadRows, source);
  // PretrainedConfig's own fields keep their file.
  for (size_t i = 0; i < rows.size(); ++i) {
    if (kClassifierHeadRows[i].source != nullptr)
      rows[i].source = kClassifierHeadRows[i].source;
  }
  return rows;
}

void AppendHfAttnAdapter(const std::string& layer, int64_t hidden,
                         int64_t adapter_dim,
                         std::vector<HfStateDictEntry>& out) {
  const std::string a = layer + "adapter_layer.";
  AppendHfNorm(a + "norm.", hidden, out);
  AppendHfLinear(a + "linear_1.", hidden, adapter_dim, true, out);
  AppendHfLinear(a + "linear_2.", adapter_dim, hidden, true, out);
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
  for (int64_t l = 0; l < a.num_hidden_layers; ++l) {
    const std::string layer = absl::StrCat(p, "encoder.layers.", l, ".");
    AppendHfEncoderLayer(layer, H, a.intermediate_size, out);
    if (a.adapter_attn_dim > 0 && a.stable_layer_norm) {
      AppendHfAttnAdapter(layer, H, a.adapter_attn_dim, out);
    }
  }
  if (a.ctc) AppendHfLinear("lm_head.", H, a.vocab_size, true, out);
  if (a.classification) {
    AppendHfLinear("projector.", H, a.classifier_proj_size, true, out);
    AppendHfLinear("classifier.", a.classifier_proj_size, a.num_labels, true,
                   out);
  }
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

}  // namespace fairport::wav2vec2_encoder
