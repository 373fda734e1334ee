// transformers' Wav2Vec2ConformerModel forward pass
// (modeling_wav2vec2_conformer.py; with the ForCTC head, ForPreTraining
// running as its base model), on the padded batch (see forward.h).
#include <cmath>
#include <limits>

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
  torch::Tensor operator()(const std::string& name, const torch::Tensor& h,
                           double eps = kTorchNormEps) const {
    return torch::layer_norm(h, {h.size(-1)}, w(name + ".weight"),
                             w(name + ".bias"), eps);
  }
};

// Wav2Vec2ConformerRelPositionalEmbedding.extend_pe for T frames:
// positive positions flipped, then the negative ones after position 0.
torch::Tensor RelativePositionEmbeddings(int64_t T, int64_t d_model) {
  torch::Tensor position = torch::arange(0, T, torch::kFloat).unsqueeze(1);
  torch::Tensor div_term =
      torch::exp(torch::arange(0, d_model, 2, torch::kFloat) *
                 -(std::log(10000.0) / static_cast<double>(d_model)));
  // Interleave sin (even columns) and cos (odd columns).
  auto table = [&](const torch::Tensor& angles) {
    return torch::stack({torch::sin(angles), torch::cos(angles)}, -1)
        .reshape({T, d_model});
  };
  torch::Tensor pe_positive = table(position * div_term).flip({0});
  torch::Tensor pe_negative = table(-1 * position * div_term).slice(0, 1);
  return torch::cat({pe_positive, pe_negative}).unsqueeze(0);
}

// Wav2Vec2ConformerRotaryPositionalEmbedding: (2, T, d) cos and sin of
// cat(t * inv_freq, t * inv_freq).
torch::Tensor RotaryPositionEmbeddings(int64_t T,
                                       const torch::Tensor& inv_freq) {
  torch::Tensor time_stamps = torch::arange(T).to(inv_freq.scalar_type());
  torch::Tensor freqs = torch::outer(time_stamps, inv_freq);
  torch::Tensor embeddings = torch::cat({freqs, freqs}, -1);
  return torch::stack({embeddings.cos(), embeddings.sin()});
}

// Wav2Vec2ConformerSelfAttention._apply_rotary_embedding on (B, T, C):
// each head's halves rotated.
torch::Tensor ApplyRotary(const torch::Tensor& h, const torch::Tensor& rotary,
                          int64_t heads) {
  const int64_t B = h.size(0), T = h.size(1), C = h.size(2);
  const int64_t d = C / heads;
  torch::Tensor states = h.view({B, T, heads, d});
  torch::Tensor cos = rotary[0].view({1, T, 1, d});
  torch::Tensor sin = rotary[1].view({1, T, 1, d});
  torch::Tensor begin = states.narrow(3, 0, d / 2);
  torch::Tensor end = states.narrow(3, d / 2, d - d / 2);
  torch::Tensor rotated = torch::cat({-end, begin}, 3);
  return (states * cos + rotated * sin).reshape({B, T, C});
}

