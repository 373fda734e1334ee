#include "families/data2vec_audio/config.h"

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "families/common/config_fields.h"
#include "families/common/conv_layers.h"
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
  nlohmann::json c = nlohmann::json::object();

  ASSIGN_OR_RETURN(
      std::string conv_text,
      StringOr(enc, "conv_feature_layers",
               "[(512, 10, 5)] + [(512, 3, 2)] * 4 + [(512,2,2)] + [(512,2,2)]",
               defaulted));
  absl::StatusOr<std::vector<ConvLayer>> conv =
      ParseConvFeatureLayers(conv_text);
  if (!conv.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(
        checkpoint.path(), ": ", enc.path(), ".", conv.status().message()));
  }
  std::vector<int64_t> dims, kernels, strides;
  for (const ConvLayer& l : *conv) {
    dims.push_back(l.dim);
    kernels.push_back(l.kernel);
    strides.push_back(l.stride);
  }
  ASSIGN_OR_RETURN(int64_t embed,
                   IntOr(enc, "encoder_embed_dim", 768, defaulted));
  ASSIGN_OR_RETURN(int64_t layers, IntOr(enc, "encoder_layers", 12, defaulted));
  ASSIGN_OR_RETURN(int64_t heads,
                   IntOr(enc, "encoder_attention_heads", 12, defaulted));
  ASSIGN_OR_RETURN(int64_t ffn,
                   IntOr(enc, "encoder_ffn_embed_dim", 3072, defaulted));
  ASSIGN_OR_RETURN(int64_t conv_pos, IntOr(enc, "conv_pos", 128, defaulted));
  ASSIGN_OR_RETURN(int64_t depth, IntOr(enc, "pos_conv_depth", 1, defaulted));
  ASSIGN_OR_RETURN(int64_t groups,
                   IntOr(enc, "conv_pos_groups", 16, defaulted));
  ASSIGN_OR_RETURN(bool conv_bias, BoolOr(enc, "conv_bias", false, defaulted));
  ASSIGN_OR_RETURN(std::string activation_fn,
                   StringOr(enc, "activation_fn", "gelu", defaulted));
  ASSIGN_OR_RETURN(
      const std::string activation,
      HfActivationName(
          activation_fn,
          absl::StrCat(checkpoint.path(), ": ", enc.path(), ".activation_fn")));
  if (depth <= 0)
    return absl::InvalidArgumentError(
        absl::StrCat(checkpoint.path(), ": pos_conv_depth ", depth));

  c["architectures"] = {HfClassName(kind)};
  c["model_type"] = "data2vec-audio";
  c["hidden_size"] = embed;
  c["output_hidden_size"] = embed;
  c["num_hidden_layers"] = layers;
  c["num_attention_heads"] = heads;
  c["intermediate_size"] = ffn;
  c["hidden_act"] = activation;
  c["conv_dim"] = dims;
  c["conv_kernel"] = kernels;
  c["conv_stride"] = strides;
  c["num_feat_extract_layers"] = static_cast<int64_t>(dims.size());
  c["conv_bias"] = conv_bias;
  c["feat_extract_activation"] =
      "gelu";  // fairseq's extractor always uses GELU
  // HF counts positional conv LAYERS in num_conv_pos_embeddings; fairseq's
  // conv_pos is their total receptive field.
  c["num_conv_pos_embeddings"] = depth;
  c["conv_pos_kernel_size"] = std::max<int64_t>(3, conv_pos / depth);
  c["num_conv_pos_embedding_groups"] = groups;
  c["layer_norm_eps"] = 1e-5;
  for (const TrainingField& f : kTrainingFields) {
    if (f.integer) {
      ASSIGN_OR_RETURN(
          c[f.hf],
          IntOr(enc, f.fairseq, static_cast<int64_t>(f.fallback), defaulted));
    } else {
      ASSIGN_OR_RETURN(c[f.hf],
                       NumberOr(enc, f.fairseq, f.fallback, defaulted));
    }
  }
  c["mask_time_min_masks"] = 2;
  c["mask_feature_min_masks"] = 0;
  c["pad_token_id"] = 0;  // fairseq's <s>, the CTC blank, sits at index 0
  c["bos_token_id"] = 1;
  c["eos_token_id"] = 2;
  if (kind == ModelKind::kCtc) {
    ConfigView ft = checkpoint.model_config();
    ASSIGN_OR_RETURN(double final_dropout,
                     NumberOr(ft, "final_dropout", 0.0, defaulted));
    c["final_dropout"] = final_dropout;
    c["vocab_size"] = vocab_size.value_or(32);
  } else {
    c["final_dropout"] = 0.1;
    c["vocab_size"] = 32;
    defaulted.push_back(
        "final_dropout = 0.1, vocab_size = 32: transformers' defaults (no CTC "
        "head)");
  }
  // transformers' fields with no fairseq counterpart, at their defaults.
  c["adapter_kernel_size"] = 3;
  c["adapter_stride"] = 2;
  c["add_adapter"] = false;
  c["classifier_proj_size"] = 256;
  c["ctc_loss_reduction"] = "sum";
  c["ctc_zero_infinity"] = false;
  c["initializer_range"] = 0.02;
  c["num_adapter_layers"] = 3;
  c["tdnn_dilation"] = {1, 2, 3, 1, 1};
  c["tdnn_dim"] = {512, 512, 512, 512, 1500};
  c["tdnn_kernel"] = {5, 3, 3, 1, 1};
  c["use_weighted_layer_sum"] = false;
  c["xvector_output_dim"] = 512;
  c["torch_dtype"] = "float32";
  c["transformers_version"] =
      "4.40.2";  // the release whose format this follows
  out.hf_config = std::move(c);

  ASSIGN_OR_RETURN(bool normalize, BoolOr(checkpoint.task_config(), "normalize",
                                          false, defaulted));
  nlohmann::json p = nlohmann::json::object();
  p["do_normalize"] = normalize;
  p["feature_extractor_type"] = "Wav2Vec2FeatureExtractor";
  p["feature_size"] = 1;
  p["padding_side"] = "right";
  p["padding_value"] = 0;
  // Layer-norm feature extractors are trained with padding masks.
  p["return_attention_mask"] = true;
  p["sampling_rate"] = 16000;
  if (kind == ModelKind::kCtc) p["processor_class"] = "Wav2Vec2Processor";
  out.preprocessor_config = std::move(p);
  return out;
}

