// fairseq's Wav2Vec2Model with a ConformerEncoder, module by module
// (conformer.md section 2), on the padded batch (see forward.h).
#include <cmath>
#include <limits>

#include "ATen/TensorOperators.h"
#include "ATen/core/grad_mode.h"
#include "ATen/ops/add.h"
#include "ATen/ops/arange.h"
#include "ATen/ops/batch_norm.h"
#include "ATen/ops/cat.h"
#include "ATen/ops/cos.h"
#include "ATen/ops/einsum.h"
#include "ATen/ops/exp.h"
#include "ATen/ops/flip.h"
#include "ATen/ops/full.h"
#include "ATen/ops/glu.h"
#include "ATen/ops/layer_norm.h"
#include "ATen/ops/linear.h"
#include "ATen/ops/matmul.h"
#include "ATen/ops/silu.h"
#include "ATen/ops/sin.h"
#include "ATen/ops/softmax.h"
#include "ATen/ops/zeros.h"
#include "absl/strings/str_cat.h"
#include "families/common/passes/encoder_layers.h"
#include "families/wav2vec2_conformer/forward.h"
#include "ops/packed.h"

namespace fairport::wav2vec2_conformer {
namespace {

constexpr double kEps = 1e-5;  // fairseq's LayerNorm and BatchNorm1d

at::Tensor LayerNorm(const NamedWeights& w, const std::string& name,
                     const at::Tensor& x) {
  return at::layer_norm(x, {x.size(-1)}, w(name + ".weight"), w(name + ".bias"),
                        kEps);
}

at::Tensor Linear(const NamedWeights& w, const std::string& name,
                  const at::Tensor& x) {
  return at::linear(x, w(name + ".weight"), w(name + ".bias"));
}

// FeedForwardModule: LayerNorm -> w_1 -> swish -> dropout -> w_2 ->
// dropout (conformer_layer.py:104-146).
at::Tensor FeedForward(const NamedWeights& w, const std::string& m,
                       const at::Tensor& x) {
  at::Tensor h = LayerNorm(w, m + ".layer_norm", x);
  h = Linear(w, m + ".w_1", h);
  at::silu_(h);
  return Linear(w, m + ".w_2", h);
}

// RelPositionalEncoding (positional_encoding.py:66-129) for T frames:
// (2T - 1, C), row m the position T - 1 - m, PE(r)[2k] = sin(r w_k),
// PE(r)[2k + 1] = cos(r w_k), w_k = exp(2k * -(ln 10000 / C)), in float32.
at::Tensor RelPositionalEncoding(int64_t T, int64_t C) {
  const at::Tensor position = at::arange(0, T, at::kFloat).unsqueeze(1);
  const at::Tensor div_term =
      at::exp(at::arange(0, C, 2, at::kFloat) *
              -(std::log(10000.0) / static_cast<double>(C)));
  at::Tensor pe_positive = at::zeros({T, C});
  at::Tensor pe_negative = at::zeros({T, C});
  // Every other column, as fairseq assigns pe[:, 0::2] and pe[:, 1::2].
  pe_positive.slice(1, 0, C, 2).copy_(at::sin(position * div_term));
  pe_positive.slice(1, 1, C, 2).copy_(at::cos(position * div_term));
  pe_negative.slice(1, 0, C, 2).copy_(at::sin(-1 * position * div_term));
  pe_negative.slice(1, 1, C, 2).copy_(at::cos(-1 * position * div_term));
  return at::cat({at::flip(pe_positive, {0}), pe_negative.slice(0, 1)});
}

// RelPositionMultiHeadedAttention.rel_shift: (B, H, T, 2T - 1) to
// (B, H, T, T), out[i][j] = x[i][T - 1 - i + j]. Its pad-and-reshape
// lands every element where this strided view of x points: row i starts
// T - 1 - i into row i of x, which is 2T - 2 elements on from row i - 1's
// start.
at::Tensor RelShift(const at::Tensor& x) {
  const at::Tensor c = x.contiguous();
  const int64_t B = c.size(0), H = c.size(1), T = c.size(2), P = c.size(3);
  TORCH_CHECK(P == 2 * T - 1, "rel_shift of ", c.sizes());
  return c.as_strided({B, H, T, T}, {c.stride(0), c.stride(1), P - 1, 1},
                      c.storage_offset() + T - 1);
}

// RotaryPositionalEmbedding + apply_rotary_pos_emb
// (rotary_positional_embedding.py): `x` (B, T, H, d_k) rotated by halves,
// with the layer's stored inv_freq.
at::Tensor Rotate(const at::Tensor& x, const at::Tensor& inv_freq) {
  const int64_t T = x.size(1), d = x.size(3);
  const at::Tensor t = at::arange(T, at::kFloat);
  const at::Tensor freqs = at::einsum("i,j->ij", {t, inv_freq});
  const at::Tensor emb = at::cat({freqs, freqs}, -1);
  const at::Tensor cos = emb.cos().view({1, T, 1, d});
  const at::Tensor sin = emb.sin().view({1, T, 1, d});
  const at::Tensor rotated =
      at::cat({-x.slice(3, d / 2), x.slice(3, 0, d / 2)}, -1);
  return x * cos + rotated * sin;
}

// ConvolutionModule (conformer_layer.py:79-101) on (B, T, C), computed
// channels-last: its Conv1d layers and BatchNorm1d see (B, C, T).
at::Tensor ConvolutionModule(const NamedWeights& w, const std::string& m,
                             const at::Tensor& x) {
  const int64_t C = x.size(2);
  at::Tensor h = ops::ChannelsLastPointwiseConv1d(
      LayerNorm(w, m + ".layer_norm", x), w(m + ".pointwise_conv1.weight"));
  h = ops::ChannelsLastDepthwiseConv1d(at::glu(h, -1),
                                       w(m + ".depthwise_conv.weight"));
  h = at::batch_norm(h.reshape({-1, C}), w(m + ".batch_norm.weight"),
                     w(m + ".batch_norm.bias"),
                     w(m + ".batch_norm.running_mean"),
                     w(m + ".batch_norm.running_var"),
                     /*training=*/false, 0.0, kEps, false);
  return ops::ChannelsLastPointwiseConv1d(at::silu_(h).view(x.sizes()),
                                          w(m + ".pointwise_conv2.weight"));
}

}  // namespace

FairseqConformer::FairseqConformer(Architecture arch, bool has_projection,
                                   Weights weights)
    : arch_(std::move(arch)),
      has_projection_(has_projection),
      w_(std::move(weights), "fairseq"),
      prefix_(arch_.ctc ? "w2v_encoder.w2v_model." : ""),
      extractor_(w_, prefix_,
                 {arch_.conv_dim, arch_.conv_kernel, arch_.conv_stride,
                  arch_.conv_bias, arch_.group_norm}) {
  // ConvolutionModule's depthwise Conv1d takes depthwise_conv_kernel_size.
  for (int64_t l = 0; l < arch_.num_hidden_layers; ++l) {
    w_.CheckShape(absl::StrCat(prefix_, "encoder.layers.", l,
                               ".conv_module.depthwise_conv.weight"),
                  {arch_.hidden_size, 1, arch_.depthwise_kernel});
  }
}

ForwardOutput FairseqConformer::Forward(const at::Tensor& source,
                                        const at::Tensor& padding_mask,
                                        bool with_stages) const {
  at::NoGradGuard no_grad;
  const std::string& p = prefix_;
  const int64_t B = source.size(0), L = source.size(1);
  const int64_t T = PaddedBatchFrames(arch_.conv_kernel, arch_.conv_stride, L);
  const int64_t C = arch_.hidden_size, H = arch_.num_attention_heads;
  const int64_t d_k = arch_.head_dim();

  // Wav2Vec2Model.forward: the frame padding mask by
  // _get_feat_extract_output_lengths of the valid samples.
  at::Tensor lengths = at::full({B}, T, at::kLong);
  if (padding_mask.defined() && padding_mask.any().item<bool>()) {
    lengths = FairseqOutputLengths((~padding_mask).sum(-1), arch_.conv_kernel,
                                   arch_.conv_stride);
  }
  ops::Packing packing(std::vector<int64_t>(lengths.data_ptr<int64_t>(),
                                            lengths.data_ptr<int64_t>() + B));
  ForwardOutput out;
  const StageRecorder stage(with_stages, packing, T, out);
  // (B, T) true at padded frames.
  const at::Tensor padded = at::arange(T).unsqueeze(0) >= lengths.unsqueeze(1);
  auto valid = [&](const at::Tensor& x) {
    std::vector<at::Tensor> rows;
    for (int64_t b = 0; b < B; ++b)
      rows.push_back(x[b].narrow(0, 0, packing.length(b)));
    return packing.Pack(rows);
  };

  at::Tensor x = packing.Pack(extractor_(source, packing));
  stage(kFeatureExtractorStage, x);
  x = at::layer_norm(x, {x.size(-1)}, w_(p + "layer_norm.weight"),
                     w_(p + "layer_norm.bias"), kEps);
  if (has_projection_) x = Linear(w_, p + "post_extract_proj", x);
  stage(kFeatureProjectionStage, x);
  // ConformerEncoder.extract_features: x[padding_mask] = 0, the only time
  // padded frames are zeroed; no positional convolution, no LayerNorm
  // before the layers (layer_norm_first).
  x = packing.Pad(x, T);
  stage(kEncoderInputStage, valid(x));
  const at::Tensor pos_emb = arch_.positions == Positions::kRelative
                                 ? RelPositionalEncoding(T, C)
                                 : at::Tensor();
  // forward_attention: masked_fill(key_padding_mask, -inf).
  const at::Tensor key_mask = padded.view({B, 1, 1, T});

  for (int64_t l = 0; l < arch_.num_hidden_layers; ++l) {
    const std::string e = absl::StrCat(p, "encoder.layers.", l, ".");
    // ConformerEncoderLayer.forward (conformer_layer.py:231-286).
    x = at::add(x, FeedForward(w_, e + "ffn1", x), 0.5);
    const at::Tensor residual = x;
    const at::Tensor a = LayerNorm(w_, e + "self_attn_layer_norm", x);
    const std::string s = e + "self_attn.";
    at::Tensor scores, v;
    if (arch_.positions == Positions::kRelative) {
      // RelPositionMultiHeadedAttention.forward.
      const at::Tensor q = Linear(w_, s + "linear_q", a).view({B, T, H, d_k});
      const at::Tensor k =
          Linear(w_, s + "linear_k", a).view({B, T, H, d_k}).transpose(1, 2);
      v = Linear(w_, s + "linear_v", a).view({B, T, H, d_k}).transpose(1, 2);
      const at::Tensor pos = at::linear(pos_emb, w_(s + "linear_pos.weight"))
                                 .view({1, 2 * T - 1, H, d_k})
                                 .transpose(1, 2);
      const at::Tensor q_u = (q + w_(s + "pos_bias_u")).transpose(1, 2);
      const at::Tensor q_v = (q + w_(s + "pos_bias_v")).transpose(1, 2);
      // (ac + bd) / sqrt(d_k), written over the fresh ac.
      scores = at::matmul(q_u, k.transpose(-2, -1))
                   .add_(RelShift(at::matmul(q_v, pos.transpose(-2, -1))))
                   .div_(std::sqrt(static_cast<double>(d_k)));
    } else {
      // RotaryPositionMultiHeadedAttention.forward: the attention input
      // rotated (query and key), value not.
      const at::Tensor rotated =
          Rotate(a.view({B, T, H, d_k}), w_(s + "rotary_emb.inv_freq"))
              .reshape({B, T, C});
      const at::Tensor q = Linear(w_, s + "linear_q", rotated)
                               .view({B, T, H, d_k})
                               .transpose(1, 2);
      const at::Tensor k = Linear(w_, s + "linear_k", rotated)
                               .view({B, T, H, d_k})
                               .transpose(1, 2);
      v = Linear(w_, s + "linear_v", a).view({B, T, H, d_k}).transpose(1, 2);
      scores = at::matmul(q, k.transpose(-2, -1))
                   .div_(std::sqrt(static_cast<double>(d_k)));
    }
    scores.masked_fill_(key_mask, -std::numeric_limits<float>::infinity());
    const at::Tensor attn = at::softmax(scores, -1);
    at::Tensor h = at::matmul(attn, v).transpose(1, 2).reshape({B, T, C});
    x = residual + Linear(w_, s + "linear_out", h);
    x = x + ConvolutionModule(w_, e + "conv_module", x);
    x = at::add(x, FeedForward(w_, e + "ffn2", x), 0.5);
    x = LayerNorm(w_, e + "final_layer_norm", x);
    stage(EncoderLayerStage(l + 1), valid(x));
  }
  // TransformerEncoder.forward: layer_norm_first normalises after the last
  // layer.
  x = LayerNorm(w_, p + "encoder.layer_norm", x);
  if (arch_.ctc) x = Linear(w_, "w2v_encoder.proj", x);
  out.output = packing.Pad(valid(x), T);
  out.valid_frames = lengths;
  return out;
}

}  // namespace fairport::wav2vec2_conformer
