#include "families/common/passes/conv_feature_extractor.h"

#include <utility>

#include "ATen/TensorOperators.h"
#include "ATen/ops/zeros.h"
#include "absl/strings/str_cat.h"
#include "families/common/conv_layers.h"

namespace fairport {
namespace {

// fairseq's Fp32GroupNorm / Fp32LayerNorm and nn.GroupNorm / nn.LayerNorm
// of transformers' conv layers: never config.layer_norm_eps.
constexpr double kEps = 1e-5;

// The conv stack after the first layer, whose input the GroupNorm of a
// "default" extractor decides.
std::pair<std::vector<int64_t>, std::vector<int64_t>> RestOfStack(
    const ConvStack& s) {
  return {std::vector<int64_t>(s.kernel.begin() + 1, s.kernel.end()),
          std::vector<int64_t>(s.stride.begin() + 1, s.stride.end())};
}

}  // namespace

FairseqConvFeatureExtractor::FairseqConvFeatureExtractor(
    const NamedWeights& w, const std::string& prefix, ConvStack stack)
    : stack_(std::move(stack)) {
  for (size_t i = 0; i < stack_.dim.size(); ++i) {
    const std::string l =
        absl::StrCat(prefix, "feature_extractor.conv_layers.", i, ".");
    convs_.emplace_back(w(l + "0.weight"),
                        stack_.bias ? w(l + "0.bias") : at::Tensor(),
                        stack_.stride[i]);
    if (stack_.group_norm && i == 0) {
      norm_weight_.push_back(w(l + "2.weight"));
      norm_bias_.push_back(w(l + "2.bias"));
    } else if (!stack_.group_norm) {
      norm_weight_.push_back(w(l + "2.1.weight"));
      norm_bias_.push_back(w(l + "2.1.bias"));
    }
  }
}

std::vector<at::Tensor> FairseqConvFeatureExtractor::operator()(
    const at::Tensor& source, const ops::Packing& packing) const {
  const int64_t B = source.size(0), L = source.size(1);
  std::vector<at::Tensor> features;
  for (int64_t b = 0; b < B; ++b) {
    const int64_t frames = packing.length(b);
    if (frames == 0) {
      features.push_back(at::zeros({0, stack_.dim.back()}));
      continue;
    }
    at::Tensor x =
        source[b]
            .narrow(0, 0,
                    stack_.group_norm ? L
                                      : ConvInputSamples(stack_.kernel,
                                                         stack_.stride, frames))
            .unsqueeze(1);
    for (size_t i = 0; i < stack_.dim.size(); ++i) {
      if (stack_.group_norm && i == 0) {
        // Statistics over the whole row; the later layers need only the
        // first frames of it.
        const auto [k_rest, s_rest] = RestOfStack(stack_);
        x = ops::ConvThenChannelNorm(convs_[0], x, norm_weight_[0],
                                     norm_bias_[0], kEps,
                                     ConvInputSamples(k_rest, s_rest, frames));
        ops::ActivateInPlace(ops::Activation::kGelu, x);
      } else if (stack_.group_norm) {
        x = convs_[i](x, [](at::Tensor& chunk) {
          ops::ActivateInPlace(ops::Activation::kGelu, chunk);
        });
      } else {
        const at::Tensor& ln_w = norm_weight_[i];
        const at::Tensor& ln_b = norm_bias_[i];
        x = convs_[i](x, [&](at::Tensor& chunk) {
          ops::LayerNormThenActivateInPlace(ops::Activation::kGelu, chunk, ln_w,
                                            ln_b, kEps);
        });
      }
    }
    features.push_back(x.narrow(0, 0, frames));
  }
  return features;
}

HfConvFeatureEncoder::HfConvFeatureEncoder(const NamedWeights& w,
                                           const std::string& prefix,
                                           ConvStack stack,
                                           ops::Activation activation)
    : stack_(std::move(stack)), activation_(activation) {
  for (size_t i = 0; i < stack_.dim.size(); ++i) {
    const std::string l =
        absl::StrCat(prefix, "feature_extractor.conv_layers.", i, ".");
    convs_.emplace_back(w(l + "conv.weight"),
                        stack_.bias ? w(l + "conv.bias") : at::Tensor(),
                        stack_.stride[i]);
    if (!stack_.group_norm || i == 0) {
      norm_weight_.push_back(w(l + "layer_norm.weight"));
      norm_bias_.push_back(w(l + "layer_norm.bias"));
    }
  }
}

std::vector<at::Tensor> HfConvFeatureEncoder::operator()(
    const at::Tensor& input_values, const ops::Packing& packing) const {
  const int64_t B = input_values.size(0), L = input_values.size(1);
  // feat_extract_activation.
  const ops::ChunkEpilogue activate_in_place = [&](at::Tensor& chunk) {
    ops::ActivateInPlace(activation_, chunk);
  };
  std::vector<at::Tensor> features;
  for (int64_t b = 0; b < B; ++b) {
    const int64_t frames = packing.length(b);
    if (frames == 0) {
      features.push_back(at::zeros({0, stack_.dim.back()}));
      continue;
    }
    at::Tensor h =
        input_values[b]
            .narrow(0, 0,
                    stack_.group_norm ? L
                                      : ConvInputSamples(stack_.kernel,
                                                         stack_.stride, frames))
            .unsqueeze(1);
    for (size_t i = 0; i < stack_.dim.size(); ++i) {
      if (stack_.group_norm && i == 0) {
        const auto [k_rest, s_rest] = RestOfStack(stack_);
        h = ops::ConvThenChannelNorm(convs_[0], h, norm_weight_[0],
                                     norm_bias_[0], kEps,
                                     ConvInputSamples(k_rest, s_rest, frames));
        activate_in_place(h);
      } else if (stack_.group_norm) {
        h = convs_[i](h, activate_in_place);
      } else {
        const at::Tensor& norm_w = norm_weight_[i];
        const at::Tensor& norm_b = norm_bias_[i];
        h = convs_[i](h, [&](at::Tensor& chunk) {
          ops::LayerNormThenActivateInPlace(activation_, chunk, norm_w, norm_b,
                                            kEps);
        });
      }
    }
    features.push_back(h.narrow(0, 0, frames));
  }
  return features;
}

}  // namespace fairport
