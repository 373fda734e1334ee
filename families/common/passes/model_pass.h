// A family's forward model behind the ForwardPass interface
// (families/forward_family.h): the mask convention of its side, and what
// the conv feature extractor's geometry gives (frame counts, FLOPs). Every
// family's passes are a conv feature extractor, a positional convolution
// stack and a Transformer encoder, which is all the counting needs.
#ifndef FAIRPORT_FAMILIES_COMMON_PASSES_MODEL_PASS_H_
#define FAIRPORT_FAMILIES_COMMON_PASSES_MODEL_PASS_H_

#include <cstdint>
#include <functional>
#include <utility>
#include <vector>

#include "ATen/TensorOperators.h"
#include "ATen/core/Tensor.h"
#include "families/common/conv_layers.h"
#include "families/forward_family.h"

namespace fairport {

// The sizes that decide the matrix products and convolutions.
struct EncoderShape {
  std::vector<int64_t> conv_dim, conv_kernel, conv_stride;
  int64_t hidden_size = 0;
  int64_t intermediate_size = 0;
  int64_t num_hidden_layers = 0;
  int64_t pos_conv_layers = 1;
  int64_t pos_conv_kernel = 0;
  int64_t pos_conv_groups = 1;
  int64_t ctc_vocab = 0;  // rows of the CTC head, 0 without one
  // 2*M*N*K of one encoder layer on t frames, for a family whose layers
  // are not the Transformer encoder layer (the default when unset).
  std::function<double(double t)> encoder_layer_flops;
};

// The fields every family's Architecture names alike (conv stack, encoder
// sizes, CTC head); the caller adds its positional convolution.
template <typename Architecture>
EncoderShape EncoderShapeOf(const Architecture& a) {
  EncoderShape s;
  s.conv_dim = a.conv_dim;
  s.conv_kernel = a.conv_kernel;
  s.conv_stride = a.conv_stride;
  s.hidden_size = a.hidden_size;
  s.intermediate_size = a.intermediate_size;
  s.num_hidden_layers = a.num_hidden_layers;
  s.ctc_vocab = a.ctc ? a.vocab_size : 0;
  return s;
}

// 2*M*N*K of every matrix product and convolution on the valid frames of
// utterances of these lengths.
double ValidFrameFlops(const EncoderShape& shape,
                       const std::vector<int64_t>& samples);

// A batch's forward pass split by utterance across LibTorch's threads:
// `forward` runs on groups of rows of `input` and `attention_mask`, each
// group (B_g, L) keeping the batch's padded length L so that every
// utterance is computed as in the whole batch, one group per thread at
// once and each computing alone (ops::ParallelForEach); the groups'
// outputs and stages are put back in the batch's row order. Groups are
// balanced by valid samples. With one thread or one utterance, `forward`
// runs on the whole batch and its operators use the threads. Measured on a
// base model with 2 threads (bench:parity): splitting every operator of the
// batch across both reached 59-61% of the matmul peak (short operators
// between the products, OpenBLAS's own pool contending with LibTorch's),
// one group per thread 75-87% (data2vec, wav2vec 2.0, HuBERT).
ForwardOutput ForwardByUtterance(
    const at::Tensor& input, const at::Tensor& attention_mask,
    const std::function<ForwardOutput(const at::Tensor&, const at::Tensor&)>&
        forward);

// Which mask the model's Forward takes.
enum class MaskConvention {
  kPadding,    // fairseq: padding_mask, true = padded sample
  kAttention,  // transformers: attention_mask, 1 = valid sample
};

template <typename Model>
class ModelPass : public ForwardPass {
 public:
  // Builds Model(args...) (which may throw c10::Error).
  template <typename... Args>
  ModelPass(MaskConvention mask, EncoderShape shape, Args&&... args)
      : mask_(mask),
        shape_(std::move(shape)),
        model_(std::forward<Args>(args)...) {}

  ForwardOutput Forward(const at::Tensor& input,
                        const at::Tensor& attention_mask,
                        bool with_stages) const override {
    return ForwardByUtterance(
        input, attention_mask, [&](const at::Tensor& x, const at::Tensor& m) {
          if (mask_ == MaskConvention::kPadding && m.defined())
            return model_.Forward(x, m == 0, with_stages);
          return model_.Forward(x, m, with_stages);
        });
  }
  double ValidFrameFlops(const std::vector<int64_t>& samples) const override {
    return ::fairport::ValidFrameFlops(shape_, samples);
  }
  int64_t SamplesForFrames(int64_t frames) const override {
    return ConvInputSamples(shape_.conv_kernel, shape_.conv_stride, frames);
  }
  int64_t FramesForSamples(int64_t samples) const override {
    return ConvOutputFrames(shape_.conv_kernel, shape_.conv_stride, samples);
  }

 private:
  MaskConvention mask_;
  EncoderShape shape_;
  Model model_;
};

}  // namespace fairport

#endif  // FAIRPORT_FAMILIES_COMMON_PASSES_MODEL_PASS_H_
