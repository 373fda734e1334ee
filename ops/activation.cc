#include "ops/activation.h"

#include <cmath>

namespace fairport::ops {

torch::Tensor Activate(Activation activation, const torch::Tensor& x) {
  switch (activation) {
    case Activation::kGelu:
      return torch::gelu(x);
    case Activation::kGeluTanh:
      // fairseq's gelu_accurate and transformers' NewGELUActivation, term
      // for term.
      return 0.5 * x *
             (1 + torch::tanh(std::sqrt(2 / M_PI) *
                              (x + 0.044715 * torch::pow(x, 3))));
    case Activation::kRelu:
      return torch::relu(x);
    case Activation::kTanh:
      return torch::tanh(x);
    case Activation::kLinear:
      return x;
    case Activation::kSilu:
      return torch::silu(x);
  }
  return x;
}

}  // namespace fairport::ops
