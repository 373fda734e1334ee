// Each side builds its model from its own files only: the fairseq pass reads
// the checkpoint's fairseq config as fairseq's Wav2Vec2Model / HubertModel
// do; the HF pass reads config.json as transformers' Wav2Vec2Config /
// HubertConfig do. Neither uses the converter's inference.
#include "families/wav2vec2_encoder/forward_family.h"

#include <memory>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "families/common/conv_layers.h"
#include "families/common/ctc_head.h"
#include "families/common/passes/fairseq_encoder.h"
#include "families/common/passes/hf_files.h"
#include "families/common/passes/hf_state_dict.h"
#include "families/common/passes/loaded_model.h"
#include "families/common/passes/model_pass.h"
#include "families/common/passes/pass_activations.h"
#include "families/common/passes/weights.h"
#include "families/common/wrapped_encoder.h"
#include "families/wav2vec2_encoder/forward.h"
#include "families/wav2vec2_encoder/hf_classes.h"
#include "ops/torch_errors.h"

namespace fairport::wav2vec2_encoder {
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
    const FairseqCheckpoint& checkpoint, const Flavor& flavor, ModelKind kind) {
  ASSIGN_OR_RETURN(ConfigView enc, EncoderConfig(checkpoint, kind));
  const FairseqEncoderConfig config(checkpoint, enc);
  ASSIGN_OR_RETURN(FairseqEncoder e, config.Read());
  FairseqBuild build;
  Architecture& a = build.arch;
  a.flavor = &flavor;
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
  // The effective layer_type (mms.md section 2): an MMS checkpoint's
  // trf_adp lives in cfg.model, over the stored w2v_args' "transformer".
  // Run without its adapters it would compute another model.
  const bool wrapped = kind != ModelKind::kPretrained;
  ASSIGN_OR_RETURN(std::string layer_type,
                   EffectiveLayerType(checkpoint, enc, wrapped));
  if (layer_type != "transformer") {
    return absl::UnimplementedError(absl::StrCat(
        checkpoint.path(), ": ",
        EffectiveEncoderView(checkpoint, enc, wrapped, "layer_type").path(),
        ".layer_type is ", layer_type,
        ", which the fairseq pass does not implement"));
  }
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
  Wav2Vec2StyleForward(const Flavor& flavor,
                       absl::Span<const HfClassFields> classes)
      : flavor_(flavor), classes_(classes) {}
  absl::string_view name() const override { return flavor_.family; }
  absl::string_view model_type() const override { return flavor_.model_type; }
  bool Claims(const FairseqCheckpoint& checkpoint) const override {
    return DetectKind(checkpoint, flavor_).ok();
  }

  absl::StatusOr<LoadedModel> LoadFairseq(
      const FairseqCheckpoint& checkpoint) const override {
    ASSIGN_OR_RETURN(ModelKind kind, DetectKind(checkpoint, flavor_));
    if (kind == ModelKind::kSequenceClassification) {
      return absl::UnimplementedError(absl::StrCat(
          checkpoint.path(), ": ", checkpoint.model_config().path(),
          "._name is ", flavor_.classification_wrapper,
          " (a pooled classifier), which the fairseq pass does not "
          "implement"));
    }
    ASSIGN_OR_RETURN(FairseqBuild build,
                     BuildFromFairseqConfig(checkpoint, flavor_, kind));
    LoadedModel model =
        LoadedModelOf(build.arch, KindName(flavor_, kind), model_type());
    if (flavor_.fairseq_frames == FairseqFrames::kAllSamplesPadded)
      model.frame_counting = kAllSamplesPaddedCounting;
    RETURN_IF_ERROR(ReadFairseqNormalize(checkpoint, model));
    ASSIGN_OR_RETURN(Weights weights, FairseqWeights(checkpoint));
    RETURN_IF_ERROR(BuildPass<FairseqWav2Vec2>(
        checkpoint.path(), model, MaskConvention::kPadding, ShapeOf(build.arch),
        build.arch, build.activation, build.has_projection,
        std::move(weights)));
    return model;
  }

  absl::StatusOr<LoadedModel> LoadHf(
      const std::string& model_dir) const override {
    ASSIGN_OR_RETURN(HfFiles files, ReadHfFiles(model_dir, classes_));
    ASSIGN_OR_RETURN(
        Architecture arch,
        Architecture::FromHfConfig(files.config, files.config_path, flavor_));
    LoadedModel model =
        LoadedModelOf(arch, files.hf_class->hf_class, model_type());
    model.normalize = files.normalize;
    ASSIGN_OR_RETURN(std::optional<Weights> weights,
                     LoadHfWeights(model_dir, HfStateDict(arch), model));
    // transformers would run on random weights: no pass to compare.
    if (!weights.has_value()) return model;
    RETURN_IF_ERROR(BuildPass<HfWav2Vec2>(
        model_dir, model, MaskConvention::kAttention, ShapeOf(arch), arch,
        files.activations, std::move(*weights)));
    return model;
  }

 private:
  const Flavor& flavor_;
  absl::Span<const HfClassFields> classes_;
};

}  // namespace

std::unique_ptr<ForwardFamily> MakeForwardFamily(
    const Flavor& flavor, absl::Span<const HfClassFields> classes) {
  return std::make_unique<Wav2Vec2StyleForward>(flavor, classes);
}

}  // namespace fairport::wav2vec2_encoder
