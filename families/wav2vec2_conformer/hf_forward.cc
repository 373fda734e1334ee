// transformers' Wav2Vec2ConformerModel forward pass
// (modeling_wav2vec2_conformer.py; with the ForCTC head, ForPreTraining
// running as its base model), on the padded batch (see forward.h).
#include <cmath>
#include <limits>

#include "ATen/TensorOperators.h"
#include "ATen/core/grad_mode.h"
#include "ATen/ops/add.h"
#include "ATen/ops/arange.h"
#include "ATen/ops/batch_norm.h"
#include "ATen/ops/cat.h"
#include "ATen/ops/cos.h"
#include "ATen/ops/exp.h"
#include "ATen/ops/full.h"
#include "ATen/ops/glu.h"
#include "ATen/ops/layer_norm.h"
#include "ATen/ops/linear.h"
#include "ATen/ops/matmul.h"
#include "ATen/ops/outer.h"
#include "ATen/ops/pow.h"
#include "ATen/ops/sin.h"
#include "ATen/ops/softmax.h"
#include "ATen/ops/stack.h"
#include "absl/strings/str_cat.h"
#include "families/common/passes/encoder_layers.h"
#include "families/wav2vec2_conformer/forward.h"
#include "ops/activation.h"
#include "ops/packed.h"

