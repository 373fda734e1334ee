// Registers wav2vec2-conformer's forward passes as the family
// "wav2vec2_conformer". Each side builds its model from its own files
// only: the fairseq pass reads the checkpoint's fairseq config as
// fairseq's Wav2Vec2Model / ConformerEncoder do; the HF pass reads
// config.json as transformers' Wav2Vec2ConformerConfig does. Neither uses
// the converter's inference.
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
#include "families/common/passes/weights.h"
#include "families/wav2vec2_conformer/config.h"
#include "families/wav2vec2_conformer/forward.h"
#include "families/wav2vec2_conformer/hf_classes.h"
#include "ops/torch_errors.h"

namespace fairport::wav2vec2_conformer {
namespace {

EncoderShape ShapeOf(const Architecture& a) {
  EncoderShape s = EncoderShapeOf(a);
  s.pos_conv_layers = 0;  // stored, never applied
  const double c = a.hidden_size, f = a.intermediate_size;
  const double k = a.depthwise_kernel;
  const bool relative = a.positions == Positions::kRelative;
  // Two feed-forward blocks; q, k, v, out; q k^T and attention times v
  // (rel-pos: linear_pos on 2t - 1 positions and the (2t - 1)-column
  // score term too); pointwise (2c), depthwise and pointwise convolutions.
  s.encoder_layer_flops = [=](double t) {
    double flops = 2 * 2 * 2.0 * t * c * f + 4 * 2.0 * t * c * c +
                   2 * 2.0 * t * t * c + 2.0 * t * c * 2 * c + 2.0 * t * c * k +
                   2.0 * t * c * c;
    if (relative)
      flops += 2.0 * (2 * t - 1) * c * c + 2.0 * t * (2 * t - 1) * c;
    return flops;
  };
  return s;
}

struct FairseqBuild {
  Architecture arch;
  bool has_projection;
};

// What fairseq's Wav2Vec2Model builds from the encoder config: a
// ConformerEncoder only for layer_norm_first, rel_pos or rope positions and
// espnet attention; anything else is not implemented here.
absl::StatusOr<FairseqBuild> BuildFromFairseqConfig(
    const FairseqCheckpoint& checkpoint, ModelKind kind) {
  ASSIGN_OR_RETURN(ConfigView enc, EncoderConfig(checkpoint, kind));
  const FairseqEncoderConfig config(checkpoint, enc);
  ASSIGN_OR_RETURN(FairseqEncoder e, config.Read());
  auto string_or = [&](const char* key,
                       const char* fallback) -> absl::StatusOr<std::string> {
    if (!enc.Has(key)) return std::string(fallback);
    return enc.String(key);
  };
  auto int_or = [&](const char* key,
                    int64_t fallback) -> absl::StatusOr<int64_t> {
    if (!enc.Has(key)) return fallback;
    return enc.Int(key);
  };
  FairseqBuild build;
  Architecture& a = build.arch;
  a.hidden_size = e.embed;
  a.num_hidden_layers = e.layers;
  a.num_attention_heads = e.heads;
  a.intermediate_size = e.ffn;
  a.pos_conv_kernel = e.conv_pos;
  a.pos_conv_groups = e.conv_pos_groups;
  a.conv_bias = e.conv_bias;
  a.conv_dim = e.conv_dim;
  a.conv_kernel = e.conv_kernel;
  a.conv_stride = e.conv_stride;
  if (e.extractor_mode != "default" && e.extractor_mode != "layer_norm")
    return config.Unimplemented("extractor_mode", e.extractor_mode);
  a.group_norm = e.extractor_mode == "default";
  // The post-LN conformer normalises before the layers: not implemented
  // (transformers cannot represent it either).
  if (!e.layer_norm_first)
    return config.Unimplemented("layer_norm_first", "False");
  ASSIGN_OR_RETURN(std::string pos_enc_type, string_or("pos_enc_type", "abs"));
  if (pos_enc_type != "rel_pos" && pos_enc_type != "rope")
    return config.Unimplemented("pos_enc_type", "'" + pos_enc_type + "'");
  a.positions =
      pos_enc_type == "rope" ? Positions::kRotary : Positions::kRelative;
  ASSIGN_OR_RETURN(std::string attn_type, string_or("attn_type", ""));
  if (attn_type != "espnet")
    return config.Unimplemented("attn_type", "'" + attn_type + "'");
  ASSIGN_OR_RETURN(int64_t crop, int_or("crop_seq_to_multiple", 1));
  if (crop > 1)
    return config.Unimplemented("crop_seq_to_multiple", absl::StrCat(crop));
  if (enc.Has("quantize_input")) {
    ASSIGN_OR_RETURN(bool quantize_input, enc.Bool("quantize_input"));
    if (quantize_input) return config.Unimplemented("quantize_input", "True");
  }
  ASSIGN_OR_RETURN(a.depthwise_kernel,
                   int_or("depthwise_conv_kernel_size", 31));
  if (a.depthwise_kernel <= 0 || a.depthwise_kernel % 2 == 0) {
    return config.Unimplemented("depthwise_conv_kernel_size",
                                absl::StrCat(a.depthwise_kernel));
  }
  RETURN_IF_ERROR(config.CheckDivisible(e));
  if (a.positions == Positions::kRotary && a.head_dim() % 2 != 0)
    return config.Unimplemented("encoder_attention_heads (odd head size)",
                                absl::StrCat(e.heads));
  // Conformer layers are swish whatever activation_fn says
  // (ConformerEncoder.build_encoder_layer, wav2vec2.py:1189).
  build.has_projection = a.conv_dim.back() != a.hidden_size;
  a.ctc = kind == ModelKind::kCtc;
  if (a.ctc) {
    ASSIGN_OR_RETURN(a.vocab_size, CtcHeadRows(checkpoint));
  }
  return build;
}

class ConformerForward : public ForwardFamily {
 public:
  absl::string_view name() const override { return kFamilyName; }
  absl::string_view model_type() const override { return kModelType; }
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
    LoadedModel model = LoadedModelOf(build.arch, KindName(kind), kModelType);
    RETURN_IF_ERROR(ReadFairseqNormalize(checkpoint, model));
    ASSIGN_OR_RETURN(Weights weights, FairseqWeights(checkpoint));
    RETURN_IF_ERROR(BuildPass<FairseqConformer>(
        checkpoint.path(), model, MaskConvention::kPadding, ShapeOf(build.arch),
        build.arch, build.has_projection, std::move(weights)));
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
        LoadedModelOf(arch, files.hf_class->hf_class, kModelType);
    model.normalize = files.normalize;
    ASSIGN_OR_RETURN(std::optional<Weights> weights,
                     LoadHfWeights(model_dir, HfStateDict(arch), model));
    // transformers would run on random weights: no pass to compare.
    if (!weights.has_value()) return model;
    RETURN_IF_ERROR(BuildPass<HfConformer>(
        model_dir, model, MaskConvention::kAttention, ShapeOf(arch), arch,
        files.activations, std::move(*weights)));
    return model;
  }
};

FAIRPORT_REGISTER_FORWARD_FAMILY(ConformerForward);

}  // namespace
}  // namespace fairport::wav2vec2_conformer