absl::StatusOr<Architecture> Architecture::FromHfConfig(
    const nlohmann::json& c, const std::string& source) {
  Architecture a;
  const HfConfigFields f(c, source);
  RETURN_IF_ERROR(f.Int("hidden_size", a.hidden_size));
  RETURN_IF_ERROR(f.Int("num_hidden_layers", a.num_hidden_layers));
  RETURN_IF_ERROR(f.Int("num_attention_heads", a.num_attention_heads));
  RETURN_IF_ERROR(f.Int("intermediate_size", a.intermediate_size));
  RETURN_IF_ERROR(f.IntList("conv_dim", a.conv_dim));
  RETURN_IF_ERROR(f.IntList("conv_kernel", a.conv_kernel));
  RETURN_IF_ERROR(f.IntList("conv_stride", a.conv_stride));
  RETURN_IF_ERROR(f.Int("num_conv_pos_embeddings", a.num_conv_pos_embeddings));
  RETURN_IF_ERROR(f.Int("conv_pos_kernel_size", a.conv_pos_kernel_size));
  RETURN_IF_ERROR(
      f.Int("num_conv_pos_embedding_groups", a.num_conv_pos_embedding_groups));
  RETURN_IF_ERROR(f.Float("layer_norm_eps", a.layer_norm_eps));
  RETURN_IF_ERROR(f.Float("mask_time_prob", a.mask_time_prob));
  RETURN_IF_ERROR(f.Float("mask_feature_prob", a.mask_feature_prob));
  RETURN_IF_ERROR(f.Int("vocab_size", a.vocab_size));
  RETURN_IF_ERROR(f.Bool("conv_bias", a.conv_bias));
  if (a.conv_dim.size() != a.conv_kernel.size() ||
      a.conv_dim.size() != a.conv_stride.size() || a.conv_dim.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        source, ": conv_dim, conv_kernel and conv_stride differ in length"));
  }
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
