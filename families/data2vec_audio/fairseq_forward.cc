// fairseq's data2vec-audio forward pass, module by module.
#include "absl/strings/str_cat.h"
#include "families/data2vec_audio/forward.h"

namespace fairport::data2vec_audio {
namespace {

namespace F = torch::nn::functional;

constexpr double kEps = 1e-5;

// fairseq's Fp32LayerNorm and its `gelu`: computed in float32, cast back.
torch::Tensor LayerNorm(const torch::Tensor& x, const torch::Tensor& w,
                        const torch::Tensor& b) {
  return torch::layer_norm(x.to(torch::kFloat), {x.size(-1)}, w, b, kEps)
      .type_as(x);
}
torch::Tensor Gelu(const torch::Tensor& x) {
  return torch::gelu(x.to(torch::kFloat)).type_as(x);
}

}  // namespace

int64_t FramesFor(const Architecture& arch, int64_t samples) {
  for (size_t i = 0; i < arch.conv_kernel.size(); ++i) {
    if (samples < arch.conv_kernel[i]) return 0;
    samples = (samples - arch.conv_kernel[i]) / arch.conv_stride[i] + 1;
  }
  return samples;
}

FairseqData2VecAudio::FairseqData2VecAudio(Architecture arch, Weights weights,
                                           int64_t required_seq_len_multiple)
    : arch_(std::move(arch)),
      weights_(std::move(weights)),
      prefix_(arch_.ctc ? "w2v_encoder.w2v_model." : ""),
      required_seq_len_multiple_(required_seq_len_multiple) {}

const torch::Tensor& FairseqData2VecAudio::W(const std::string& name) const {
  auto it = weights_.find(name);
  TORCH_CHECK(it != weights_.end(), "fairseq weight '", name, "' is missing");
  return it->second;
}

// TransformerSentenceEncoderLayer, post-LN (layer_norm_first=False), on
// (T, B, C) with fairseq's MultiheadAttention.
torch::Tensor FairseqData2VecAudio::Layer(
    int64_t l, const torch::Tensor& x,
    const torch::Tensor& key_padding_mask) const {
  const std::string p = absl::StrCat(prefix_, "encoder.layers.", l, ".");
  const int64_t T = x.size(0), B = x.size(1), C = x.size(2);
  const int64_t H = arch_.num_attention_heads, hd = C / H;
  const double scaling = std::pow(static_cast<double>(hd), -0.5);
  torch::Tensor q = torch::linear(x, W(p + "self_attn.q_proj.weight"),
                                  W(p + "self_attn.q_proj.bias")) *
                    scaling;
  torch::Tensor k = torch::linear(x, W(p + "self_attn.k_proj.weight"),
                                  W(p + "self_attn.k_proj.bias"));
  torch::Tensor v = torch::linear(x, W(p + "self_attn.v_proj.weight"),
                                  W(p + "self_attn.v_proj.bias"));
  q = q.contiguous().view({T, B * H, hd}).transpose(0, 1);
  k = k.contiguous().view({-1, B * H, hd}).transpose(0, 1);
  v = v.contiguous().view({-1, B * H, hd}).transpose(0, 1);
  const int64_t S = k.size(1);
  torch::Tensor attn = torch::bmm(q, k.transpose(1, 2));
  if (key_padding_mask.defined()) {
    attn = attn.view({B, H, T, S})
               .masked_fill(key_padding_mask.unsqueeze(1).unsqueeze(2),
                            -std::numeric_limits<float>::infinity())
               .view({B * H, T, S});
  }
  attn = torch::softmax(attn.to(torch::kFloat), -1).type_as(attn);
  torch::Tensor out =
      torch::bmm(attn, v).transpose(0, 1).contiguous().view({T, B, C});
  out = torch::linear(out, W(p + "self_attn.out_proj.weight"),
                      W(p + "self_attn.out_proj.bias"));
  torch::Tensor h = LayerNorm(x + out, W(p + "self_attn_layer_norm.weight"),
                              W(p + "self_attn_layer_norm.bias"));
  torch::Tensor ff =
      Gelu(torch::linear(h, W(p + "fc1.weight"), W(p + "fc1.bias")));
  ff = torch::linear(ff, W(p + "fc2.weight"), W(p + "fc2.bias"));
  return LayerNorm(h + ff, W(p + "final_layer_norm.weight"),
                   W(p + "final_layer_norm.bias"));
}

ForwardOutput FairseqData2VecAudio::Forward(
    const torch::Tensor& source, const torch::Tensor& padding_mask_in) const {
  torch::NoGradGuard no_grad;
  const std::string& p = prefix_;
  const int64_t B = source.size(0);
  // ConvFeatureExtractionModel, extractor_mode=layer_norm: Conv1d ->
  // Dropout -> Sequential(TransposeLast, Fp32LayerNorm, TransposeLast) -> GELU.
  torch::Tensor x = source.unsqueeze(1);
  for (size_t i = 0; i < arch_.conv_dim.size(); ++i) {
    const std::string l =
        absl::StrCat(p, "feature_extractor.conv_layers.", i, ".");
    torch::Tensor bias = arch_.conv_bias ? W(l + "0.bias") : torch::Tensor();
    x = torch::conv1d(x, W(l + "0.weight"), bias, arch_.conv_stride[i]);
    x = LayerNorm(x.transpose(-2, -1), W(l + "2.1.weight"), W(l + "2.1.bias"))
            .transpose(-2, -1);
    x = torch::gelu(x);
  }
  torch::Tensor features = x.transpose(1, 2);
  features =
      LayerNorm(features, W(p + "layer_norm.weight"), W(p + "layer_norm.bias"));

  // Data2VecAudioModel.forward: the padding mask downsampled, only when
  // there is padding at all.
  torch::Tensor padding_mask;
  const int64_t T = features.size(1);
  torch::Tensor lengths;
  if (padding_mask_in.defined() && padding_mask_in.any().item<bool>()) {
    lengths = (1 - padding_mask_in.to(torch::kLong)).sum(-1);
    for (size_t i = 0; i < arch_.conv_kernel.size(); ++i) {
      lengths =
          torch::floor((lengths - arch_.conv_kernel[i]).to(torch::kFloat) /
                           arch_.conv_stride[i] +
                       1)
              .to(torch::kLong);
    }
    torch::Tensor pm = torch::zeros({B, T}, features.options());
    pm.index_put_({torch::arange(B), lengths - 1}, 1);
    padding_mask = (1 - pm.flip({-1}).cumsum(-1).flip({-1})).to(torch::kBool);
  } else {
    lengths = torch::full({B}, T, torch::kLong);
  }
  x = torch::linear(features, W(p + "post_extract_proj.weight"),
                    W(p + "post_extract_proj.bias"));

  // TransformerEncoder.extract_features.
  if (padding_mask.defined()) x = x.masked_fill(padding_mask.unsqueeze(-1), 0);
  torch::Tensor pos = x.transpose(1, 2);
  const int64_t K = arch_.conv_pos_kernel_size;
  for (int64_t j = 0; j < arch_.num_conv_pos_embeddings; ++j) {
    const std::string l = absl::StrCat(p, "encoder.pos_conv.", j, ".0.");
    pos = torch::conv1d(pos, W(l + "weight"), W(l + "bias"), 1, K / 2, 1,
                        arch_.num_conv_pos_embedding_groups);
    if (K % 2 == 0)
      pos = pos.slice(2, 0,
                      -1);  // SamePad drops the last frame of an even kernel
    pos = torch::layer_norm(pos.transpose(-2, -1), {pos.size(1)}, {}, {}, kEps)
              .transpose(-2, -1);
    pos = torch::gelu(pos);
  }
  x = x + pos.transpose(1, 2);
  x = LayerNorm(x, W(p + "encoder.layer_norm.weight"),
                W(p + "encoder.layer_norm.bias"));

  // pad_to_multiple(required_seq_len_multiple), the extra frames masked.
  int64_t pad = 0;
  if (required_seq_len_multiple_ > 1 && T % required_seq_len_multiple_ != 0) {
    pad = required_seq_len_multiple_ - T % required_seq_len_multiple_;
    x = F::pad(x, F::PadFuncOptions({0, 0, 0, pad}));
    if (padding_mask.defined()) {
      padding_mask = F::pad(padding_mask, F::PadFuncOptions({0, pad}).value(1));
    } else {
      padding_mask = torch::zeros({B, T + pad}, torch::kBool);
      padding_mask.slice(1, T).fill_(true);
    }
  }
  ForwardOutput out;
  x = x.transpose(0, 1);
  for (int64_t l = 0; l < arch_.num_hidden_layers; ++l) {
    x = Layer(l, x, padding_mask);
    out.layers.push_back(x.slice(0, 0, T).transpose(0, 1));
  }
  x = x.slice(0, 0, T).transpose(0, 1);
  if (arch_.ctc) {
    // Wav2VecEncoder: final_dropout (eval: identity) -> proj.
    x = torch::linear(x, W("w2v_encoder.proj.weight"),
                      W("w2v_encoder.proj.bias"));
  }
  out.output = x;
  out.valid_frames = lengths;
  return out;
}

}  // namespace fairport::data2vec_audio
