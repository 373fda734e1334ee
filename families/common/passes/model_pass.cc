#include "families/common/passes/model_pass.h"

#include <cmath>

namespace fairport {

double ValidFrameFlops(const EncoderShape& a,
                       const std::vector<int64_t>& samples) {
  double flops = 0;
  const double c = a.hidden_size, f = a.intermediate_size;
  for (int64_t n : samples) {
    double length = static_cast<double>(n);
    int64_t in = 1;
    for (size_t i = 0; i < a.conv_dim.size(); ++i) {
      length = std::floor((length - a.conv_kernel[i]) / a.conv_stride[i]) + 1;
      flops += 2.0 * length * a.conv_dim[i] * in * a.conv_kernel[i];
      in = a.conv_dim[i];
    }
    const double t = length;
    flops += 2.0 * t * a.conv_dim.back() * c;  // projection
    flops += a.pos_conv_layers * 2.0 * t * c * (c / a.pos_conv_groups) *
             a.pos_conv_kernel;  // positional convolution
    flops +=
        a.num_hidden_layers *
        (a.encoder_layer_flops
             ? a.encoder_layer_flops(t)
             : 4 * 2.0 * t * c * c + 2 * 2.0 * t * t * c + 2 * 2.0 * t * c * f);
    flops += 2.0 * t * c * a.ctc_vocab;  // CTC head
  }
  return flops;
}

}  // namespace fairport
