#include "families/wav2vec2_conformer/config.h"

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "base/json.h"
#include "base/status_macros.h"
#include "families/common/convert/config_fields.h"
#include "families/common/convert/quantizer_head.h"
#include "families/common/hf_config_fields.h"
#include "families/common/wrapped_encoder.h"

namespace fairport::wav2vec2_conformer {
namespace {

constexpr char kEncoderName[] = "wav2vec2";
constexpr char kCtcName[] = "wav2vec_ctc";

// A wav2vec2 encoder is this family's when its effective layer_type (the
// fine-tuning config's where it has one, mms.md section 2) is "conformer".
absl::Status CheckConformer(const FairseqCheckpoint& checkpoint,
                            const ConfigView& encoder, bool wrapped) {
  ASSIGN_OR_RETURN(std::string layer_type,
                   EffectiveLayerType(checkpoint, encoder, wrapped));
  if (layer_type == "conformer") return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat(
      checkpoint.path(), ": ",
      EffectiveEncoderView(checkpoint, encoder, wrapped, "layer_type").path(),
      ".layer_type is '", layer_type, "', not 'conformer'"));
}

}  // namespace

absl::StatusOr<ModelKind> DetectKind(const FairseqCheckpoint& checkpoint) {
  const std::string& arch = checkpoint.architecture();
  if (arch == kEncoderName) {
    RETURN_IF_ERROR(
        CheckConformer(checkpoint, checkpoint.model_config(), false));
    return ModelKind::kPretrained;
  }
  if (arch == kCtcName) {
    ASSIGN_OR_RETURN(ConfigView encoder, checkpoint.WrappedEncoderConfig());
    absl::StatusOr<std::string> name = WrappedEncoderName(checkpoint, encoder);
    if (!name.ok() || *name != kEncoderName) {
      return absl::InvalidArgumentError(absl::StrCat(
          checkpoint.path(), ": a wav2vec_ctc model over '",
          name.ok() ? *name : "an unnamed encoder", "', not over wav2vec2"));
    }
    RETURN_IF_ERROR(CheckConformer(checkpoint, encoder, true));
    return ModelKind::kCtc;
  }
  return absl::InvalidArgumentError(
      absl::StrCat(checkpoint.path(), ": model is '", arch,
                   "', not wav2vec2 or wav2vec_ctc over it"));
}

std::string KindName(ModelKind kind) {
  return kind == ModelKind::kPretrained
             ? "pretrained wav2vec2 (conformer)"
             : "wav2vec_ctc fine-tuned over wav2vec2 (conformer)";
}

std::string HfClassName(ModelKind kind, bool pretraining_head) {
  if (kind == ModelKind::kCtc) return "Wav2Vec2ConformerForCTC";
  return pretraining_head ? "Wav2Vec2ConformerForPreTraining"
                          : "Wav2Vec2ConformerModel";
}

std::string Architecture::hf_prefix() const {
  return ctc || pretraining_head ? "wav2vec2_conformer." : "";
}

absl::StatusOr<ConfigView> EncoderConfig(const FairseqCheckpoint& checkpoint,
                                         ModelKind kind) {
  if (kind == ModelKind::kPretrained) return checkpoint.model_config();
  return checkpoint.WrappedEncoderConfig();
}

