// data2vec audio's two forward passes behind the registry
// (families/forward_family.h). Each side builds its model from its own
// files only: the fairseq pass reads the checkpoint's fairseq config as
// fairseq's Data2VecAudioModel does; the HF pass reads config.json as
// transformers' Data2VecAudioConfig does.
#include "families/forward_family.h"

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
#include "families/data2vec_audio/config.h"
#include "families/data2vec_audio/forward.h"
#include "families/data2vec_audio/hf_classes.h"
#include "ops/activation.h"
#include "ops/torch_errors.h"

namespace fairport::data2vec_audio {
namespace {

using ops::Activation;

EncoderShape ShapeOf(const Architecture& a) {
  EncoderShape s = EncoderShapeOf(a);
  s.pos_conv_layers = a.num_conv_pos_embeddings;
  s.pos_conv_kernel = a.conv_pos_kernel_size;
  s.pos_conv_groups = a.num_conv_pos_embedding_groups;
  return s;
}

// The model fairseq's Data2VecAudioModel builds from its config (the
// encoder's, inside w2v_args, for wav2vec_ctc): read here, not through
// the converter's inference, so that a mistake there shows in parity.
struct FairseqBuild {
  Architecture arch;
  Activation activation;
};

absl::StatusOr<FairseqBuild> BuildFromFairseqConfig(
    const FairseqCheckpoint& checkpoint, ModelKind kind) {
  ConfigView enc = checkpoint.model_config();
  if (kind == ModelKind::kCtc) {
    ASSIGN_OR_RETURN(enc, checkpoint.WrappedEncoderConfig());
  }
  const FairseqEncoderConfig config(checkpoint, enc);
  ASSIGN_OR_RETURN(FairseqEncoder e, config.Read());
  FairseqBuild build;
  Architecture& a = build.arch;
  a.hidden_size = e.embed;
  a.num_hidden_layers = e.layers;
  a.num_attention_heads = e.heads;
  a.intermediate_size = e.ffn;
  a.num_conv_pos_embedding_groups = e.conv_pos_groups;
  a.conv_bias = e.conv_bias;
  a.conv_dim = e.conv_dim;
  a.conv_kernel = e.conv_kernel;
  a.conv_stride = e.conv_stride;
  if (e.extractor_mode != "layer_norm")
    return config.Unimplemented("extractor_mode", e.extractor_mode);
  if (e.layer_norm_first)
    return config.Unimplemented("layer_norm_first", "True");
  // TransformerEncoder: pos_conv_depth > 1 stacks that many convolutions of
  // kernel max(3, conv_pos // depth); depth 1 is wav2vec 2.0's single
  // weight-normed convolution.
  const int64_t depth = e.pos_conv_depth;
  if (depth <= 1)
    return config.Unimplemented("pos_conv_depth", absl::StrCat(depth));
  a.num_conv_pos_embeddings = depth;
  a.conv_pos_kernel_size = std::max<int64_t>(3, e.conv_pos / depth);
  a.layer_norm_eps = 1e-5;  // fairseq's LayerNorm default
  RETURN_IF_ERROR(config.CheckDivisible(e));
  ASSIGN_OR_RETURN(
      build.activation,
      FairseqActivation(e.activation_fn, config.Field("activation_fn")));
  a.ctc = kind == ModelKind::kCtc;
  if (a.ctc) {
    ASSIGN_OR_RETURN(a.vocab_size, CtcHeadRows(checkpoint));
  }
  return build;
}

class Data2VecAudioForward : public ForwardFamily {
 public:
  absl::string_view name() const override { return "data2vec_audio"; }
  absl::string_view model_type() const override { return "data2vec-audio"; }
  bool Claims(const FairseqCheckpoint& checkpoint) const override {
    return DetectKind(checkpoint).ok();
  }

  absl::StatusOr<LoadedModel> LoadFairseq(
      const FairseqCheckpoint& checkpoint,
      const std::string& language) const override {
    RETURN_IF_ERROR(RefuseLanguage(checkpoint.path(), language));
    ASSIGN_OR_RETURN(ModelKind kind, DetectKind(checkpoint));
    ASSIGN_OR_RETURN(FairseqBuild build,
                     BuildFromFairseqConfig(checkpoint, kind));
    LoadedModel model = LoadedModelOf(build.arch, KindName(kind), model_type());
    RETURN_IF_ERROR(ReadFairseqNormalize(checkpoint, model));
    ASSIGN_OR_RETURN(Weights weights, FairseqWeights(checkpoint));
    RETURN_IF_ERROR(BuildPass<FairseqData2VecAudio>(
        checkpoint.path(), model, MaskConvention::kPadding, ShapeOf(build.arch),
        build.arch, build.activation, std::move(weights)));
    return model;
  }

  absl::StatusOr<LoadedModel> LoadHf(
      const std::string& model_dir,
      const std::string& language) const override {
    RETURN_IF_ERROR(RefuseLanguage(model_dir, language));
    ASSIGN_OR_RETURN(HfFiles files, ReadHfFiles(model_dir, HfClasses()));
    ASSIGN_OR_RETURN(Architecture arch, Architecture::FromHfConfig(
                                            files.config, files.config_path));
    LoadedModel model =
        LoadedModelOf(arch, files.hf_class->hf_class, model_type());
    model.normalize = files.normalize;
    ASSIGN_OR_RETURN(std::optional<Weights> weights,
                     LoadHfWeights(model_dir, HfStateDict(arch), model));
    // transformers would run on random weights: no pass to compare.
    if (!weights.has_value()) return model;
    RETURN_IF_ERROR(BuildPass<HfData2VecAudio>(
        model_dir, model, MaskConvention::kAttention, ShapeOf(arch), arch,
        files.activations, std::move(*weights)));
    return model;
  }
};

FAIRPORT_REGISTER_FORWARD_FAMILY(Data2VecAudioForward);

}  // namespace
}  // namespace fairport::data2vec_audio
