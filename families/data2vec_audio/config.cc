#include "families/data2vec_audio/config.h"

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "families/common/convert/config_fields.h"
#include "families/common/hf_config_fields.h"

namespace fairport::data2vec_audio {
namespace {

constexpr char kEncoderName[] = "data2vec_audio";
constexpr char kCtcName[] = "wav2vec_ctc";

absl::StatusOr<ConfigView> EncoderConfig(const FairseqCheckpoint& checkpoint,
                                         ModelKind kind) {
  if (kind == ModelKind::kPretrained) return checkpoint.model_config();
  return checkpoint.WrappedEncoderConfig();
}

absl::StatusOr<std::string> EncoderName(const ConfigView& encoder,
                                        bool legacy) {
  return encoder.String(legacy ? "arch" : "_name");
}

}  // namespace

const char* KindName(ModelKind kind) {
  return kind == ModelKind::kPretrained
             ? "pretrained data2vec_audio"
             : "wav2vec_ctc fine-tuned over data2vec_audio";
}

const char* HfClassName(ModelKind kind) {
  return kind == ModelKind::kCtc ? "Data2VecAudioForCTC" : "Data2VecAudioModel";
}

absl::StatusOr<ModelKind> DetectKind(const FairseqCheckpoint& checkpoint) {
  const std::string& arch = checkpoint.architecture();
  const char* field =
      checkpoint.legacy_args() ? "args.arch" : "cfg.model._name";
  if (arch == kEncoderName) return ModelKind::kPretrained;
  if (arch == kCtcName) {
    ASSIGN_OR_RETURN(ConfigView encoder, checkpoint.WrappedEncoderConfig());
    absl::StatusOr<std::string> name = EncoderName(
        encoder, checkpoint.legacy_args() ||
                     encoder.node()->is(PickleValue::Kind::kObject));
    if (name.ok() && *name == kEncoderName) return ModelKind::kCtc;
    return absl::InvalidArgumentError(
        absl::StrCat(checkpoint.path(), ": a wav2vec_ctc model over '",
                     name.ok() ? *name : "an unnamed encoder",
                     "', not over data2vec_audio: Fairport converts "
                     "data2vec-audio models only"));
  }
  return absl::InvalidArgumentError(
      absl::StrCat(checkpoint.path(), ": model is '", arch, "' (", field,
                   "), not data2vec_audio or wav2vec_ctc over it: "
                   "Fairport converts data2vec-audio models only"));
}

absl::Status CheckRepresentable(const FairseqCheckpoint& checkpoint,
                                ModelKind kind) {
  ASSIGN_OR_RETURN(ConfigView enc, EncoderConfig(checkpoint, kind));
  std::vector<std::string> ignored;
  auto refuse = [&](absl::string_view what) {
    return absl::InvalidArgumentError(absl::StrCat(
        checkpoint.path(), ": ", what,
        ": transformers' Data2VecAudio cannot represent this model; "
        "refusing rather than converting it approximately"));
  };
  ASSIGN_OR_RETURN(std::string mode,
                   StringOr(enc, "extractor_mode", "default", ignored));
  if (mode != "layer_norm")
    return refuse(absl::StrCat(enc.path(), ".extractor_mode is '", mode, "'"));
  ASSIGN_OR_RETURN(bool ln_first,
                   BoolOr(enc, "layer_norm_first", false, ignored));
  if (ln_first)
    return refuse(
        absl::StrCat(enc.path(), ".layer_norm_first is True (pre-LN encoder)"));
  ASSIGN_OR_RETURN(std::string layer_type,
                   StringOr(enc, "layer_type", "transformer", ignored));
  if (layer_type != "transformer") {
    return refuse(
        absl::StrCat(enc.path(), ".layer_type is '", layer_type, "'"));
  }
  ASSIGN_OR_RETURN(int64_t depth, IntOr(enc, "pos_conv_depth", 1, ignored));
  if (depth < 2) {
    return refuse(absl::StrCat(enc.path(), ".pos_conv_depth is ", depth,
                               " (a single weight-normed positional conv)"));
  }
  ASSIGN_OR_RETURN(int64_t dim, IntOr(enc, "encoder_embed_dim", 768, ignored));
  ASSIGN_OR_RETURN(int64_t heads,
                   IntOr(enc, "encoder_attention_heads", 12, ignored));
  if (heads <= 0 || dim % heads != 0) {
    return refuse(absl::StrCat("encoder_embed_dim ", dim,
                               " is not divisible by ", heads, " heads"));
  }
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
  ASSIGN_OR_RETURN(int64_t depth, IntOr(enc, "pos_conv_depth", 1, defaulted));
  ASSIGN_OR_RETURN(int64_t groups,
                   IntOr(enc, "conv_pos_groups", 16, defaulted));
  ASSIGN_OR_RETURN(bool conv_bias, BoolOr(enc, "conv_bias", false, defaulted));
  ASSIGN_OR_RETURN(std::string activation_fn,
                   StringOr(enc, "activation_fn", "gelu", defaulted));
  ASSIGN_OR_RETURN(const std::string activation,
                   HfActivationName(activation_fn, where + ".activation_fn"));
  if (depth <= 0)
    return absl::InvalidArgumentError(
        absl::StrCat(checkpoint.path(), ": pos_conv_depth ", depth));

  c["architectures"] = {HfClassName(kind)};
  c["model_type"] = "data2vec-audio";
  c["output_hidden_size"] = sizes.embed;
  // HF counts positional conv LAYERS in num_conv_pos_embeddings; fairseq's
  // conv_pos is their total receptive field.
  c["num_conv_pos_embeddings"] = depth;
  c["conv_pos_kernel_size"] = std::max<int64_t>(3, conv_pos / depth);
  c["num_conv_pos_embedding_groups"] = groups;
  TransformersDefaults defaults;
  RETURN_IF_ERROR(WriteSharedConfigFields(checkpoint, enc, kind, vocab_size,
                                          sizes, conv_bias, activation, c,
                                          defaults, defaulted));
  WriteAdapterDefaults(c, defaults);
  defaults.Note(defaulted);
  out.hf_config = std::move(c);
  // Layer-norm feature extractors are trained with padding masks.
  ASSIGN_OR_RETURN(
      out.preprocessor_config,
      InferPreprocessorConfig(checkpoint, kind,
                              /*return_attention_mask=*/true, defaulted));
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
  RETURN_IF_ERROR(
      f.Int("num_conv_pos_embeddings", a.num_conv_pos_embeddings, 1));
  RETURN_IF_ERROR(f.Int("conv_pos_kernel_size", a.conv_pos_kernel_size, 1));
  RETURN_IF_ERROR(f.Int("num_conv_pos_embedding_groups",
                        a.num_conv_pos_embedding_groups, 1));
  RETURN_IF_ERROR(f.Float("layer_norm_eps", a.layer_norm_eps));
  RETURN_IF_ERROR(f.Float("mask_time_prob", a.mask_time_prob));
  RETURN_IF_ERROR(f.Float("mask_feature_prob", a.mask_feature_prob));
  RETURN_IF_ERROR(f.Int("vocab_size", a.vocab_size, 1));
  RETURN_IF_ERROR(f.Bool("conv_bias", a.conv_bias));
  if (a.num_attention_heads <= 0 ||
      a.hidden_size % a.num_attention_heads != 0) {
    return absl::InvalidArgumentError(
        absl::StrCat(source, ": hidden_size ", a.hidden_size,
                     " is not divisible by ", a.num_attention_heads, " heads"));
  }
  if (a.num_conv_pos_embedding_groups <= 0 ||
      a.hidden_size % a.num_conv_pos_embedding_groups != 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        source,
        ": hidden_size is not divisible by the positional conv groups"));
  }
  bool ctc = false;
  if (c.contains("architectures") && c["architectures"].is_array()) {
    for (const auto& arch : c["architectures"])
      ctc |= arch == HfClassName(ModelKind::kCtc);
  }
  a.ctc = ctc;
  return a;
}

}  // namespace fairport::data2vec_audio
