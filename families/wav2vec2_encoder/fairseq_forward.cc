// fairseq's wav2vec 2.0 / HuBERT forward pass, module by module, on the
// valid frames of each utterance only (see forward.h).
#include "ATen/TensorOperators.h"
#include "ATen/core/grad_mode.h"
#include "ATen/ops/full.h"
#include "ATen/ops/layer_norm.h"
#include "ATen/ops/linear.h"
#include "absl/strings/str_cat.h"
#include "families/common/conv_layers.h"
#include "families/common/passes/encoder_layers.h"
#include "families/wav2vec2_encoder/forward.h"
#include "ops/activation.h"
#include "ops/packed.h"

namespace fairport::wav2vec2_encoder {
namespace {

constexpr double kEps = 1e-5;  // fairseq's LayerNorm / Fp32GroupNorm

at::Tensor LayerNorm(const at::Tensor& x, const at::Tensor& w,
                     const at::Tensor& b) {
  return at::layer_norm(x, {x.size(-1)}, w, b, kEps);
}

}  // namespace

at::Tensor WeightNormWeight(const at::Tensor& g, const at::Tensor& v) {
  return v * (g / v.norm(c10::Scalar(2), at::IntArrayRef{0, 1},
                         /*keepdim=*/true));
}

FairseqWav2Vec2::FairseqWav2Vec2(Architecture arch, Options options,
                                 Weights weights)
    : arch_(std::move(arch)),
      options_(options),
      w_(std::move(weights), "fairseq"),
      prefix_(arch_.ctc || arch_.classification ? "w2v_encoder.w2v_model."
                                                : ""),
      extractor_(w_, prefix_,
                 {arch_.conv_dim, arch_.conv_kernel, arch_.conv_stride,
                  arch_.conv_bias, arch_.group_norm}),
      pos_conv_(WeightNormWeight(w_(prefix_ + "encoder.pos_conv.0.weight_g"),
                                 w_(prefix_ + "encoder.pos_conv.0.weight_v")),
                w_(prefix_ + "encoder.pos_conv.0.bias"),
                arch_.pos_conv_kernel / 2, arch_.pos_conv_groups) {}

ForwardOutput FairseqWav2Vec2::Forward(const at::Tensor& source,
                                       const at::Tensor& padding_mask,
                                       bool with_stages) const {
  at::NoGradGuard no_grad;
  const std::string& p = prefix_;
  const int64_t B = source.size(0), L = source.size(1);
  const int64_t T = PaddedBatchFrames(arch_.conv_kernel, arch_.conv_stride, L);

  // The frame padding mask. Wav2Vec2Model: by _get_feat_extract_output_lengths
  // of the valid samples, when any sample is padding. HubertModel
  // (forward_padding_mask): the sample mask trimmed to a multiple of T,
  // viewed as (B, T, L // T), a frame padded when ALL its samples are.
  at::Tensor lengths = at::full({B}, T, at::kLong);
  if (padding_mask.defined() &&
      arch_.flavor->fairseq_frames == FairseqFrames::kAllSamplesPadded) {
    const int64_t per_frame = L / T;
    lengths = (~padding_mask.narrow(1, 0, T * per_frame)
                    .reshape({B, T, per_frame})
                    .all(-1))
                  .sum(-1)
                  .to(at::kLong);
  } else if (padding_mask.defined() && padding_mask.any().item<bool>()) {
    lengths = FairseqOutputLengths((~padding_mask).sum(-1), arch_.conv_kernel,
                                   arch_.conv_stride);
  }
  ops::Packing packing(std::vector<int64_t>(lengths.data_ptr<int64_t>(),
                                            lengths.data_ptr<int64_t>() + B));
  ForwardOutput out;
  const StageRecorder stage(with_stages, packing, T, out);

  // ConvFeatureExtractionModel over the padded batch, computed for the
  // frames each utterance's valid frames need.
  at::Tensor x = packing.Pack(extractor_(source, packing));
  stage(kFeatureExtractorStage, x);
  x = LayerNorm(x, w_(p + "layer_norm.weight"), w_(p + "layer_norm.bias"));
  if (options_.has_projection) {
    x = at::linear(x, w_(p + "post_extract_proj.weight"),
                   w_(p + "post_extract_proj.bias"));
  }
  stage(kFeatureProjectionStage, x);

  // TransformerEncoder.extract_features: padded frames zeroed, then
  // pos_conv = weight-normed Conv1d(K, padding K // 2, groups) -> SamePad
  // -> GELU over the padded batch, added to the input.
  auto pos_conv = [&](const at::Tensor& rows) {
    at::Tensor pos = pos_conv_(rows.unsqueeze(0))[0];
    if (arch_.pos_conv_kernel % 2 == 0)  // SamePad
      pos = pos.narrow(0, 0, pos.size(0) - 1);
    ops::ActivateInPlace(ops::Activation::kGelu, pos);
    return pos;
  };
  std::vector<at::Tensor> pos;
  for (size_t b = 0; b < packing.size(); ++b)
    pos.push_back(ops::AsInPaddedBatch(packing.Rows(x, b), T, 0, pos_conv));
  x = x + packing.Pack(pos);
  const at::Tensor& enc_w = w_(p + "encoder.layer_norm.weight");
  const at::Tensor& enc_b = w_(p + "encoder.layer_norm.bias");
  if (!arch_.stable_layer_norm) x = LayerNorm(x, enc_w, enc_b);
  stage(kEncoderInputStage, x);

  size_t next_adapter = 0;
  for (int64_t l = 0; l < arch_.num_hidden_layers; ++l) {
    const std::string layer = absl::StrCat(p, "encoder.layers.", l, ".");
    x = FairseqEncoderLayer(w_, layer, arch_.num_attention_heads,
                            options_.activation_fn, arch_.stable_layer_norm, x,
                            packing);
    if (next_adapter < arch_.adapter_layers.size() &&
        arch_.adapter_layers[next_adapter] == l) {
      // TransformerSentenceEncoderWithAdapterLayer (wav2vec2.py:1478-1500):
      // the layer's output (after final_layer_norm when post-LN) plus
      // AdapterFast of it, F.layer_norm's eps 1e-5.
      const std::string a = layer + "adapter_layer.";
      at::Tensor h = LayerNorm(x, w_(a + "ln_W"), w_(a + "ln_b"));
      h = ops::Activate(options_.adapter_activation,
                        at::linear(h, w_(a + "W_a"), w_(a + "b_a")));
      x = x + at::linear(h, w_(a + "W_b"), w_(a + "b_b"));
      ++next_adapter;
    }
    stage(EncoderLayerStage(l + 1), x);
  }
  // TransformerEncoder.forward: layer_norm_first normalises after the
  // last layer.
  if (arch_.stable_layer_norm) x = LayerNorm(x, enc_w, enc_b);
  if (arch_.ctc) {
    // Wav2VecEncoder / HubertEncoder: final_dropout (eval: identity) -> proj.
    x = at::linear(x, w_("w2v_encoder.proj.weight"),
                   w_("w2v_encoder.proj.bias"));
  }
  if (arch_.classification) {
    // Wav2VecClassification -> MeanPoolingFast (wav2vec2_classification.py:
    // 213-226): linear on every frame, the mean over the valid frames
    // (fn_mean), activation_fn, projection.
    at::Tensor feat =
        packing.Pad(at::linear(x, w_("pooling_layer.linear.weight"),
                               w_("pooling_layer.linear.bias")),
                    T);
    feat = feat.sum(1) / lengths.unsqueeze(1).to(feat.scalar_type());
    feat = ops::Activate(options_.pooling_activation, feat);
    out.output = at::linear(feat, w_("pooling_layer.projection.weight"),
                            w_("pooling_layer.projection.bias"));
  } else {
    out.output = packing.Pad(x, T);
  }
  out.valid_frames = lengths;
  return out;
}

}  // namespace fairport::wav2vec2_encoder