// _apply_relative_embeddings' shift: scores_bd (B, H, T, 2T - 1) to
// (B, H, T, T), entry (i, j) the column of relative position i - j, which
// the table holds at column T - 1 - i + j: a view whose rows step
// 2T - 1 - 1 elements (one column back per row).
torch::Tensor ShiftRelative(const torch::Tensor& bd) {
  const torch::Tensor scores = bd.contiguous();
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
    inv_freq_ =
        it != w_.all().end()
            ? it->second
            : 1.0 / torch::pow(arch_.rotary_base,
                               torch::arange(0, d, 2).to(torch::kFloat) / d);
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

ForwardOutput HfConformer::Forward(const torch::Tensor& input_values,
                                   const torch::Tensor& attention_mask,
                                   bool with_stages) const {
  torch::NoGradGuard no_grad;
  const std::string& p = prefix_;
  const double eps = arch_.layer_norm_eps;
  const Norm norm{w_};
  const int64_t B = input_values.size(0), L = input_values.size(1);
  const int64_t C = arch_.hidden_size, H = arch_.num_attention_heads;
  const int64_t d = arch_.head_dim();

  // _get_feature_vector_attention_mask.
  const torch::Tensor lengths = HfOutputLengths(
      attention_mask.defined() ? attention_mask.sum(-1).to(torch::kLong)
                               : torch::full({B}, L, torch::kLong),
      arch_.conv_kernel, arch_.conv_stride);
  const int64_t T = PaddedBatchFrames(arch_.conv_kernel, arch_.conv_stride, L);
  ops::Packing packing(std::vector<int64_t>(lengths.data_ptr<int64_t>(),
                                            lengths.data_ptr<int64_t>() + B));
  ForwardOutput out;
  const StageRecorder stage(with_stages, packing, T, out);
  const torch::Tensor frame_mask =
      torch::arange(T).unsqueeze(0) < lengths.unsqueeze(1);  // true = valid
  auto valid = [&](const torch::Tensor& h) {
    return h.index({frame_mask});  // utterance after utterance
  };

  torch::Tensor h = packing.Pack(extractor_(input_values, packing));
  stage(kFeatureExtractorStage, h);
  // Wav2Vec2ConformerFeatureProjection: layer_norm (config eps) ->
  // projection.
  h = norm(p + "feature_projection.layer_norm", h, eps);
  h = torch::linear(h, w_(p + "feature_projection.projection.weight"),
                    w_(p + "feature_projection.projection.bias"));
  stage(kFeatureProjectionStage, h);

  // Wav2Vec2ConformerEncoder: hidden_states[~attention_mask] = 0, then
  // the additive mask (1 - mask) * finfo(float32).min on every key.
  h = packing.Pad(h, T);
  stage(kEncoderInputStage, valid(h));
  const torch::Tensor additive =
      (1.0 - frame_mask.to(torch::kFloat)).view({B, 1, 1, T}) *
      std::numeric_limits<float>::lowest();
  const torch::Tensor positions = arch_.positions == Positions::kRelative
                                      ? RelativePositionEmbeddings(T, C)
                                      : RotaryPositionEmbeddings(T, inv_freq_);
  const ops::Activation act = activations_.hidden;
  auto feed_forward = [&](const std::string& m, const torch::Tensor& x) {
    torch::Tensor y = ops::Activate(
        act, torch::linear(x, w_(m + ".intermediate_dense.weight"),
                           w_(m + ".intermediate_dense.bias")));
    return torch::linear(y, w_(m + ".output_dense.weight"),
                         w_(m + ".output_dense.bias"));
  };
  for (int64_t l = 0; l < arch_.num_hidden_layers; ++l) {
    const std::string e = absl::StrCat(p, "encoder.layers.", l, ".");
    // Wav2Vec2ConformerEncoderLayer.forward.
    torch::Tensor residual = h;
    h = feed_forward(e + "ffn1", norm(e + "ffn1_layer_norm", h));
    h = torch::add(residual, h, 0.5);
    residual = h;
    h = norm(e + "self_attn_layer_norm", h);
    // Wav2Vec2ConformerSelfAttention.forward.
    const std::string s = e + "self_attn.";
    const torch::Tensor query_key = arch_.positions == Positions::kRotary
                                        ? ApplyRotary(h, positions, H)
                                        : h;
    auto project = [&](const char* linear, const torch::Tensor& x) {
      return torch::linear(x, w_(s + linear + ".weight"),
                           w_(s + linear + ".bias"))
          .view({B, T, H, d})
          .transpose(1, 2);
    };
    const torch::Tensor query = project("linear_q", query_key);
    const torch::Tensor key = project("linear_k", query_key);
    const torch::Tensor value = project("linear_v", h);
    torch::Tensor scores;
    if (arch_.positions == Positions::kRelative) {
      // _apply_relative_embeddings: both terms scaled.
      const torch::Tensor pos =
          torch::linear(positions, w_(s + "linear_pos.weight"))
              .view({1, -1, H, d})
              .transpose(1, 2);
      const torch::Tensor q = query.transpose(1, 2);
      const torch::Tensor ac = torch::matmul(
          (q + w_(s + "pos_bias_u")).transpose(1, 2), key.transpose(-2, -1));
      const torch::Tensor bd = ShiftRelative(torch::matmul(
          (q + w_(s + "pos_bias_v")).transpose(1, 2), pos.transpose(-2, -1)));
      scores = (ac + bd) / std::sqrt(static_cast<double>(d));
    } else {
      scores = torch::matmul(query, key.transpose(-2, -1)) /
               std::sqrt(static_cast<double>(d));
    }
    const torch::Tensor probs = torch::softmax(scores + additive, -1);
    torch::Tensor attended =
        torch::matmul(probs, value).transpose(1, 2).reshape({B, T, C});
    h = torch::linear(attended, w_(s + "linear_out.weight"),
                      w_(s + "linear_out.bias"));
    h = h + residual;
    // Wav2Vec2ConformerConvolutionModule.
    residual = h;
    const std::string c = e + "conv_module.";
    // Its Conv1d layers and BatchNorm1d see (B, C, T); computed
    // channels-last.
    torch::Tensor conv = ops::ChannelsLastPointwiseConv1d(
        norm(c + "layer_norm", h), w_(c + "pointwise_conv1.weight"));
    conv = ops::ChannelsLastDepthwiseConv1d(torch::glu(conv, -1),
                                            w_(c + "depthwise_conv.weight"));
    conv = torch::batch_norm(conv.reshape({-1, C}), w_(c + "batch_norm.weight"),
                             w_(c + "batch_norm.bias"),
                             w_(c + "batch_norm.running_mean"),
                             w_(c + "batch_norm.running_var"),
                             /*training=*/false, 0.1, kTorchNormEps, false);
    conv = ops::Activate(act, conv.view({B, T, C}));
    h = residual + ops::ChannelsLastPointwiseConv1d(
                       conv, w_(c + "pointwise_conv2.weight"));
    residual = h;
    h = feed_forward(e + "ffn2", norm(e + "ffn2_layer_norm", h));
    h = torch::add(residual, h, 0.5);
    h = norm(e + "final_layer_norm", h);
    stage(EncoderLayerStage(l + 1), valid(h));
  }
  h = norm(p + "encoder.layer_norm", h, eps);
  if (arch_.ctc) h = torch::linear(h, w_("lm_head.weight"), w_("lm_head.bias"));
  out.output = packing.Pad(valid(h), T);
  out.valid_frames = lengths;
  return out;
}

}  // namespace fairport::wav2vec2_conformer
