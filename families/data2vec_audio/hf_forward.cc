// transformers' Data2VecAudioModel / Data2VecAudioForCTC forward pass.
#include <limits>

#include "absl/strings/str_cat.h"
#include "families/data2vec_audio/forward.h"

namespace fairport::data2vec_audio {

HfData2VecAudio::HfData2VecAudio(Architecture arch, Weights weights)
    : arch_(std::move(arch)),
      weights_(std::move(weights)),
      prefix_(arch_.ctc ? "data2vec_audio." : "") {}

const torch::Tensor& HfData2VecAudio::W(const std::string& name) const {
  auto it = weights_.find(name);
  TORCH_CHECK(it != weights_.end(), "HF weight '", name, "' is missing");
  return it->second;
}

// Data2VecAudioEncoderLayer (the Wav2Vec2EncoderLayer, post-LN) on (B, T, C).
torch::Tensor HfData2VecAudio::Layer(int64_t l, const torch::Tensor& h,
                                     const torch::Tensor& additive_mask) const {
  const std::string p = absl::StrCat(prefix_, "encoder.layers.", l, ".");
  const int64_t B = h.size(0), T = h.size(1), C = h.size(2);
  const int64_t H = arch_.num_attention_heads, hd = C / H;
  const double scaling = std::pow(static_cast<double>(hd), -0.5);
  auto shape = [&](const torch::Tensor& t) {
    return t.view({B, T, H, hd})
        .transpose(1, 2)
        .contiguous()
        .view({B * H, T, hd});
  };
  torch::Tensor q = shape(torch::linear(h, W(p + "attention.q_proj.weight"),
                                        W(p + "attention.q_proj.bias")) *
                          scaling);
  torch::Tensor k = shape(torch::linear(h, W(p + "attention.k_proj.weight"),
                                        W(p + "attention.k_proj.bias")));
  torch::Tensor v = shape(torch::linear(h, W(p + "attention.v_proj.weight"),
                                        W(p + "attention.v_proj.bias")));
  torch::Tensor weights = torch::bmm(q, k.transpose(1, 2));
  if (additive_mask.defined())
    weights = (weights.view({B, H, T, T}) + additive_mask).view({B * H, T, T});
  weights = torch::softmax(weights, -1);
  torch::Tensor attn = torch::bmm(weights, v)
                           .view({B, H, T, hd})
                           .transpose(1, 2)
                           .reshape({B, T, C});
  attn = torch::linear(attn, W(p + "attention.out_proj.weight"),
                       W(p + "attention.out_proj.bias"));
  torch::Tensor x =
      torch::layer_norm(h + attn, {C}, W(p + "layer_norm.weight"),
                        W(p + "layer_norm.bias"), arch_.layer_norm_eps);
  torch::Tensor ff = torch::gelu(
      torch::linear(x, W(p + "feed_forward.intermediate_dense.weight"),
                    W(p + "feed_forward.intermediate_dense.bias")));
  ff = torch::linear(ff, W(p + "feed_forward.output_dense.weight"),
                     W(p + "feed_forward.output_dense.bias"));
  return torch::layer_norm(x + ff, {C}, W(p + "final_layer_norm.weight"),
                           W(p + "final_layer_norm.bias"),
                           arch_.layer_norm_eps);
}

ForwardOutput HfData2VecAudio::Forward(
    const torch::Tensor& input_values,
    const torch::Tensor& attention_mask) const {
  torch::NoGradGuard no_grad;
  const std::string& p = prefix_;
  const double eps = arch_.layer_norm_eps;
  // Data2VecAudioFeatureEncoder: conv -> LayerNorm over channels -> GELU.
  torch::Tensor h = input_values.unsqueeze(1);
  for (size_t i = 0; i < arch_.conv_dim.size(); ++i) {
    const std::string l =
        absl::StrCat(p, "feature_extractor.conv_layers.", i, ".");
    torch::Tensor bias = arch_.conv_bias ? W(l + "conv.bias") : torch::Tensor();
    h = torch::conv1d(h, W(l + "conv.weight"), bias, arch_.conv_stride[i]);
    h = torch::layer_norm(h.transpose(-2, -1), {h.size(1)},
                          W(l + "layer_norm.weight"), W(l + "layer_norm.bias"),
                          eps)
            .transpose(-2, -1);
    h = torch::gelu(h);
  }
  h = h.transpose(1, 2);
  const int64_t B = h.size(0), T = h.size(1);

  // _get_feature_vector_attention_mask.
  torch::Tensor mask;
  torch::Tensor lengths = torch::full({B}, T, torch::kLong);
  if (attention_mask.defined()) {
    lengths = attention_mask.sum(-1).to(torch::kLong);
    for (size_t i = 0; i < arch_.conv_kernel.size(); ++i) {
      lengths = torch::div(lengths - arch_.conv_kernel[i], arch_.conv_stride[i],
                           "floor") +
                1;
    }
    mask = torch::zeros({B, T}, h.options());
    mask.index_put_({torch::arange(B), lengths - 1}, 1);
    mask = mask.flip({-1}).cumsum(-1).flip({-1}).to(torch::kBool);
  }

  // Data2VecAudioFeatureProjection: LayerNorm -> projection.
  h = torch::layer_norm(h, {h.size(-1)},
                        W(p + "feature_projection.layer_norm.weight"),
                        W(p + "feature_projection.layer_norm.bias"), eps);
  h = torch::linear(h, W(p + "feature_projection.projection.weight"),
                    W(p + "feature_projection.projection.bias"));

  // Data2VecAudioEncoder.
  torch::Tensor additive_mask;
  if (mask.defined()) {
    h = h.masked_fill(~mask.unsqueeze(-1), 0);
    additive_mask = (1.0 - mask.to(h.dtype()).unsqueeze(1).unsqueeze(2)) *
                    std::numeric_limits<float>::lowest();
  }
  torch::Tensor pos = h.transpose(1, 2);
  const int64_t K = arch_.conv_pos_kernel_size;
  for (int64_t j = 0; j < arch_.num_conv_pos_embeddings; ++j) {
    const std::string l =
        absl::StrCat(p, "encoder.pos_conv_embed.layers.", j, ".conv.");
    pos = torch::conv1d(pos, W(l + "weight"), W(l + "bias"), 1, K / 2, 1,
                        arch_.num_conv_pos_embedding_groups);
    if (K % 2 == 0) pos = pos.slice(2, 0, -1);  // Data2VecAudioPadLayer
    pos = torch::layer_norm(pos.transpose(1, 2), {pos.size(1)}, {}, {}, eps)
              .transpose(1, 2);
    pos = torch::gelu(pos);
  }
  h = h + pos.transpose(1, 2);
  h = torch::layer_norm(h, {h.size(-1)}, W(p + "encoder.layer_norm.weight"),
                        W(p + "encoder.layer_norm.bias"), eps);
  ForwardOutput out;
  for (int64_t l = 0; l < arch_.num_hidden_layers; ++l) {
    h = Layer(l, h, additive_mask);
    out.layers.push_back(h);
  }
  if (arch_.ctc) h = torch::linear(h, W("lm_head.weight"), W("lm_head.bias"));
  out.output = h;
  out.valid_frames = lengths;
  return out;
}

}  // namespace fairport::data2vec_audio
