// Each side builds its model from its own files only: the fairseq pass reads
// the checkpoint's fairseq config as fairseq's Wav2Vec2Model / HubertModel
// do; the HF pass reads config.json as transformers' Wav2Vec2Config /
// HubertConfig do. Neither uses the converter's inference.
#include "families/wav2vec2/forward_family.h"

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "base/json_file.h"
#include "base/status_macros.h"
#include "families/common/conv_layers.h"
#include "families/common/ctc_head.h"
#include "families/common/model_pass.h"
#include "families/common/pass_activations.h"
#include "families/common/weights.h"
#include "families/wav2vec2/forward.h"
#include "ops/torch_errors.h"

namespace fairport::wav2vec2 {
namespace {

using ops::Activation;

EncoderShape ShapeOf(const Architecture& a) {
  EncoderShape s = EncoderShapeOf(a);
  s.pos_conv_layers = 1;  // one weight-normed convolution
  s.pos_conv_kernel = a.pos_conv_kernel;
  s.pos_conv_groups = a.pos_conv_groups;
  return s;
}

struct FairseqBuild {
  Architecture arch;
  Activation activation;
  bool has_projection;
};

absl::StatusOr<FairseqBuild> BuildFromFairseqConfig(
    const FairseqCheckpoint& checkpoint, Variant variant, ModelKind kind) {
  ASSIGN_OR_RETURN(ConfigView enc, EncoderConfig(checkpoint, kind));
  const std::string& path = checkpoint.path();
  auto field = [&](const char* key) {
    return absl::StrCat(path, ": ", enc.path(), ".", key);
  };
  // fairseq's dataclass default where the stored config lacks the field.
  auto int_or = [&](const char* key,
                    int64_t fallback) -> absl::StatusOr<int64_t> {
    return enc.Has(key) ? enc.Int(key) : fallback;
  };
  auto bool_or = [&](const char* key, bool fallback) -> absl::StatusOr<bool> {
    return enc.Has(key) ? enc.Bool(key) : fallback;
  };
  auto string_or = [&](const char* key,
                       std::string fallback) -> absl::StatusOr<std::string> {
    return enc.Has(key) ? enc.String(key) : fallback;
  };
  auto unimplemented = [&](const char* key, absl::string_view value) {
    return absl::UnimplementedError(
        absl::StrCat(field(key), " is ", value,
                     ", which the fairseq pass does not implement"));
  };
  FairseqBuild build;
  Architecture& a = build.arch;
  a.variant = variant;
  ASSIGN_OR_RETURN(a.hidden_size, int_or("encoder_embed_dim", 768));
  ASSIGN_OR_RETURN(a.num_hidden_layers, int_or("encoder_layers", 12));
  ASSIGN_OR_RETURN(a.num_attention_heads,
                   int_or("encoder_attention_heads", 12));
  ASSIGN_OR_RETURN(a.intermediate_size, int_or("encoder_ffn_embed_dim", 3072));
  ASSIGN_OR_RETURN(a.pos_conv_kernel, int_or("conv_pos", 128));
  ASSIGN_OR_RETURN(a.pos_conv_groups, int_or("conv_pos_groups", 16));
  ASSIGN_OR_RETURN(int64_t depth, int_or("pos_conv_depth", 1));
  if (depth != 1) return unimplemented("pos_conv_depth", absl::StrCat(depth));
  ASSIGN_OR_RETURN(a.conv_bias, bool_or("conv_bias", false));
  ASSIGN_OR_RETURN(
      std::string conv_text,
      string_or(
          "conv_feature_layers",
          "[(512, 10, 5)] + [(512, 3, 2)] * 4 + [(512,2,2)] + [(512,2,2)]"));
  absl::StatusOr<std::vector<ConvLayer>> conv =
      ParseConvFeatureLayers(conv_text);
  if (!conv.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": ", enc.path(), ".", conv.status().message()));
  }
  for (const ConvLayer& l : *conv) {
    a.conv_dim.push_back(l.dim);
    a.conv_kernel.push_back(l.kernel);
    a.conv_stride.push_back(l.stride);
  }
  ASSIGN_OR_RETURN(std::string mode, string_or("extractor_mode", "default"));
  if (mode != "default" && mode != "layer_norm")
    return unimplemented("extractor_mode", mode);
  a.group_norm = mode == "default";
  ASSIGN_OR_RETURN(a.stable_layer_norm, bool_or("layer_norm_first", false));
  ASSIGN_OR_RETURN(std::string layer_type,
                   string_or("layer_type", "transformer"));
  if (layer_type != "transformer")
    return unimplemented("layer_type", layer_type);
  a.layer_norm_eps = 1e-5;  // fairseq's LayerNorm default
  if (a.num_attention_heads <= 0 ||
      a.hidden_size % a.num_attention_heads != 0 || a.pos_conv_groups <= 0 ||
      a.hidden_size % a.pos_conv_groups != 0 || a.pos_conv_kernel <= 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        field("encoder_embed_dim"), " ", a.hidden_size,
        " does not divide into the attention heads or positional conv groups"));
  }
  ASSIGN_OR_RETURN(std::string activation_fn,
                   string_or("activation_fn", "gelu"));
  ASSIGN_OR_RETURN(build.activation,
                   FairseqActivation(activation_fn, field("activation_fn")));
  // Wav2Vec2Model / HubertModel: post_extract_proj only when the conv width
  // is not the model width.
  build.has_projection = a.conv_dim.back() != a.hidden_size;
  a.ctc = kind == ModelKind::kCtc;
  if (a.ctc) {
    ASSIGN_OR_RETURN(a.vocab_size, CtcHeadRows(checkpoint));
  }
  return build;
}