absl::Status CheckRepresentable(const FairseqCheckpoint& checkpoint,
                                ModelKind kind) {
  ASSIGN_OR_RETURN(ConfigView enc, EncoderConfig(checkpoint, kind));
  std::vector<std::string> ignored;
  auto refuse = [&](absl::string_view what) {
    return absl::InvalidArgumentError(absl::StrCat(
        checkpoint.path(), ": ", enc.path(), ".", what,
        ": transformers' Wav2Vec2Conformer cannot represent this model; "
        "refusing rather than converting it approximately"));
  };
  // Wav2Vec2ConformerEncoder applies its layer_norm after the layers,
  // always; fairseq's post-LN conformer applies it before them.
  ASSIGN_OR_RETURN(bool ln_first,
                   BoolOr(enc, "layer_norm_first", false, ignored));
  if (!ln_first) {
    return refuse(
        "layer_norm_first is False (encoder LayerNorm before the layers)");
  }
  ASSIGN_OR_RETURN(std::string pos_enc_type,
                   StringOr(enc, "pos_enc_type", "abs", ignored));
  if (pos_enc_type == "abs") {
    return refuse(
        "pos_enc_type is 'abs' (the weight-normed positional convolution "
        "added; transformers has no absolute variant)");
  }
  if (pos_enc_type != "rel_pos" && pos_enc_type != "rope")
    return refuse(absl::StrCat("pos_enc_type is '", pos_enc_type, "'"));
  ASSIGN_OR_RETURN(std::string attn_type,
                   StringOr(enc, "attn_type", "", ignored));
  if (attn_type != "espnet") {
    return refuse(absl::StrCat("attn_type is '", attn_type,
                               "' (fairseq's MultiheadAttention, not espnet)"));
  }
  ASSIGN_OR_RETURN(int64_t crop,
                   IntOr(enc, "crop_seq_to_multiple", 1, ignored));
  if (crop > 1) return refuse(absl::StrCat("crop_seq_to_multiple is ", crop));
  ASSIGN_OR_RETURN(bool quantize_input,
                   BoolOr(enc, "quantize_input", false, ignored));
  if (quantize_input) return refuse("quantize_input is True");
  ASSIGN_OR_RETURN(std::string mode,
                   StringOr(enc, "extractor_mode", "default", ignored));
  if (mode != "default" && mode != "layer_norm")
    return refuse(absl::StrCat("extractor_mode is '", mode, "'"));
  ASSIGN_OR_RETURN(int64_t depth, IntOr(enc, "pos_conv_depth", 1, ignored));
  if (depth != 1) {
    return refuse(absl::StrCat("pos_conv_depth is ", depth,
                               " (a stack of positional convolutions)"));
  }
  ASSIGN_OR_RETURN(int64_t dim, IntOr(enc, "encoder_embed_dim", 768, ignored));
  ASSIGN_OR_RETURN(int64_t heads,
                   IntOr(enc, "encoder_attention_heads", 12, ignored));
  ASSIGN_OR_RETURN(int64_t groups, IntOr(enc, "conv_pos_groups", 16, ignored));
  if (heads <= 0 || dim % heads != 0 || groups <= 0 || dim % groups != 0) {
    return refuse(absl::StrCat("encoder_embed_dim ", dim,
                               " does not divide into ", heads, " heads and ",
                               groups, " positional groups"));
  }
  if (pos_enc_type == "rope" && (dim / heads) % 2 != 0) {
    return refuse(absl::StrCat("encoder_embed_dim ", dim, " over ", heads,
                               " heads: rotary positions need an even head "
                               "size"));
  }
  ASSIGN_OR_RETURN(int64_t kernel,
                   IntOr(enc, "depthwise_conv_kernel_size", 31, ignored));
  if (kernel <= 0 || kernel % 2 == 0) {
    return refuse(absl::StrCat("depthwise_conv_kernel_size is ", kernel,
                               " (an odd size is needed for 'SAME' padding)"));
  }
  if (HasQuantizerHead(checkpoint, kind))
    return CheckQuantizerHead(enc, refuse);
  return absl::OkStatus();
}

