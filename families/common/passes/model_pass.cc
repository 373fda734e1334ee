#include "families/common/passes/model_pass.h"

#include <cmath>

#include "ATen/Parallel.h"
#include "ATen/ops/argsort.h"
#include "ATen/ops/cat.h"
#include "ATen/ops/index_select.h"
#include "ATen/ops/tensor.h"
#include "ops/threads.h"

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

ForwardOutput ForwardByUtterance(
    const at::Tensor& input, const at::Tensor& attention_mask,
    const std::function<ForwardOutput(const at::Tensor&, const at::Tensor&)>&
        forward) {
  const int64_t batch = input.dim() == 2 ? input.size(0) : 0;
  if (batch < 2 || at::get_num_threads() < 2 || at::in_parallel_region())
    return forward(input, attention_mask);
  std::vector<int64_t> samples(batch, input.size(1));
  if (attention_mask.defined()) {
    const at::Tensor valid = attention_mask.ne(0).sum(1).to(at::kLong);
    for (int64_t b = 0; b < batch; ++b) samples[b] = valid[b].item<int64_t>();
  }
  const std::vector<std::vector<int64_t>> groups =
      ops::BalancedGroups(samples, at::get_num_threads());
  std::vector<ForwardOutput> outputs(groups.size());
  ops::ParallelForEach(groups.size(), [&](int64_t g) {
    const at::Tensor rows = at::tensor(groups[g], at::kLong);
    outputs[g] =
        forward(input.index_select(0, rows),
                attention_mask.defined() ? attention_mask.index_select(0, rows)
                                         : at::Tensor());
  });
  // The groups' rows one after another; argsort finds each batch row in it.
  std::vector<int64_t> grouped;
  for (const std::vector<int64_t>& rows : groups)
    grouped.insert(grouped.end(), rows.begin(), rows.end());
  const at::Tensor position = at::argsort(at::tensor(grouped, at::kLong));
  auto merge = [&](const std::function<at::Tensor(const ForwardOutput&)>& of) {
    std::vector<at::Tensor> parts;
    for (const ForwardOutput& o : outputs) parts.push_back(of(o));
    return at::cat(parts).index_select(0, position);
  };
  ForwardOutput merged;
  merged.output = merge([](const ForwardOutput& o) { return o.output; });
  merged.valid_frames =
      merge([](const ForwardOutput& o) { return o.valid_frames; });
  for (size_t s = 0; s < outputs[0].stages.size(); ++s) {
    merged.stages.push_back(
        {outputs[0].stages[s].name,
         merge([&](const ForwardOutput& o) { return o.stages[s].states; })});
  }
  return merged;
}

}  // namespace fairport
