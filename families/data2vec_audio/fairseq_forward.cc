// fairseq's data2vec-audio forward pass, module by module, on the valid
// frames of each utterance only (see forward.h).
#include "ATen/TensorOperators.h"
#include "ATen/core/grad_mode.h"
#include "ATen/ops/full.h"
#include "ATen/ops/layer_norm.h"
#include "ATen/ops/linear.h"
#include "absl/strings/str_cat.h"
#include "families/common/conv_layers.h"
#include "families/common/passes/encoder_layers.h"
#include "families/data2vec_audio/forward.h"
#include "ops/activation.h"
#include "ops/packed.h"

namespace fairport::data2vec_audio {
namespace {

constexpr double kEps = 1e-5;

// fairseq's Fp32LayerNorm: computed in float32, cast back.
at::Tensor LayerNorm(const at::Tensor& x, const at::Tensor& w,
                     const at::Tensor& b) {
  return at::layer_norm(x.to(at::kFloat), {x.size(-1)}, w, b, kEps).type_as(x);
}

}  // namespace

FairseqData2VecAudio::FairseqData2VecAudio(Architecture arch,
                                           ops::Activation activation_fn,
                                           Weights weights)
    : arch_(std::move(arch)),
      activation_fn_(activation_fn),
      w_(std::move(weights), "fairseq"),
      prefix_(arch_.ctc ? "w2v_encoder.w2v_model." : "") {
  for (size_t i = 0; i < arch_.conv_dim.size(); ++i) {
    const std::string l =
        absl::StrCat(prefix_, "feature_extractor.conv_layers.", i, ".0.");
    feature_convs_.emplace_back(w_(l + "weight"),
                                arch_.conv_bias ? w_(l + "bias") : at::Tensor(),
                                arch_.conv_stride[i]);
  }
  for (int64_t j = 0; j < arch_.num_conv_pos_embeddings; ++j) {
    const std::string l = absl::StrCat(prefix_, "encoder.pos_conv.", j, ".0.");
    pos_convs_.emplace_back(w_(l + "weight"), w_(l + "bias"),
                            arch_.conv_pos_kernel_size / 2,
                            arch_.num_conv_pos_embedding_groups);
  }
}

ForwardOutput FairseqData2VecAudio::Forward(const at::Tensor& source,
                                            const at::Tensor& padding_mask,
                                            bool with_stages) const {
  at::NoGradGuard no_grad;
  const std::string& p = prefix_;
  const int64_t B = source.size(0),
                T = PaddedBatchFrames(arch_.conv_kernel, arch_.conv_stride,
                                      source.size(1));

  // Data2VecAudioModel.forward: frames per utterance from its samples, by
  // _get_feat_extract_output_lengths (float floor), when there is padding.
  at::Tensor samples = at::full({B}, source.size(1), at::kLong);
  at::Tensor lengths = at::full({B}, T, at::kLong);
  if (padding_mask.defined() && padding_mask.any().item<bool>()) {
    samples = (~padding_mask).sum(-1);
    lengths =
        FairseqOutputLengths(samples, arch_.conv_kernel, arch_.conv_stride);
  }
  ops::Packing packing(std::vector<int64_t>(lengths.data_ptr<int64_t>(),
                                            lengths.data_ptr<int64_t>() + B));
  ForwardOutput out;
  const StageRecorder stage(with_stages, packing, T, out);

  // ConvFeatureExtractionModel, extractor_mode=layer_norm: Conv1d ->
  // Dropout -> Sequential(TransposeLast, Fp32LayerNorm, TransposeLast) ->
  // GELU, each utterance on its own samples (a valid frame sees no padding).
  std::vector<at::Tensor> features;
  for (int64_t b = 0; b < B; ++b) {
    at::Tensor x =
        source[b].narrow(0, 0, samples[b].item<int64_t>()).unsqueeze(1);
    for (size_t i = 0; i < arch_.conv_dim.size(); ++i) {
      const std::string l =
          absl::StrCat(p, "feature_extractor.conv_layers.", i, ".");
      const at::Tensor& ln_w = w_(l + "2.1.weight");
      const at::Tensor& ln_b = w_(l + "2.1.bias");
      // Float32 already (the passes' weights are), so Fp32LayerNorm's
      // casts are no-ops here.
      x = feature_convs_[i](x, [&](at::Tensor& chunk) {
        ops::LayerNormThenActivateInPlace(ops::Activation::kGelu, chunk, ln_w,
                                          ln_b, kEps);
      });
    }
    features.push_back(x.narrow(0, 0, packing.length(b)));
  }
  at::Tensor x = packing.Pack(features);
  stage(kFeatureExtractorStage, x);
  x = LayerNorm(x, w_(p + "layer_norm.weight"), w_(p + "layer_norm.bias"));
  x = at::linear(x, w_(p + "post_extract_proj.weight"),
                 w_(p + "post_extract_proj.bias"));
  stage(kFeatureProjectionStage, x);

  // TransformerEncoder.extract_features: padded frames zeroed, then
  // pos_conv, a stack of Conv1d -> SamePad -> LayerNorm -> GELU over the
  // padded batch; its frames past an utterance are no longer zero after the
  // first layer, and (layers - 1) * K/2 of them reach the utterance's last
  // frames.
  const int64_t K = arch_.conv_pos_kernel_size;
  auto pos_conv = [&](const at::Tensor& rows) {
    at::Tensor pos = rows;
    for (const ops::ChannelsLastGroupedConv1d& conv : pos_convs_) {
      pos = conv(pos.unsqueeze(0))[0];
      // SamePad drops the last frame of an even kernel.
      if (K % 2 == 0) pos = pos.narrow(0, 0, pos.size(0) - 1);
      ops::LayerNormThenActivateInPlace(ops::Activation::kGelu, pos,
                                        at::Tensor(), at::Tensor(), kEps);
    }
    return pos;
  };
  std::vector<at::Tensor> pos;
  for (size_t b = 0; b < packing.size(); ++b) {
    pos.push_back(ops::AsInPaddedBatch(
        packing.Rows(x, b), T, (arch_.num_conv_pos_embeddings - 1) * (K / 2),
        pos_conv));
  }
  x = x + packing.Pack(pos);
  x = LayerNorm(x, w_(p + "encoder.layer_norm.weight"),
                w_(p + "encoder.layer_norm.bias"));
  stage(kEncoderInputStage, x);

  // The layers (pad_to_multiple only adds masked frames, which no valid
  // frame attends to).
  for (int64_t l = 0; l < arch_.num_hidden_layers; ++l) {
    x = FairseqEncoderLayer(w_, absl::StrCat(p, "encoder.layers.", l, "."),
                            arch_.num_attention_heads, activation_fn_,
                            /*layer_norm_first=*/false, x, packing);
    stage(EncoderLayerStage(l + 1), x);
  }
  if (arch_.ctc) {
    // Wav2VecEncoder: final_dropout (eval: identity) -> proj.
    x = at::linear(x, w_("w2v_encoder.proj.weight"),
                   w_("w2v_encoder.proj.bias"));
  }
  out.output = packing.Pad(x, T);
  out.valid_frames = lengths;
  return out;
}

}  // namespace fairport::data2vec_audio