absl::StatusOr<InferredConfig> InferConfig(const FairseqCheckpoint& checkpoint,
                                           ModelKind kind,
                                           std::optional<int64_t> vocab_size) {
  InferredConfig out;
  out.kind = kind;
  std::vector<std::string>& defaulted = out.defaulted;
  ASSIGN_OR_RETURN(ConfigView enc, EncoderConfig(checkpoint, kind));
  const std::string where = absl::StrCat(checkpoint.path(), ": ", enc.path());
  nlohmann::json c = nlohmann::json::object();

  ASSIGN_OR_RETURN(EncoderSizes sizes,
                   InferEncoderSizes(enc, where, defaulted));
  ASSIGN_OR_RETURN(int64_t conv_pos, IntOr(enc, "conv_pos", 128, defaulted));
  ASSIGN_OR_RETURN(int64_t groups,
                   IntOr(enc, "conv_pos_groups", 16, defaulted));
  ASSIGN_OR_RETURN(bool conv_bias, BoolOr(enc, "conv_bias", false, defaulted));
  ASSIGN_OR_RETURN(std::string mode,
                   StringOr(enc, "extractor_mode", "default", defaulted));
  ASSIGN_OR_RETURN(std::string pos_enc_type,
                   StringOr(enc, "pos_enc_type", "abs", defaulted));
  ASSIGN_OR_RETURN(int64_t depthwise,
                   IntOr(enc, "depthwise_conv_kernel_size", 31, defaulted));
  ASSIGN_OR_RETURN(int64_t max_positions,
                   IntOr(enc, "max_positions", 100000, defaulted));
  ASSIGN_OR_RETURN(double dropout, NumberOr(enc, "dropout", 0.1, defaulted));
  const bool pretraining_head = HasQuantizerHead(checkpoint, kind);

  c["architectures"] = {HfClassName(kind, pretraining_head)};
  c["model_type"] = kModelType;
  c["feat_extract_norm"] = mode == "layer_norm" ? "layer" : "group";
  // The shape of the weight-normed positional convolution fairseq builds
  // and stores; neither model applies it to a conformer.
  c["num_conv_pos_embeddings"] = conv_pos;
  c["num_conv_pos_embedding_groups"] = groups;
  c["position_embeddings_type"] =
      pos_enc_type == "rope" ? "rotary" : "relative";
  // RotaryPositionMultiHeadedAttention's rotary_emd_base, hard-coded
  // (espnet_multihead_attention.py:208).
  c["rotary_embedding_base"] = 10000;
  // RelPositionalEncoding's table length; extended on demand by both.
  c["max_source_positions"] = max_positions;
  c["conv_depthwise_kernel_size"] = depthwise;
  TransformersDefaults defaults;
  defaults.Set(c, "apply_spec_augment", true);
  // ConformerEncoder builds its layers with activation_fn "swish" whatever
  // the config's activation_fn says (wav2vec2.py:1189).
  RETURN_IF_ERROR(WriteSharedConfigFields(checkpoint, enc, kind, vocab_size,
                                          sizes, conv_bias, "swish", c,
                                          defaults, defaulted));
  // Conformer layers use `dropout` for their attention, feed-forward and
  // convolution dropouts alike (train only).
  c["attention_dropout"] = dropout;
  c["activation_dropout"] = dropout;
  c["conformer_conv_dropout"] = dropout;
  // Wav2Vec2ConformerConfig's vocab_size defaults to None.
  if (kind != ModelKind::kCtc) defaults.Set(c, "vocab_size", nullptr);
  RETURN_IF_ERROR(
      WriteQuantizerConfigFields(enc, sizes.embed, c, defaults, defaulted));
  c["output_hidden_size"] = sizes.embed;
  WriteAdapterDefaults(c, defaults);
  defaults.Note(defaulted);
  out.hf_config = std::move(c);
  ASSIGN_OR_RETURN(out.preprocessor_config,
                   InferPreprocessorConfig(checkpoint, kind,
                                           mode == "layer_norm", defaulted));
  return out;
}

