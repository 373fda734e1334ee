#include "ops/activation.h"

#include <cmath>

#include "ATen/TensorOperators.h"
#include "ATen/ops/gelu.h"
#include "ATen/ops/layer_norm.h"
#include "ATen/ops/pow.h"
#include "ATen/ops/relu.h"
#include "ATen/ops/silu.h"
#include "ATen/ops/tanh.h"
#include "ops/pointwise.h"

namespace fairport::ops {

at::Tensor Activate(Activation activation, const at::Tensor& x) {
  switch (activation) {
    case Activation::kGelu: {
      if (!ComputesInPlaceOn(x)) return at::gelu(x);
      at::Tensor y = x.clone();
      GeluInPlace(y);
      return y;
    }
    case Activation::kGeluTanh:
      // fairseq's gelu_accurate and transformers' NewGELUActivation, term
      // for term.
      return 0.5 * x *
             (1 +
              at::tanh(std::sqrt(2 / M_PI) * (x + 0.044715 * at::pow(x, 3))));
    case Activation::kRelu:
      return at::relu(x);
    case Activation::kTanh:
      return at::tanh(x);
    case Activation::kLinear:
      return x;
    case Activation::kSilu:
      return at::silu(x);
  }
  return x;
}

void ActivateInPlace(Activation activation, at::Tensor& x) {
  switch (activation) {
    case Activation::kGelu:
      if (ComputesInPlaceOn(x)) {
        GeluInPlace(x);
      } else {
        at::gelu_(x);
      }
      return;
    case Activation::kRelu:
      at::relu_(x);
      return;
    case Activation::kTanh:
      at::tanh_(x);
      return;
    case Activation::kSilu:
      at::silu_(x);
      return;
    case Activation::kLinear:
      return;
    case Activation::kGeluTanh:
      break;
  }
  x.copy_(Activate(activation, x));
}

void LayerNormThenActivateInPlace(Activation activation, at::Tensor& x,
                                  const at::Tensor& weight,
                                  const at::Tensor& bias, double eps) {
  if (activation == Activation::kGelu && x.dim() == 2 && ComputesInPlaceOn(x) &&
      (!weight.defined() || ComputesInPlaceOn(weight)) &&
      (!bias.defined() || ComputesInPlaceOn(bias))) {
    LayerNormGeluInPlace(x, weight, bias, eps);
    return;
  }
  x.copy_(
      Activate(activation, at::layer_norm(x, {x.size(-1)}, weight, bias, eps)));
}

}  // namespace fairport::ops
