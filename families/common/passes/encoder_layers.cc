#include "families/common/passes/encoder_layers.h"

#include <cmath>

#include "families/common/conv_layers.h"

namespace fairport {

const torch::Tensor& NamedWeights::operator()(const std::string& name) const {
  auto it = weights_.find(name);
  TORCH_CHECK(it != weights_.end(), side_, " weight '", name, "' is missing");
  return it->second;
}

void NamedWeights::CheckShape(const std::string& name,
                              c10::IntArrayRef shape) const {
  const torch::Tensor& t = (*this)(name);
  TORCH_CHECK(t.sizes() == shape, side_, " weight '", name, "' has shape ",
              t.sizes(), ", not ", shape);
}

torch::Tensor FairseqOutputLengths(torch::Tensor lengths,
                                   const std::vector<int64_t>& kernels,
                                   const std::vector<int64_t>& strides) {
  for (size_t i = 0; i < kernels.size(); ++i) {
    lengths =
        torch::floor((lengths - kernels[i]).to(torch::kFloat) / strides[i] + 1)
            .to(torch::kLong)
            .clamp_min(0);
  }
  return lengths;
}

torch::Tensor HfOutputLengths(torch::Tensor lengths,
                              const std::vector<int64_t>& kernels,
                              const std::vector<int64_t>& strides) {
  for (size_t i = 0; i < kernels.size(); ++i) {
    lengths = (torch::div(lengths - kernels[i], strides[i], "floor") + 1)
                  .clamp_min(0);
  }
  return lengths;
}

int64_t PaddedBatchFrames(const std::vector<int64_t>& kernels,
                          const std::vector<int64_t>& strides,
                          int64_t samples) {
  const int64_t frames = ConvOutputFrames(kernels, strides, samples);
  TORCH_CHECK(frames > 0, samples, " samples make no frame (the conv ",
              "feature extractor needs ", ConvReceptiveField(kernels, strides),
              ")");
  return frames;
}

torch::Tensor FairseqEncoderLayer(const NamedWeights& w, const std::string& p,
                                  int64_t heads, ops::Activation activation_fn,
                                  bool layer_norm_first, const torch::Tensor& x,
                                  const ops::Packing& packing) {
  constexpr double kEps = 1e-5;  // fairseq's LayerNorm
  const int64_t hd = x.size(1) / heads;
  const double scaling = std::pow(static_cast<double>(hd), -0.5);
  auto self_attn = [&](const torch::Tensor& in) {
    torch::Tensor q = torch::linear(in, w(p + "self_attn.q_proj.weight"),
                                    w(p + "self_attn.q_proj.bias"))
                          .mul_(scaling);
    torch::Tensor k = torch::linear(in, w(p + "self_attn.k_proj.weight"),
                                    w(p + "self_attn.k_proj.bias"));
    torch::Tensor v = torch::linear(in, w(p + "self_attn.v_proj.weight"),
                                    w(p + "self_attn.v_proj.bias"));
    return torch::linear(ops::SegmentAttention(q, k, v, packing, heads),
                         w(p + "self_attn.out_proj.weight"),
                         w(p + "self_attn.out_proj.bias"));
  };
  auto ffn = [&](const torch::Tensor& in) {
    torch::Tensor h = ops::Activate(
        activation_fn,
        torch::linear(in, w(p + "fc1.weight"), w(p + "fc1.bias")));
    return torch::linear(h, w(p + "fc2.weight"), w(p + "fc2.bias"));
  };
  auto layer_norm = [&](const torch::Tensor& in, const char* name) {
    return torch::layer_norm(in, {in.size(-1)}, w(p + name + ".weight"),
                             w(p + name + ".bias"), kEps);
  };
  if (layer_norm_first) {
    torch::Tensor h = x + self_attn(layer_norm(x, "self_attn_layer_norm"));
    return h + ffn(layer_norm(h, "final_layer_norm"));
  }
  torch::Tensor h = layer_norm(x + self_attn(x), "self_attn_layer_norm");
  return layer_norm(h + ffn(h), "final_layer_norm");
}

torch::Tensor HfEncoderLayer(const NamedWeights& w, const std::string& p,
                             int64_t heads, ops::Activation hidden_act,
                             double eps, bool stable, const torch::Tensor& h,
                             const ops::Packing& packing) {
  const int64_t C = h.size(1);
  const double scaling = std::pow(static_cast<double>(C / heads), -0.5);
  auto attention = [&](const torch::Tensor& in) {
    torch::Tensor attn = ops::SegmentAttention(
        torch::linear(in, w(p + "attention.q_proj.weight"),
                      w(p + "attention.q_proj.bias"))
            .mul_(scaling),
        torch::linear(in, w(p + "attention.k_proj.weight"),
                      w(p + "attention.k_proj.bias")),
        torch::linear(in, w(p + "attention.v_proj.weight"),
                      w(p + "attention.v_proj.bias")),
        packing, heads);
    return torch::linear(attn, w(p + "attention.out_proj.weight"),
                         w(p + "attention.out_proj.bias"));
  };
  auto feed_forward = [&](const torch::Tensor& in) {
    torch::Tensor ff = ops::Activate(
        hidden_act,
        torch::linear(in, w(p + "feed_forward.intermediate_dense.weight"),
                      w(p + "feed_forward.intermediate_dense.bias")));
    return torch::linear(ff, w(p + "feed_forward.output_dense.weight"),
                         w(p + "feed_forward.output_dense.bias"));
  };
  auto layer_norm = [&](const torch::Tensor& in, const char* name) {
    return torch::layer_norm(in, {C}, w(p + name + ".weight"),
                             w(p + name + ".bias"), eps);
  };
  if (stable) {
    torch::Tensor x = h + attention(layer_norm(h, "layer_norm"));
    return x + feed_forward(layer_norm(x, "final_layer_norm"));
  }
  torch::Tensor x = layer_norm(h + attention(h), "layer_norm");
  return layer_norm(x + feed_forward(x), "final_layer_norm");
}

}  // namespace fairport