absl::StatusOr<Architecture> Architecture::FromHfConfig(
    const nlohmann::json& c, const std::string& source) {
  Architecture a;
  const HfConfigFields f(c, source);
  RETURN_IF_ERROR(f.Int("hidden_size", a.hidden_size, 1));
  RETURN_IF_ERROR(f.Int("num_hidden_layers", a.num_hidden_layers, 0));
  RETURN_IF_ERROR(f.Int("num_attention_heads", a.num_attention_heads, 1));
  RETURN_IF_ERROR(f.Int("intermediate_size", a.intermediate_size, 1));
  RETURN_IF_ERROR(f.ConvStack(a.conv_dim, a.conv_kernel, a.conv_stride));
  RETURN_IF_ERROR(f.Bool("conv_bias", a.conv_bias));
  RETURN_IF_ERROR(f.Int("num_conv_pos_embeddings", a.pos_conv_kernel, 1));
  RETURN_IF_ERROR(f.Int("num_conv_pos_embedding_groups", a.pos_conv_groups, 1));
  RETURN_IF_ERROR(f.Int("conv_depthwise_kernel_size", a.depthwise_kernel, 1));
  RETURN_IF_ERROR(f.Float("layer_norm_eps", a.layer_norm_eps));
  RETURN_IF_ERROR(f.Float("mask_time_prob", a.mask_time_prob));
  RETURN_IF_ERROR(f.Float("mask_feature_prob", a.mask_feature_prob));
  std::string norm;
  RETURN_IF_ERROR(f.String("feat_extract_norm", norm));
  if (norm != "group" && norm != "layer") {
    return absl::InvalidArgumentError(
        absl::StrCat(source, ": feat_extract_norm is '", norm,
                     "', not \"group\" or \"layer\""));
  }
  a.group_norm = norm == "group";
  std::string positions;
  RETURN_IF_ERROR(f.String("position_embeddings_type", positions));
  if (positions != "relative" && positions != "rotary") {
    return absl::InvalidArgumentError(
        absl::StrCat(source, ": position_embeddings_type is '", positions,
                     "', not \"relative\" or \"rotary\""));
  }
  a.positions =
      positions == "rotary" ? Positions::kRotary : Positions::kRelative;
  if (a.positions == Positions::kRotary)
    RETURN_IF_ERROR(f.Float("rotary_embedding_base", a.rotary_base));
  if (a.num_attention_heads <= 0 ||
      a.hidden_size % a.num_attention_heads != 0 || a.pos_conv_groups <= 0 ||
      a.hidden_size % a.pos_conv_groups != 0 ||
      (a.positions == Positions::kRotary && a.head_dim() % 2 != 0)) {
    return absl::InvalidArgumentError(
        absl::StrCat(source, ": hidden_size ", a.hidden_size,
                     " does not divide into the attention heads (of an even "
                     "size for rotary positions) or positional conv groups"));
  }
  if (a.depthwise_kernel % 2 == 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        source, ": conv_depthwise_kernel_size ", a.depthwise_kernel,
        " is even; Wav2Vec2ConformerConvolutionModule raises ValueError"));
  }
  std::string architecture;
  if (c.contains("architectures") && c["architectures"].is_array() &&
      c["architectures"].size() == 1 && c["architectures"][0].is_string()) {
    architecture = c["architectures"][0].get<std::string>();
  }
  a.ctc = architecture == HfClassName(ModelKind::kCtc);
  a.pretraining_head =
      architecture == HfClassName(ModelKind::kPretrained, true);
  if (!a.ctc && !a.pretraining_head &&
      architecture != HfClassName(ModelKind::kPretrained, false)) {
    return absl::InvalidArgumentError(absl::StrCat(
        source, ": architectures is ",
        DumpJson(c.value("architectures", nlohmann::json())),
        ", which Fairport does not implement for Wav2Vec2Conformer"));
  }
  if (a.ctc) RETURN_IF_ERROR(f.Int("vocab_size", a.vocab_size, 1));
  if (a.pretraining_head) {
    RETURN_IF_ERROR(f.Int("num_codevector_groups", a.codevector_groups, 1));
    RETURN_IF_ERROR(
        f.Int("num_codevectors_per_group", a.codevectors_per_group, 1));
    RETURN_IF_ERROR(f.Int("codevector_dim", a.codevector_dim, 1));
    RETURN_IF_ERROR(f.Int("proj_codevector_dim", a.proj_codevector_dim, 1));
    if (a.codevector_dim % a.codevector_groups) {
      return absl::InvalidArgumentError(absl::StrCat(
          source, ": codevector_dim ", a.codevector_dim,
          " does not divide into ", a.codevector_groups, " groups"));
    }
  }
  return a;
}

}  // namespace fairport::wav2vec2_conformer
