#include "ops/activation.h"

#include <cmath>

#include "ATen/TensorOperators.h"
#include "ATen/ops/gelu.h"
#include "ATen/ops/pow.h"
#include "ATen/ops/relu.h"
#include "ATen/ops/silu.h"
#include "ATen/ops/tanh.h"

namespace fairport::ops {

at::Tensor Activate(Activation activation, const at::Tensor& x) {
  switch (activation) {
    case Activation::kGelu:
      return at::gelu(x);
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

}  // namespace fairport::ops
