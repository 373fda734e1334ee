#include "families/common/passes/encoder_layers.h"

#include <cmath>

#include "ATen/TensorOperators.h"
#include "ATen/ops/div.h"
#include "ATen/ops/floor.h"
#include "ATen/ops/layer_norm.h"
#include "ATen/ops/linear.h"
#include "families/common/conv_layers.h"

namespace fairport {

const at::Tensor& NamedWeights::operator()(const std::string& name) const {
  auto it = weights_.find(name);
  TORCH_CHECK(it != weights_.end(), side_, " weight '", name, "' is missing");
  return it->second;
}

void NamedWeights::CheckShape(const std::string& name,
                              c10::IntArrayRef shape) const {
  const at::Tensor& t = (*this)(name);
  TORCH_CHECK(t.sizes() == shape, side_, " weight '", name, "' has shape ",
              t.sizes(), ", not ", shape);
}

at::Tensor FairseqOutputLengths(at::Tensor lengths,
                                const std::vector<int64_t>& kernels,
                                const std::vector<int64_t>& strides) {
  for (size_t i = 0; i < kernels.size(); ++i) {
    lengths = at::floor((lengths - kernels[i]).to(at::kFloat) / strides[i] + 1)
                  .to(at::kLong)
                  .clamp_min(0);
  }
  return lengths;
}

at::Tensor HfOutputLengths(at::Tensor lengths,
                           const std::vector<int64_t>& kernels,
                           const std::vector<int64_t>& strides) {
  for (size_t i = 0; i < kernels.size(); ++i) {
    lengths =
        (at::div(lengths - kernels[i], strides[i], "floor") + 1).clamp_min(0);
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

at::Tensor FairseqEncoderLayer(const NamedWeights& w, const std::string& p,
                               int64_t heads, ops::Activation activation_fn,
                               bool layer_norm_first, const at::Tensor& x,
                               const ops::Packing& packing) {
  constexpr double kEps = 1e-5;  // fairseq's LayerNorm
  const int64_t hd = x.size(1) / heads;
  const double scaling = std::pow(static_cast<double>(hd), -0.5);
  auto self_attn = [&](const at::Tensor& in) {
    at::Tensor q = at::linear(in, w(p + "self_attn.q_proj.weight"),
                              w(p + "self_attn.q_proj.bias"))
                       .mul_(scaling);
    at::Tensor k = at::linear(in, w(p + "self_attn.k_proj.weight"),
                              w(p + "self_attn.k_proj.bias"));
    at::Tensor v = at::linear(in, w(p + "self_attn.v_proj.weight"),
                              w(p + "self_attn.v_proj.bias"));
    return at::linear(ops::SegmentAttention(q, k, v, packing, heads),
                      w(p + "self_attn.out_proj.weight"),
                      w(p + "self_attn.out_proj.bias"));
  };
  auto ffn = [&](const at::Tensor& in) {
    at::Tensor h = at::linear(in, w(p + "fc1.weight"), w(p + "fc1.bias"));
    ops::ActivateInPlace(activation_fn, h);
    return at::linear(h, w(p + "fc2.weight"), w(p + "fc2.bias"));
  };
  auto layer_norm = [&](const at::Tensor& in, const char* name) {
    return at::layer_norm(in, {in.size(-1)}, w(p + name + ".weight"),
                          w(p + name + ".bias"), kEps);
  };
  if (layer_norm_first) {
    at::Tensor h = x + self_attn(layer_norm(x, "self_attn_layer_norm"));
    return h + ffn(layer_norm(h, "final_layer_norm"));
  }
  at::Tensor h = layer_norm(x + self_attn(x), "self_attn_layer_norm");
  return layer_norm(h + ffn(h), "final_layer_norm");
}

at::Tensor HfEncoderLayer(const NamedWeights& w, const std::string& p,
                          int64_t heads, ops::Activation hidden_act, double eps,
                          bool stable, const at::Tensor& h,
                          const ops::Packing& packing) {
  const int64_t C = h.size(1);
  const double scaling = std::pow(static_cast<double>(C / heads), -0.5);
  auto attention = [&](const at::Tensor& in) {
    at::Tensor attn =
        ops::SegmentAttention(at::linear(in, w(p + "attention.q_proj.weight"),
                                         w(p + "attention.q_proj.bias"))
                                  .mul_(scaling),
                              at::linear(in, w(p + "attention.k_proj.weight"),
                                         w(p + "attention.k_proj.bias")),
                              at::linear(in, w(p + "attention.v_proj.weight"),
                                         w(p + "attention.v_proj.bias")),
                              packing, heads);
    return at::linear(attn, w(p + "attention.out_proj.weight"),
                      w(p + "attention.out_proj.bias"));
  };
  auto feed_forward = [&](const at::Tensor& in) {
    at::Tensor ff =
        at::linear(in, w(p + "feed_forward.intermediate_dense.weight"),
                   w(p + "feed_forward.intermediate_dense.bias"));
    ops::ActivateInPlace(hidden_act, ff);
    return at::linear(ff, w(p + "feed_forward.output_dense.weight"),
                      w(p + "feed_forward.output_dense.bias"));
  };
  auto layer_norm = [&](const at::Tensor& in, const char* name) {
    return at::layer_norm(in, {C}, w(p + name + ".weight"),
                          w(p + name + ".bias"), eps);
  };
  if (stable) {
    at::Tensor x = h + attention(layer_norm(h, "layer_norm"));
    return x + feed_forward(layer_norm(x, "final_layer_norm"));
  }
  at::Tensor x = layer_norm(h + attention(h), "layer_norm");
  return layer_norm(x + feed_forward(x), "final_layer_norm");
}

}  // namespace fairport
