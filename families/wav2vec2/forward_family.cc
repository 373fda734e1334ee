// Each side builds its model from its own files only: the fairseq pass reads
// the checkpoint's fairseq config as fairseq's Wav2Vec2Model / HubertModel
// do; the HF pass reads config.json as transformers' Wav2Vec2Config /
// HubertConfig do. Neither uses the converter's inference.
#include "families/wav2vec2/forward_family.h"

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "families/common/conv_layers.h"
#include "families/common/ctc_head.h"
#include "families/common/fairseq_encoder.h"
#include "families/common/hf_files.h"
#include "families/common/hf_state_dict.h"
#include "families/common/model_pass.h"
#include "families/common/pass_activations.h"
#include "families/common/weights.h"
#include "families/wav2vec2/forward.h"
#include "families/wav2vec2/hf_classes.h"
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
  const FairseqEncoderConfig config(checkpoint, enc);
  ASSIGN_OR_RETURN(FairseqEncoder e, config.Read());
  FairseqBuild build;
  Architecture& a = build.arch;
  a.variant = variant;
  a.hidden_size = e.embed;
  a.num_hidden_layers = e.layers;
  a.num_attention_heads = e.heads;
  a.intermediate_size = e.ffn;
  a.pos_conv_kernel = e.conv_pos;
  a.pos_conv_groups = e.conv_pos_groups;
  if (e.pos_conv_depth != 1)
    return config.Unimplemented("pos_conv_depth",
                                absl::StrCat(e.pos_conv_depth));
  a.conv_bias = e.conv_bias;
  a.conv_dim = e.conv_dim;
  a.conv_kernel = e.conv_kernel;
  a.conv_stride = e.conv_stride;
  if (e.extractor_mode != "default" && e.extractor_mode != "layer_norm")
    return config.Unimplemented("extractor_mode", e.extractor_mode);
  a.group_norm = e.extractor_mode == "default";
  a.stable_layer_norm = e.layer_norm_first;
  std::string layer_type = "transformer";
  if (enc.Has("layer_type")) {
    ASSIGN_OR_RETURN(layer_type, enc.String("layer_type"));
  }
  if (layer_type != "transformer")
    return config.Unimplemented("layer_type", layer_type);
  a.layer_norm_eps = 1e-5;  // fairseq's LayerNorm default
  RETURN_IF_ERROR(config.CheckDivisible(e));
  if (a.pos_conv_kernel <= 0)
    return config.Unimplemented("conv_pos", absl::StrCat(a.pos_conv_kernel));
  ASSIGN_OR_RETURN(
      build.activation,
      FairseqActivation(e.activation_fn, config.Field("activation_fn")));
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
    model.vocab_size = build.arch.ctc ? build.arch.vocab_size : 0;
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
    ASSIGN_OR_RETURN(HfFiles files,
                     ReadHfFiles(model_dir, HfClasses(variant_)));
    ASSIGN_OR_RETURN(
        Architecture arch,
        Architecture::FromHfConfig(files.config, files.config_path, variant_));
    LoadedModel model;
    model.ctc = arch.ctc;
    model.vocab_size = arch.ctc ? arch.vocab_size : 0;
    model.description = files.hf_class->hf_class;
    model.model_type = std::string(model_type());
    model.receptive_field =
        ConvReceptiveField(arch.conv_kernel, arch.conv_stride);
    model.normalize = files.normalize;
    ASSIGN_OR_RETURN(Weights weights, HfWeights(model_dir));
    ASSIGN_OR_RETURN(model.weight_findings,
                     CompareHfWeights(HfStateDict(arch), model.description,
                                      HfWeightsPath(model_dir), weights));
    // transformers would run on random weights: no pass to compare.
    if (ChangesOutput(model.weight_findings)) return model;
    RETURN_IF_ERROR(ops::CatchTorchErrors(model_dir, [&] {
      model.pass = std::make_unique<ModelPass<HfWav2Vec2>>(
          MaskConvention::kAttention, ShapeOf(arch), arch, files.activations,
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
