// transformers' Wav2Vec2Model / HubertModel forward pass (with the ForCTC
// head; ForPreTraining runs as its base model), on the valid frames of each
// utterance only (see forward.h).
#include "ATen/TensorOperators.h"
#include "ATen/core/grad_mode.h"
#include "ATen/ops/full.h"
#include "ATen/ops/layer_norm.h"
#include "ATen/ops/linear.h"
#include "ATen/ops/relu.h"
#include "absl/strings/str_cat.h"
#include "families/common/conv_layers.h"
#include "families/common/passes/encoder_layers.h"
#include "families/wav2vec2_encoder/forward.h"
#include "ops/activation.h"
#include "ops/packed.h"

namespace fairport::wav2vec2_encoder {
namespace {

// The weight-normed positional conv's (g, v) under either spelling.
at::Tensor PosConvWeight(const Weights& weights, const std::string& conv) {
  for (const auto& [g, v] :
       {std::pair<std::string, std::string>{"weight_g", "weight_v"},
        {"parametrizations.weight.original0",
         "parametrizations.weight.original1"}}) {
    auto gi = weights.find(conv + g), vi = weights.find(conv + v);
    if (gi != weights.end() && vi != weights.end())
      return WeightNormWeight(gi->second, vi->second);
  }
  TORCH_CHECK(false, "HF weight '", conv, "weight_g' / '", conv,
              "weight_v' is missing");
}

}  // namespace

HfWav2Vec2::HfWav2Vec2(Architecture arch, Activations activations,
                       Weights weights)
    : arch_(std::move(arch)),
      activations_(activations),
      w_(std::move(weights), "HF"),
      prefix_(arch_.hf_prefix()),
      extractor_(w_, prefix_,
                 {arch_.conv_dim, arch_.conv_kernel, arch_.conv_stride,
                  arch_.conv_bias, arch_.group_norm},
                 activations_.feature),
      pos_conv_(
          PosConvWeight(w_.all(), prefix_ + "encoder.pos_conv_embed.conv."),
          w_(prefix_ + "encoder.pos_conv_embed.conv.bias"),
          arch_.pos_conv_kernel / 2, arch_.pos_conv_groups) {
  if (arch_.ctc)
    w_.CheckShape("lm_head.weight", {arch_.vocab_size, arch_.hidden_size});
  if (arch_.classification) {
    w_.CheckShape("projector.weight",
                  {arch_.classifier_proj_size, arch_.hidden_size});
    w_.CheckShape("classifier.weight",
                  {arch_.num_labels, arch_.classifier_proj_size});
  }
}

ForwardOutput HfWav2Vec2::Forward(const at::Tensor& input_values,
                                  const at::Tensor& attention_mask,
                                  bool with_stages) const {
  at::NoGradGuard no_grad;
  const std::string& p = prefix_;
  const double eps = arch_.layer_norm_eps;
  const int64_t B = input_values.size(0), L = input_values.size(1);

  // _get_feature_vector_attention_mask: _get_feat_extract_output_lengths
  // of the attention mask's sums.
  const at::Tensor lengths = HfOutputLengths(
      attention_mask.defined() ? attention_mask.sum(-1).to(at::kLong)
                               : at::full({B}, L, at::kLong),
      arch_.conv_kernel, arch_.conv_stride);
  const int64_t T = PaddedBatchFrames(arch_.conv_kernel, arch_.conv_stride, L);
  ops::Packing packing(std::vector<int64_t>(lengths.data_ptr<int64_t>(),
                                            lengths.data_ptr<int64_t>() + B));
  ForwardOutput out;
  const StageRecorder stage(with_stages, packing, T, out);

  // Wav2Vec2FeatureEncoder over the padded batch (it takes no mask), for
  // the frames each utterance's valid frames need.
  at::Tensor h = packing.Pack(extractor_(input_values, packing));
  stage(kFeatureExtractorStage, h);
  // Wav2Vec2FeatureProjection / HubertFeatureProjection: (LayerNorm) ->
  // projection.
  if (arch_.feat_proj_layer_norm) {
    h = at::layer_norm(h, {h.size(1)},
                       w_(p + "feature_projection.layer_norm.weight"),
                       w_(p + "feature_projection.layer_norm.bias"), eps);
  }
  h = at::linear(h, w_(p + "feature_projection.projection.weight"),
                 w_(p + "feature_projection.projection.bias"));
  stage(kFeatureProjectionStage, h);

  // Wav2Vec2Encoder(StableLayerNorm): padded states zeroed, then
  // Wav2Vec2PositionalConvEmbedding (weight-normed conv -> SamePadLayer ->
  // feat_extract_activation) over the padded batch, added.
  auto pos_conv_embed = [&](const at::Tensor& states) {
    at::Tensor pos = pos_conv_(states.unsqueeze(0))[0];
    if (arch_.pos_conv_kernel % 2 == 0)  // Wav2Vec2SamePadLayer
      pos = pos.narrow(0, 0, pos.size(0) - 1);
    ops::ActivateInPlace(activations_.feature, pos);
    return pos;
  };
  std::vector<at::Tensor> pos;
  for (size_t b = 0; b < packing.size(); ++b)
    pos.push_back(
        ops::AsInPaddedBatch(packing.Rows(h, b), T, 0, pos_conv_embed));
  h = h + packing.Pack(pos);
  const at::Tensor& enc_w = w_(p + "encoder.layer_norm.weight");
  const at::Tensor& enc_b = w_(p + "encoder.layer_norm.bias");
  if (!arch_.stable_layer_norm)
    h = at::layer_norm(h, {h.size(-1)}, enc_w, enc_b, eps);
  stage(kEncoderInputStage, h);
  for (int64_t l = 0; l < arch_.num_hidden_layers; ++l) {
    const std::string layer = absl::StrCat(p, "encoder.layers.", l, ".");
    h = HfEncoderLayer(w_, layer, arch_.num_attention_heads,
                       activations_.hidden, eps, arch_.stable_layer_norm, h,
                       packing);
    if (arch_.adapter_attn_dim > 0 && arch_.stable_layer_norm) {
      // Wav2Vec2EncoderLayerStableLayerNorm (modeling:737-738) adds
      // Wav2Vec2AttnAdapterLayer (modeling:1039-1061): nn.LayerNorm (eps
      // 1e-5, not config.layer_norm_eps) -> linear_1 -> ReLU -> linear_2.
      const std::string a = layer + "adapter_layer.";
      at::Tensor x = at::layer_norm(h, {h.size(-1)}, w_(a + "norm.weight"),
                                    w_(a + "norm.bias"), 1e-5);
      x = at::relu(
          at::linear(x, w_(a + "linear_1.weight"), w_(a + "linear_1.bias")));
      h = h + at::linear(x, w_(a + "linear_2.weight"), w_(a + "linear_2.bias"));
    }
    stage(EncoderLayerStage(l + 1), h);
  }
  if (arch_.stable_layer_norm)
    h = at::layer_norm(h, {h.size(-1)}, enc_w, enc_b, eps);
  if (arch_.ctc) h = at::linear(h, w_("lm_head.weight"), w_("lm_head.bias"));
  if (arch_.classification) {
    // Wav2Vec2ForSequenceClassification (use_weighted_layer_sum false):
    // projector on every frame, padded frames 0, the sum over the valid
    // frames' count, classifier.
    at::Tensor states = packing.Pad(
        at::linear(h, w_("projector.weight"), w_("projector.bias")), T);
    at::Tensor pooled =
        states.sum(1) / lengths.unsqueeze(1).to(states.scalar_type());
    out.output =
        at::linear(pooled, w_("classifier.weight"), w_("classifier.bias"));
  } else {
    out.output = packing.Pad(h, T);
  }
  out.valid_frames = lengths;
  return out;
}

}  // namespace fairport::wav2vec2_encoder
