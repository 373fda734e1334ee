// transformers' Data2VecAudioModel / Data2VecAudioForCTC forward pass, on
// the valid frames of each utterance only (see forward.h).
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

// nn.LayerNorm's default, which Data2VecAudioConvLayer and
// Data2VecAudioPositionalConvLayer keep; config.layer_norm_eps applies to
// the feature projection and the encoder only.
constexpr double kTorchLayerNormEps = 1e-5;

}  // namespace

HfData2VecAudio::HfData2VecAudio(Architecture arch, Activations activations,
                                 Weights weights)
    : arch_(std::move(arch)),
      activations_(activations),
      w_(std::move(weights), "HF"),
      prefix_(arch_.ctc ? "data2vec_audio." : "") {
  for (size_t i = 0; i < arch_.conv_dim.size(); ++i) {
    const std::string l =
        absl::StrCat(prefix_, "feature_extractor.conv_layers.", i, ".conv.");
    feature_convs_.emplace_back(w_(l + "weight"),
                                arch_.conv_bias ? w_(l + "bias") : at::Tensor(),
                                arch_.conv_stride[i]);
  }
  for (int64_t j = 0; j < arch_.num_conv_pos_embeddings; ++j) {
    const std::string l =
        absl::StrCat(prefix_, "encoder.pos_conv_embed.layers.", j, ".conv.");
    pos_convs_.emplace_back(w_(l + "weight"), w_(l + "bias"),
                            arch_.conv_pos_kernel_size / 2,
                            arch_.num_conv_pos_embedding_groups);
  }
  if (arch_.ctc)
    w_.CheckShape("lm_head.weight", {arch_.vocab_size, arch_.hidden_size});
}

ForwardOutput HfData2VecAudio::Forward(const at::Tensor& input_values,
                                       const at::Tensor& attention_mask,
                                       bool with_stages) const {
  at::NoGradGuard no_grad;
  const std::string& p = prefix_;
  const double eps = arch_.layer_norm_eps;
  const int64_t B = input_values.size(0);

  // _get_feat_extract_output_lengths on the attention mask's sums; the
  // padded batch's own length gives the frames of the outputs.
  at::Tensor samples = attention_mask.defined()
                           ? attention_mask.sum(-1).to(at::kLong)
                           : at::full({B}, input_values.size(1), at::kLong);
  const at::Tensor lengths =
      HfOutputLengths(samples, arch_.conv_kernel, arch_.conv_stride);
  const int64_t T = PaddedBatchFrames(arch_.conv_kernel, arch_.conv_stride,
                                      input_values.size(1));
  ops::Packing packing(std::vector<int64_t>(lengths.data_ptr<int64_t>(),
                                            lengths.data_ptr<int64_t>() + B));
  ForwardOutput out;
  const StageRecorder stage(with_stages, packing, T, out);

  // Data2VecAudioFeatureEncoder: Data2VecAudioConvLayer = conv -> LayerNorm
  // over channels -> GELU, each utterance on its own samples.
  std::vector<at::Tensor> features;
  for (int64_t b = 0; b < B; ++b) {
    at::Tensor h =
        input_values[b].narrow(0, 0, samples[b].item<int64_t>()).unsqueeze(1);
    for (size_t i = 0; i < arch_.conv_dim.size(); ++i) {
      const std::string l =
          absl::StrCat(p, "feature_extractor.conv_layers.", i, ".");
      const at::Tensor& norm_w = w_(l + "layer_norm.weight");
      const at::Tensor& norm_b = w_(l + "layer_norm.bias");
      h = feature_convs_[i](h, [&](at::Tensor& chunk) {
        ops::LayerNormThenActivateInPlace(activations_.feature, chunk, norm_w,
                                          norm_b, kTorchLayerNormEps);
      });
    }
    features.push_back(h);
  }

  // Data2VecAudioFeatureProjection: LayerNorm -> projection.
  at::Tensor h = packing.Pack(features);
  stage(kFeatureExtractorStage, h);
  h = at::layer_norm(h, {h.size(1)},
                     w_(p + "feature_projection.layer_norm.weight"),
                     w_(p + "feature_projection.layer_norm.bias"), eps);
  h = at::linear(h, w_(p + "feature_projection.projection.weight"),
                 w_(p + "feature_projection.projection.bias"));
  stage(kFeatureProjectionStage, h);

  // Data2VecAudioEncoder: padded states zeroed, then
  // Data2VecAudioPositionalConvEmbedding over the padded batch, whose
  // layers (conv -> pad layer -> LayerNorm -> GELU) reach K/2 frames each
  // into the padding, which is no longer zero after the first.
  const int64_t K = arch_.conv_pos_kernel_size;
  auto pos_conv_embed = [&](const at::Tensor& states) {
    at::Tensor pos = states;
    for (const ops::ChannelsLastGroupedConv1d& conv : pos_convs_) {
      pos = conv(pos.unsqueeze(0))[0];
      if (K % 2 == 0)  // Data2VecAudioPadLayer
        pos = pos.narrow(0, 0, pos.size(0) - 1);
      // LayerNorm without affine parameters, then the activation.
      ops::LayerNormThenActivateInPlace(activations_.feature, pos, at::Tensor(),
                                        at::Tensor(), kTorchLayerNormEps);
    }
    return pos;
  };
  std::vector<at::Tensor> pos;
  for (size_t b = 0; b < packing.size(); ++b) {
    pos.push_back(ops::AsInPaddedBatch(
        packing.Rows(h, b), T, (arch_.num_conv_pos_embeddings - 1) * (K / 2),
        pos_conv_embed));
  }
  h = h + packing.Pack(pos);
  h = at::layer_norm(h, {h.size(-1)}, w_(p + "encoder.layer_norm.weight"),
                     w_(p + "encoder.layer_norm.bias"), eps);
  stage(kEncoderInputStage, h);
  for (int64_t l = 0; l < arch_.num_hidden_layers; ++l) {
    h = HfEncoderLayer(w_, absl::StrCat(p, "encoder.layers.", l, "."),
                       arch_.num_attention_heads, activations_.hidden, eps,
                       /*stable=*/false, h, packing);
    stage(EncoderLayerStage(l + 1), h);
  }
  if (arch_.ctc) h = at::linear(h, w_("lm_head.weight"), w_("lm_head.bias"));
  out.output = packing.Pad(h, T);
  out.valid_frames = lengths;
  return out;
}

}  // namespace fairport::data2vec_audio