class Wav2Vec2StyleForward : public ForwardFamily {
 public:
  explicit Wav2Vec2StyleForward(Variant variant) : variant_(variant) {}
  absl::string_view name() const override { return NamesOf(variant_).family; }
  absl::string_view model_type() const override {
    return NamesOf(variant_).model_type;
  }
  bool Claims(const FairseqCheckpoint& checkpoint) const override {
    return DetectKind(checkpoint, variant_).ok();
  }

  absl::StatusOr<LoadedModel> LoadFairseq(
      const FairseqCheckpoint& checkpoint) const override {
    ASSIGN_OR_RETURN(ModelKind kind, DetectKind(checkpoint, variant_));
    ASSIGN_OR_RETURN(FairseqBuild build,
                     BuildFromFairseqConfig(checkpoint, variant_, kind));
    LoadedModel model;
    model.ctc = kind == ModelKind::kCtc;
    model.description = KindName(variant_, kind);
    model.model_type = std::string(model_type());
    model.receptive_field =
        ConvReceptiveField(build.arch.conv_kernel, build.arch.conv_stride);
    if (variant_ == Variant::kHubert)
      model.frame_counting = kHubertFrameCounting;
    const ConfigView& task = checkpoint.task_config();
    if (task.Has("normalize")) {
      ASSIGN_OR_RETURN(model.normalize, task.Bool("normalize"));
    }
    ASSIGN_OR_RETURN(Weights weights, FairseqWeights(checkpoint));
    RETURN_IF_ERROR(ops::CatchTorchErrors(checkpoint.path(), [&] {
      model.pass = std::make_unique<ModelPass<FairseqWav2Vec2>>(
          MaskConvention::kPadding, ShapeOf(build.arch), build.arch,
          build.activation, build.has_projection, std::move(weights));
      return absl::OkStatus();
    }));
    return model;
  }

  absl::StatusOr<LoadedModel> LoadHf(
      const std::string& model_dir) const override {
    const std::string config_path = absl::StrCat(model_dir, "/config.json");
    ASSIGN_OR_RETURN(nlohmann::json config, ReadJsonObject(config_path));
    ASSIGN_OR_RETURN(Architecture arch,
                     Architecture::FromHfConfig(config, config_path, variant_));
    HfWav2Vec2::Activations activations;
    ASSIGN_OR_RETURN(activations.hidden,
                     HfActivation(config, "hidden_act", config_path));
    ASSIGN_OR_RETURN(
        activations.feature,
        HfActivation(config, "feat_extract_activation", config_path));
    const std::string preprocessor_path =
        absl::StrCat(model_dir, "/preprocessor_config.json");
    ASSIGN_OR_RETURN(nlohmann::json preprocessor,
                     ReadJsonObject(preprocessor_path));
    LoadedModel model;
    model.ctc = arch.ctc;
    model.description = config["architectures"][0].get<std::string>();
    model.model_type = std::string(model_type());
    model.receptive_field =
        ConvReceptiveField(arch.conv_kernel, arch.conv_stride);
    model.normalize = preprocessor.contains("do_normalize") &&
                      preprocessor["do_normalize"].is_boolean() &&
                      preprocessor["do_normalize"].get<bool>();
    ASSIGN_OR_RETURN(Weights weights, HfWeights(model_dir));
    RETURN_IF_ERROR(ops::CatchTorchErrors(model_dir, [&] {
      model.pass = std::make_unique<ModelPass<HfWav2Vec2>>(
          MaskConvention::kAttention, ShapeOf(arch), arch, activations,
          std::move(weights));
      return absl::OkStatus();
    }));
    return model;
  }

 private:
  Variant variant_;
};

}  // namespace

std::unique_ptr<ForwardFamily> MakeForwardFamily(Variant variant) {
  return std::make_unique<Wav2Vec2StyleForward>(variant);
}

}  // namespace fairport::wav2vec2