namespace fairport::wav2vec2_conformer {
namespace {

// nn.LayerNorm's and nn.BatchNorm1d's default: every LayerNorm inside a
// Wav2Vec2ConformerEncoderLayer is built without config.layer_norm_eps.
constexpr double kTorchNormEps = 1e-5;

struct Norm {
  const NamedWeights& w;
  at::Tensor operator()(const std::string& name, const at::Tensor& h,
                        double eps = kTorchNormEps) const {
    return at::layer_norm(h, {h.size(-1)}, w(name + ".weight"),
                          w(name + ".bias"), eps);
  }
};

// Wav2Vec2ConformerRelPositionalEmbedding.extend_pe for T frames:
// positive positions flipped, then the negative ones after position 0.
at::Tensor RelativePositionEmbeddings(int64_t T, int64_t d_model) {
  at::Tensor position = at::arange(0, T, at::kFloat).unsqueeze(1);
  at::Tensor div_term =
      at::exp(at::arange(0, d_model, 2, at::kFloat) *
              -(std::log(10000.0) / static_cast<double>(d_model)));
  // Interleave sin (even columns) and cos (odd columns).
  auto table = [&](const at::Tensor& angles) {
    return at::stack({at::sin(angles), at::cos(angles)}, -1)
        .reshape({T, d_model});
  };
  at::Tensor pe_positive = table(position * div_term).flip({0});
  at::Tensor pe_negative = table(-1 * position * div_term).slice(0, 1);
  return at::cat({pe_positive, pe_negative}).unsqueeze(0);
}

// Wav2Vec2ConformerRotaryPositionalEmbedding: (2, T, d) cos and sin of
// cat(t * inv_freq, t * inv_freq).
at::Tensor RotaryPositionEmbeddings(int64_t T, const at::Tensor& inv_freq) {
  at::Tensor time_stamps = at::arange(T).to(inv_freq.scalar_type());
  at::Tensor freqs = at::outer(time_stamps, inv_freq);
  at::Tensor embeddings = at::cat({freqs, freqs}, -1);
  return at::stack({embeddings.cos(), embeddings.sin()});
}

// Wav2Vec2ConformerSelfAttention._apply_rotary_embedding on (B, T, C):
// each head's halves rotated.
at::Tensor ApplyRotary(const at::Tensor& h, const at::Tensor& rotary,
                       int64_t heads) {
  const int64_t B = h.size(0), T = h.size(1), C = h.size(2);
  const int64_t d = C / heads;
  at::Tensor states = h.view({B, T, heads, d});
  at::Tensor cos = rotary[0].view({1, T, 1, d});
  at::Tensor sin = rotary[1].view({1, T, 1, d});
  at::Tensor begin = states.narrow(3, 0, d / 2);
  at::Tensor end = states.narrow(3, d / 2, d - d / 2);
  at::Tensor rotated = at::cat({-end, begin}, 3);
  return (states * cos + rotated * sin).reshape({B, T, C});
}

// _apply_relative_embeddings' shift: scores_bd (B, H, T, 2T - 1) to
// (B, H, T, T), entry (i, j) the column of relative position i - j, which
// the table holds at column T - 1 - i + j: a view whose rows step
// 2T - 1 - 1 elements (one column back per row).
at::Tensor ShiftRelative(const at::Tensor& bd) {
  const at::Tensor scores = bd.contiguous();
  const int64_t T = scores.size(2), columns = scores.size(3);
  TORCH_CHECK(columns == 2 * T - 1, "relative scores ", scores.sizes());
  return scores.as_strided({scores.size(0), scores.size(1), T, T},
                           {scores.stride(0), scores.stride(1), columns - 1, 1},
                           scores.storage_offset() + T - 1);
}

}  // namespace

HfConformer::HfConformer(Architecture arch, HfActivations activations,
                         Weights weights)
    : arch_(std::move(arch)),
      activations_(activations),
      w_(std::move(weights), "HF"),
      prefix_(arch_.hf_prefix()),
      extractor_(w_, prefix_,
                 {arch_.conv_dim, arch_.conv_kernel, arch_.conv_stride,
                  arch_.conv_bias, arch_.group_norm},
                 activations_.feature) {
  if (arch_.positions == Positions::kRotary) {
    const std::string name = prefix_ + "encoder.embed_positions.inv_freq";
    auto it = w_.all().find(name);
    // Wav2Vec2ConformerRotaryPositionalEmbedding.__init__: 1 / (base **
    // (arange(0, d, 2) / d)), what transformers keeps when the file has
    // none.
    const int64_t d = arch_.head_dim();
    inv_freq_ = it != w_.all().end()
                    ? it->second
                    : 1.0 / at::pow(arch_.rotary_base,
                                    at::arange(0, d, 2).to(at::kFloat) / d);
  }
  if (arch_.ctc)
    w_.CheckShape("lm_head.weight", {arch_.vocab_size, arch_.hidden_size});
  // nn.Conv1d(C, C, conv_depthwise_kernel_size, groups=C): a file with
  // another kernel fails to load.
  for (int64_t l = 0; l < arch_.num_hidden_layers; ++l) {
    w_.CheckShape(absl::StrCat(prefix_, "encoder.layers.", l,
                               ".conv_module.depthwise_conv.weight"),
                  {arch_.hidden_size, 1, arch_.depthwise_kernel});
  }
}

ForwardOutput HfConformer::Forward(const at::Tensor& input_values,
                                   const at::Tensor& attention_mask,
                                   bool with_stages) const {
  at::NoGradGuard no_grad;
  const std::string& p = prefix_;
  const double eps = arch_.layer_norm_eps;
  const Norm norm{w_};
  const int64_t B = input_values.size(0), L = input_values.size(1);
  const int64_t C = arch_.hidden_size, H = arch_.num_attention_heads;
  const int64_t d = arch_.head_dim();

  // _get_feature_vector_attention_mask.
  const at::Tensor lengths = HfOutputLengths(
      attention_mask.defined() ? attention_mask.sum(-1).to(at::kLong)
                               : at::full({B}, L, at::kLong),
      arch_.conv_kernel, arch_.conv_stride);
  const int64_t T = PaddedBatchFrames(arch_.conv_kernel, arch_.conv_stride, L);
  ops::Packing packing(std::vector<int64_t>(lengths.data_ptr<int64_t>(),
                                            lengths.data_ptr<int64_t>() + B));
  ForwardOutput out;
  const StageRecorder stage(with_stages, packing, T, out);
  const at::Tensor frame_mask =
      at::arange(T).unsqueeze(0) < lengths.unsqueeze(1);  // true = valid
  auto valid = [&](const at::Tensor& h) {
    return h.index({frame_mask});  // utterance after utterance
  };

  at::Tensor h = packing.Pack(extractor_(input_values, packing));
  stage(kFeatureExtractorStage, h);
  // Wav2Vec2ConformerFeatureProjection: layer_norm (config eps) ->
  // projection.
  h = norm(p + "feature_projection.layer_norm", h, eps);
  h = at::linear(h, w_(p + "feature_projection.projection.weight"),
                 w_(p + "feature_projection.projection.bias"));
  stage(kFeatureProjectionStage, h);

  // Wav2Vec2ConformerEncoder: hidden_states[~attention_mask] = 0, then
  // the additive mask (1 - mask) * finfo(float32).min on every key.
  h = packing.Pad(h, T);
  stage(kEncoderInputStage, valid(h));
  const at::Tensor additive =
      (1.0 - frame_mask.to(at::kFloat)).view({B, 1, 1, T}) *
      std::numeric_limits<float>::lowest();
  const at::Tensor positions = arch_.positions == Positions::kRelative
                                   ? RelativePositionEmbeddings(T, C)
                                   : RotaryPositionEmbeddings(T, inv_freq_);
  const ops::Activation act = activations_.hidden;
  auto feed_forward = [&](const std::string& m, const at::Tensor& x) {
    at::Tensor y =
        ops::Activate(act, at::linear(x, w_(m + ".intermediate_dense.weight"),
                                      w_(m + ".intermediate_dense.bias")));
    return at::linear(y, w_(m + ".output_dense.weight"),
                      w_(m + ".output_dense.bias"));
  };
  for (int64_t l = 0; l < arch_.num_hidden_layers; ++l) {
    const std::string e = absl::StrCat(p, "encoder.layers.", l, ".");
    // Wav2Vec2ConformerEncoderLayer.forward.
    at::Tensor residual = h;
    h = feed_forward(e + "ffn1", norm(e + "ffn1_layer_norm", h));
    h = at::add(residual, h, 0.5);
    residual = h;
    h = norm(e + "self_attn_layer_norm", h);
    // Wav2Vec2ConformerSelfAttention.forward.
    const std::string s = e + "self_attn.";
    const at::Tensor query_key = arch_.positions == Positions::kRotary
                                     ? ApplyRotary(h, positions, H)
                                     : h;
    auto project = [&](const char* linear, const at::Tensor& x) {
      return at::linear(x, w_(s + linear + ".weight"), w_(s + linear + ".bias"))
          .view({B, T, H, d})
          .transpose(1, 2);
    };
    const at::Tensor query = project("linear_q", query_key);
    const at::Tensor key = project("linear_k", query_key);
    const at::Tensor value = project("linear_v", h);
    at::Tensor scores;
    if (arch_.positions == Positions::kRelative) {
      // _apply_relative_embeddings: both terms scaled.
      const at::Tensor pos = at::linear(positions, w_(s + "linear_pos.weight"))
                                 .view({1, -1, H, d})
                                 .transpose(1, 2);
      const at::Tensor q = query.transpose(1, 2);
      // (ac + bd) / sqrt(d), written over the fresh ac.
      scores = at::matmul((q + w_(s + "pos_bias_u")).transpose(1, 2),
                          key.transpose(-2, -1))
                   .add_(ShiftRelative(
                       at::matmul((q + w_(s + "pos_bias_v")).transpose(1, 2),
                                  pos.transpose(-2, -1))))
                   .div_(std::sqrt(static_cast<double>(d)));
    } else {
      scores = at::matmul(query, key.transpose(-2, -1))
                   .div_(std::sqrt(static_cast<double>(d)));
    }
    const at::Tensor probs = at::softmax(scores.add_(additive), -1);
    at::Tensor attended =
        at::matmul(probs, value).transpose(1, 2).reshape({B, T, C});
    h = at::linear(attended, w_(s + "linear_out.weight"),
                   w_(s + "linear_out.bias"));
    h = h + residual;
    // Wav2Vec2ConformerConvolutionModule.
    residual = h;
    const std::string c = e + "conv_module.";
    // Its Conv1d layers and BatchNorm1d see (B, C, T); computed
    // channels-last.
    at::Tensor conv = ops::ChannelsLastPointwiseConv1d(
        norm(c + "layer_norm", h), w_(c + "pointwise_conv1.weight"));
    conv = ops::ChannelsLastDepthwiseConv1d(at::glu(conv, -1),
                                            w_(c + "depthwise_conv.weight"));
    conv = at::batch_norm(conv.reshape({-1, C}), w_(c + "batch_norm.weight"),
                          w_(c + "batch_norm.bias"),
                          w_(c + "batch_norm.running_mean"),
                          w_(c + "batch_norm.running_var"),
                          /*training=*/false, 0.1, kTorchNormEps, false);
    conv = ops::Activate(act, conv.view({B, T, C}));
    h = residual + ops::ChannelsLastPointwiseConv1d(
                       conv, w_(c + "pointwise_conv2.weight"));
    residual = h;
    h = feed_forward(e + "ffn2", norm(e + "ffn2_layer_norm", h));
    h = at::add(residual, h, 0.5);
    h = norm(e + "final_layer_norm", h);
    stage(EncoderLayerStage(l + 1), valid(h));
  }
  h = norm(p + "encoder.layer_norm", h, eps);
  if (arch_.ctc) h = at::linear(h, w_("lm_head.weight"), w_("lm_head.bias"));
  out.output = packing.Pad(valid(h), T);
  out.valid_frames = lengths;
  return out;
}

}  // namespace fairport::wav2vec2_conformer
