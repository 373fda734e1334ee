#include "families/wav2vec2_encoder/config.h"

#include <algorithm>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "base/json.h"
#include "base/status_macros.h"
#include "families/common/convert/config_fields.h"
#include "families/common/convert/quantizer_head.h"
#include "families/common/hf_config_fields.h"
#include "families/common/wrapped_encoder.h"
#include "families/wav2vec2_encoder/attn_adapters.h"

namespace fairport::wav2vec2_encoder {
namespace {

// fairseq builds a conformer encoder from the same Wav2Vec2Model when the
// effective layer_type says so; those checkpoints are the
// wav2vec2_conformer family's.
absl::Status CheckNotConformer(const FairseqCheckpoint& checkpoint,
                               const ConfigView& encoder, bool wrapped) {
  ASSIGN_OR_RETURN(std::string layer_type,
                   EffectiveLayerType(checkpoint, encoder, wrapped));
  if (layer_type != "conformer") return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat(
      checkpoint.path(), ": ",
      EffectiveEncoderView(checkpoint, encoder, wrapped, "layer_type").path(),
      ".layer_type is 'conformer': a wav2vec2-conformer model, not wav2vec "
      "2.0"));
}

// fairseq's MeanPoolingFast (wav2vec2_classification.py:213-226):
// linear on every frame, mean over the valid frames, activation_fn, then
// the projection. transformers' Wav2Vec2ForSequenceClassification
// (modeling:2112-2120) is the same without the activation, and
// get_pooling_layer (:113) builds nothing but mean pooling.
absl::Status CheckClassifierRepresentable(const FairseqCheckpoint& checkpoint,
                                          const Flavor& flavor) {
  const ConfigView& model = checkpoint.model_config();
  std::vector<std::string> ignored;
  auto refuse = [&](const char* key, absl::string_view value,
                    absl::string_view why) {
    return absl::InvalidArgumentError(absl::StrCat(
        checkpoint.path(), ": ", model.path(), ".", key, " is '", value,
        "': transformers' ",
        HfClassName(flavor, ModelKind::kSequenceClassification), " ", why,
        "; refusing rather than converting it approximately"));
  };
  // Wav2Vec2ClassificationConfig's defaults (:37-39).
  ASSIGN_OR_RETURN(std::string pooling,
                   StringOr(model, "pooling", "first_token", ignored));
  if (pooling != "mean")
    return refuse("pooling", pooling, "pools by the mean only");
  ASSIGN_OR_RETURN(std::string activation,
                   StringOr(model, "activation_fn", "gelu", ignored));
  if (activation != "linear") {
    return refuse("activation_fn", activation,
                  "applies no activation between the pooled projector and "
                  "the classifier");
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<ModelKind> DetectKind(const FairseqCheckpoint& checkpoint,
                                     const Flavor& flavor) {
  const std::string& arch = checkpoint.architecture();
  if (arch == flavor.encoder) {
    RETURN_IF_ERROR(
        CheckNotConformer(checkpoint, checkpoint.model_config(), false));
    return ModelKind::kPretrained;
  }
  const bool classification = *flavor.classification_wrapper != '\0' &&
                              arch == flavor.classification_wrapper;
  if (arch == flavor.ctc_wrapper || classification) {
    ASSIGN_OR_RETURN(ConfigView encoder, checkpoint.WrappedEncoderConfig());
    absl::StatusOr<std::string> name = WrappedEncoderName(checkpoint, encoder);
    if (name.ok() && *name == flavor.encoder) {
      RETURN_IF_ERROR(CheckNotConformer(checkpoint, encoder, true));
      return classification ? ModelKind::kSequenceClassification
                            : ModelKind::kCtc;
    }
    return absl::InvalidArgumentError(
        absl::StrCat(checkpoint.path(), ": a ", arch, " model over '",
                     name.ok() ? *name : "an unnamed encoder", "', not over ",
                     flavor.encoder));
  }
  return absl::InvalidArgumentError(
      absl::StrCat(checkpoint.path(), ": model is '", arch, "', not ",
                   flavor.encoder, " or ", flavor.ctc_wrapper, " over it"));
}

std::string KindName(const Flavor& flavor, ModelKind kind) {
  switch (kind) {
    case ModelKind::kPretrained:
      return absl::StrCat("pretrained ", flavor.encoder);
    case ModelKind::kCtc:
      return absl::StrCat(flavor.ctc_wrapper, " fine-tuned over ",
                          flavor.encoder);
    case ModelKind::kSequenceClassification:
      return absl::StrCat(flavor.classification_wrapper, " fine-tuned over ",
                          flavor.encoder);
  }
  return "";
}

std::string HfClassName(const Flavor& flavor, ModelKind kind,
                        bool pretraining_head) {
  const std::string base = flavor.hf_name;
  if (kind == ModelKind::kCtc) return base + "ForCTC";
  if (kind == ModelKind::kSequenceClassification)
    return base + "ForSequenceClassification";
  if (flavor.pretraining_class && pretraining_head)
    return base + "ForPreTraining";
  return base + "Model";
}

std::string Architecture::hf_prefix() const {
  return ctc || classification || pretraining_head ? flavor->hf_prefix : "";
}

absl::StatusOr<ConfigView> EncoderConfig(const FairseqCheckpoint& checkpoint,
                                         ModelKind kind) {
  if (kind == ModelKind::kPretrained) return checkpoint.model_config();
  return checkpoint.WrappedEncoderConfig();
}

absl::StatusOr<std::optional<AttnAdapterConfig>> AttnAdaptersOf(
    const FairseqCheckpoint& checkpoint, const Flavor& flavor, ModelKind kind) {
  if (!flavor.attn_adapters || kind != ModelKind::kCtc) return std::nullopt;
  ASSIGN_OR_RETURN(ConfigView enc, EncoderConfig(checkpoint, kind));
  ASSIGN_OR_RETURN(bool adapters, HasAttnAdapters(checkpoint, enc, true));
  if (!adapters) return std::nullopt;
  return ReadAttnAdapterConfig(checkpoint, enc, true);
}

bool HasPretrainingHead(const FairseqCheckpoint& checkpoint,
                        const Flavor& flavor, ModelKind kind) {
  return flavor.pretraining_class && HasQuantizerHead(checkpoint, kind);
}

absl::Status CheckRepresentable(const FairseqCheckpoint& checkpoint,
                                const Flavor& flavor, ModelKind kind) {
  ASSIGN_OR_RETURN(ConfigView enc, EncoderConfig(checkpoint, kind));
  std::vector<std::string> ignored;
  auto refuse = [&](absl::string_view what) {
    return absl::InvalidArgumentError(absl::StrCat(
        checkpoint.path(), ": ", enc.path(), ".", what, ": transformers' ",
        flavor.hf_name,
        " cannot represent this model; refusing rather than converting it "
        "approximately"));
  };
  ASSIGN_OR_RETURN(std::string mode,
                   StringOr(enc, "extractor_mode", "default", ignored));
  if (mode != "default" && mode != "layer_norm")
    return refuse(absl::StrCat("extractor_mode is '", mode, "'"));
  const bool wrapped = kind != ModelKind::kPretrained;
  ASSIGN_OR_RETURN(std::string layer_type,
                   EffectiveLayerType(checkpoint, enc, wrapped));
  if (layer_type == "trf_adp" && flavor.attn_adapters &&
      kind == ModelKind::kCtc) {
    RETURN_IF_ERROR(CheckAttnAdaptersRepresentable(checkpoint, enc, wrapped));
  } else if (layer_type != "transformer") {
    return absl::InvalidArgumentError(absl::StrCat(
        checkpoint.path(), ": ",
        EffectiveEncoderView(checkpoint, enc, wrapped, "layer_type").path(),
        ".layer_type is '", layer_type, "': transformers' ",
        HfClassName(flavor, kind),
        " cannot represent this model; refusing rather than converting it "
        "approximately"));
  }
  if (kind == ModelKind::kSequenceClassification)
    RETURN_IF_ERROR(CheckClassifierRepresentable(checkpoint, flavor));
  ASSIGN_OR_RETURN(int64_t depth, IntOr(enc, "pos_conv_depth", 1, ignored));
  if (depth != 1) {
    return refuse(absl::StrCat("pos_conv_depth is ", depth,
                               " (a stack of positional convolutions)"));
  }
  ASSIGN_OR_RETURN(bool quantize_input,
                   BoolOr(enc, "quantize_input", false, ignored));
  if (quantize_input) return refuse("quantize_input is True");
  ASSIGN_OR_RETURN(int64_t dim, IntOr(enc, "encoder_embed_dim", 768, ignored));
  ASSIGN_OR_RETURN(int64_t heads,
                   IntOr(enc, "encoder_attention_heads", 12, ignored));
  ASSIGN_OR_RETURN(int64_t groups, IntOr(enc, "conv_pos_groups", 16, ignored));
  if (heads <= 0 || dim % heads != 0 || groups <= 0 || dim % groups != 0) {
    return refuse(absl::StrCat("encoder_embed_dim ", dim,
                               " does not divide into ", heads, " heads and ",
                               groups, " positional groups"));
  }
  if (HasPretrainingHead(checkpoint, flavor, kind))
    return CheckQuantizerHead(enc, refuse);
  return absl::OkStatus();
}

absl::StatusOr<InferredConfig> InferConfig(const FairseqCheckpoint& checkpoint,
                                           const Flavor& flavor, ModelKind kind,
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
  ASSIGN_OR_RETURN(bool ln_first,
                   BoolOr(enc, "layer_norm_first", false, defaulted));
  ASSIGN_OR_RETURN(std::string activation_fn,
                   StringOr(enc, "activation_fn", "gelu", defaulted));
  ASSIGN_OR_RETURN(const std::string activation,
                   HfActivationName(activation_fn, where + ".activation_fn"));
  const bool pretraining_head = HasPretrainingHead(checkpoint, flavor, kind);

  c["architectures"] = {HfClassName(flavor, kind, pretraining_head)};
  c["model_type"] = flavor.model_type;
  c["feat_extract_norm"] = mode == "layer_norm" ? "layer" : "group";
  c["do_stable_layer_norm"] = ln_first;
  // For wav2vec 2.0 and HuBERT, num_conv_pos_embeddings is the KERNEL of
  // the one positional convolution: fairseq's conv_pos.
  c["num_conv_pos_embeddings"] = conv_pos;
  c["num_conv_pos_embedding_groups"] = groups;
  TransformersDefaults defaults;
  defaults.Set(c, "apply_spec_augment", true);
  RETURN_IF_ERROR(WriteSharedConfigFields(checkpoint, enc, kind, vocab_size,
                                          sizes, conv_bias, activation, c,
                                          defaults, defaulted));
  RETURN_IF_ERROR(
      flavor.write_config(enc, sizes.embed, c, defaults, defaulted));
  ASSIGN_OR_RETURN(std::optional<AttnAdapterConfig> adapters,
                   AttnAdaptersOf(checkpoint, flavor, kind));
  if (adapters.has_value())
    defaults.SetRead(c, "adapter_attn_dim", adapters->dim);
  if (kind == ModelKind::kSequenceClassification) {
    // The pooling layer's width: latent_embed_dim, or the encoder's when
    // None (wav2vec2_classification.py's MeanPoolingFast).
    const ConfigView& model = checkpoint.model_config();
    int64_t proj = sizes.embed;
    if (model.Has("latent_embed_dim")) {
      ASSIGN_OR_RETURN(proj, model.Int("latent_embed_dim"));
    }
    defaults.SetRead(c, "classifier_proj_size", proj);
    defaults.SetRead(c, "use_weighted_layer_sum", false);  // pooling: mean
  }
  defaults.Note(defaulted);
  out.hf_config = std::move(c);
  // As transformers' wav2vec2 script writes it: group-norm extractors are
  // trained without padding masks.
  ASSIGN_OR_RETURN(out.preprocessor_config,
                   InferPreprocessorConfig(checkpoint, kind,
                                           mode == "layer_norm", defaulted));
  return out;
}

absl::StatusOr<Architecture> Architecture::FromHfConfig(
    const nlohmann::json& c, const std::string& source, const Flavor& flavor) {
  Architecture a;
  a.flavor = &flavor;
  const HfConfigFields f(c, source);
  RETURN_IF_ERROR(f.Int("hidden_size", a.hidden_size, 1));
  RETURN_IF_ERROR(f.Int("num_hidden_layers", a.num_hidden_layers, 0));
  RETURN_IF_ERROR(f.Int("num_attention_heads", a.num_attention_heads, 1));
  RETURN_IF_ERROR(f.Int("intermediate_size", a.intermediate_size, 1));
  RETURN_IF_ERROR(f.ConvStack(a.conv_dim, a.conv_kernel, a.conv_stride));
  RETURN_IF_ERROR(f.Bool("conv_bias", a.conv_bias));
  RETURN_IF_ERROR(f.Int("num_conv_pos_embeddings", a.pos_conv_kernel, 1));
  RETURN_IF_ERROR(f.Int("num_conv_pos_embedding_groups", a.pos_conv_groups, 1));
  RETURN_IF_ERROR(f.Float("layer_norm_eps", a.layer_norm_eps));
  RETURN_IF_ERROR(f.Float("mask_time_prob", a.mask_time_prob));
  RETURN_IF_ERROR(f.Float("mask_feature_prob", a.mask_feature_prob));
  RETURN_IF_ERROR(f.Int("vocab_size", a.vocab_size, 1));
  RETURN_IF_ERROR(f.Bool("do_stable_layer_norm", a.stable_layer_norm));
  std::string norm;
  RETURN_IF_ERROR(f.String("feat_extract_norm", norm));
  if (norm != "group" && norm != "layer") {
    return absl::InvalidArgumentError(
        absl::StrCat(source, ": feat_extract_norm is '", norm,
                     "', not \"group\" or \"layer\""));
  }
  a.group_norm = norm == "group";
  if (flavor.feat_proj_layer_norm_field) {
    RETURN_IF_ERROR(f.Bool("feat_proj_layer_norm", a.feat_proj_layer_norm));
  }
  if (a.num_attention_heads <= 0 ||
      a.hidden_size % a.num_attention_heads != 0 || a.pos_conv_groups <= 0 ||
      a.hidden_size % a.pos_conv_groups != 0 || a.pos_conv_kernel <= 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        source, ": hidden_size ", a.hidden_size,
        " does not divide into the attention heads or positional conv groups"));
  }
  std::string architecture;
  if (c.contains("architectures") && c["architectures"].is_array() &&
      c["architectures"].size() == 1 && c["architectures"][0].is_string()) {
    architecture = c["architectures"][0].get<std::string>();
  }
  a.ctc = architecture == HfClassName(flavor, ModelKind::kCtc);
  a.classification =
      *flavor.classification_wrapper != '\0' &&
      architecture == HfClassName(flavor, ModelKind::kSequenceClassification);
  a.pretraining_head =
      flavor.pretraining_class &&
      architecture == HfClassName(flavor, ModelKind::kPretrained, true);
  if (!a.ctc && !a.pretraining_head && !a.classification &&
      architecture != HfClassName(flavor, ModelKind::kPretrained, false)) {
    return absl::InvalidArgumentError(absl::StrCat(
        source, ": architectures is ",
        DumpJson(c.value("architectures", nlohmann::json())),
        ", which Fairport does not implement for ", flavor.hf_name));
  }
  // transformers gives adapters to stable-layer-norm layers only
  // (modeling:717-720): on post-LN layers adapter_attn_dim changes nothing.
  if (flavor.attn_adapters && a.stable_layer_norm &&
      c.contains("adapter_attn_dim") && !c["adapter_attn_dim"].is_null()) {
    RETURN_IF_ERROR(f.Int("adapter_attn_dim", a.adapter_attn_dim, 1));
  }
  if (a.classification) {
    RETURN_IF_ERROR(f.Int("classifier_proj_size", a.classifier_proj_size, 1));
    // PretrainedConfig: num_labels is len(id2label) when it is given, else
    // 2.
    if (c.contains("id2label") && c["id2label"].is_object())
      a.num_labels = static_cast<int64_t>(c["id2label"].size());
    if (a.num_labels < 1) {
      return absl::InvalidArgumentError(absl::StrCat(
          source, ": id2label is empty: a classifier of no label"));
    }
  }
  if (a.pretraining_head) {
    RETURN_IF_ERROR(f.Int("num_codevector_groups", a.codevector_groups, 1));
    RETURN_IF_ERROR(
        f.Int("num_codevectors_per_group", a.codevectors_per_group, 1));
    RETURN_IF_ERROR(f.Int("codevector_dim", a.codevector_dim, 1));
    RETURN_IF_ERROR(f.Int("proj_codevector_dim", a.proj_codevector_dim, 1));
    if (a.codevector_groups <= 0 || a.codevector_dim % a.codevector_groups) {
      return absl::InvalidArgumentError(absl::StrCat(
          source, ": codevector_dim ", a.codevector_dim,
          " does not divide into ", a.codevector_groups, " groups"));
    }
  }
  return a;
}

}  // namespace fairport::wav2vec2_encoder
