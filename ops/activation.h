// The element-wise activations fairseq's get_activation_fn and
// transformers' ACT2FN offer between them. Each pass maps its own config's
// names onto these (the names differ: fairseq's gelu_accurate is
// transformers' gelu_new); the arithmetic is written here once, in the
// order both originals compute it.
#ifndef FAIRPORT_OPS_ACTIVATION_H_
#define FAIRPORT_OPS_ACTIVATION_H_

#include "ATen/core/Tensor.h"

namespace fairport::ops {

enum class Activation {
  kGelu,      // x * Phi(x), with erf
  kGeluTanh,  // 0.5 x (1 + tanh(sqrt(2 / pi) (x + 0.044715 x^3)))
  kRelu,
  kTanh,
  kLinear,  // identity
  kSilu,    // x * sigmoid(x), "swish"
};

at::Tensor Activate(Activation activation, const at::Tensor& x);

// The same, written over `x`.
void ActivateInPlace(Activation activation, at::Tensor& x);

// activation(layer_norm(x)) over the last dimension of a 2-D `x`, with
// `weight` and `bias` (C) or undefined, written over `x` (GELU fused with
// the norm, ops/pointwise.h).
void LayerNormThenActivateInPlace(Activation activation, at::Tensor& x,
                                  const at::Tensor& weight,
                                  const at::Tensor& bias, double eps);

}  // namespace fairport::ops

#endif  // FAIRPORT_OPS_ACTIVATION_H_
