// Tensor operations on a batch of utterances packed frame by frame: the
// valid frames of every utterance stacked into one (N, C) tensor, so that
// per-frame work (projections, feed-forward, norms) runs as one large
// matrix product and padded frames are never computed. Model-agnostic:
// the forward passes of every family build on these.
#ifndef FAIRPORT_OPS_PACKED_H_
#define FAIRPORT_OPS_PACKED_H_

#include <cstdint>
#include <functional>
#include <vector>

#include "torch/types.h"

namespace fairport::ops {

// Where each utterance's frames sit in a packed (N, C) tensor.
class Packing {
 public:
  explicit Packing(std::vector<int64_t> lengths);

  size_t size() const { return lengths_.size(); }
  int64_t length(size_t i) const { return lengths_[i]; }
  int64_t offset(size_t i) const { return offsets_[i]; }
  // Frames of all utterances together (N).
  int64_t total() const { return total_; }

  // Utterance i's rows of `packed`, a view.
  torch::Tensor Rows(const torch::Tensor& packed, size_t i) const;
  // Stacks per-utterance (length(i), C) tensors into (N, C).
  torch::Tensor Pack(const std::vector<torch::Tensor>& rows) const;
  // (B, max_length, C), utterance i's frames first and zeros after them.
  torch::Tensor Pad(const torch::Tensor& packed, int64_t max_length) const;
  // (B) the lengths as a long tensor.
  torch::Tensor Lengths() const;

 private:
  std::vector<int64_t> lengths_;
  std::vector<int64_t> offsets_;
  int64_t total_ = 0;
};

// A (T_out, Cout) chunk of a convolution's output, to be finished in place
// while it is still in cache.
using ChunkEpilogue = std::function<void(torch::Tensor& chunk)>;

// torch::conv1d without padding, on one utterance held channels-last.
class ChannelsLastConv1d {
 public:
  // `weight` (Cout, Cin, K) in torch's layout, `bias` (Cout) or undefined.
  ChannelsLastConv1d(const torch::Tensor& weight, const torch::Tensor& bias,
                     int64_t stride);

  // `x` (T, Cin) to (T_out, Cout), T_out = (T - K) / stride + 1 (0 if
  // T < K). The output is computed in chunks of rows, each a gathered
  // window matrix times the weight, and `epilogue` (if set) runs on each
  // chunk as soon as it is computed. With `keep` >= 0 only the first
  // min(keep, T_out) rows are returned: the later chunks are computed into
  // a scratch buffer, seen by `epilogue` and dropped.
  torch::Tensor operator()(const torch::Tensor& x,
                           const ChunkEpilogue& epilogue = nullptr,
                           int64_t keep = -1) const;

 private:
  // window (rows, K * Cin) times the weight into `chunk`, then `epilogue`.
  void ComputeChunk(torch::Tensor chunk, const torch::Tensor& window,
                    const ChunkEpilogue& epilogue) const;

  torch::Tensor weight_;  // (K * Cin, Cout), K-major like a window row
  torch::Tensor bias_;
  int64_t in_channels_, kernel_, stride_;
};

// A pointwise (kernel 1) torch::conv1d without bias on a batch held
// channels-last: `x` (..., Cin), `weight` (Cout, Cin, 1); (..., Cout), one
// matrix product.
torch::Tensor ChannelsLastPointwiseConv1d(const torch::Tensor& x,
                                          const torch::Tensor& weight);

// A depthwise torch::conv1d (groups = C, zero padding (K - 1) / 2 each
// side, odd K, no bias) on a batch held channels-last: `x` (B, T, C),
// `weight` (C, 1, K); (B, T, C). oneDNN runs it on the channels-last
// layout as it is, so no transpose is copied.
torch::Tensor ChannelsLastDepthwiseConv1d(const torch::Tensor& x,
                                          const torch::Tensor& weight);

// nn.GroupNorm(C, C, eps) after `conv` on `x` (T, Cin), channels-last: the
// first `keep` frames of the (T_out, C) output, each channel normalised by
// its mean and biased variance over ALL T_out frames, then scaled by
// `weight` and shifted by `bias` (C). The statistics are gathered chunk by
// chunk while the convolution's output is in cache (a two-pass variance
// per chunk, chunks merged in double), and no frame past `keep` is stored.
torch::Tensor ConvThenChannelNorm(const ChannelsLastConv1d& conv,
                                  const torch::Tensor& x,
                                  const torch::Tensor& weight,
                                  const torch::Tensor& bias, double eps,
                                  int64_t keep);

// What `stack` computes on utterance `rows` (T, C) when the utterance sits
// in a batch zero-padded to `padded_length` frames: `stack` maps (T', C) to
// (T', C'), and here runs on the rows followed by zeros up to
// min(T + context, padded_length) frames, of which the first T are
// returned. Exact when the first T outputs of `stack` do not change as its
// input is cut after T + context frames: for L stacked "same" convolutions
// of half-width r whose outputs past the utterance are no longer zero
// (bias, norm), context = (L - 1) * r.
torch::Tensor AsInPaddedBatch(
    const torch::Tensor& rows, int64_t padded_length, int64_t context,
    const std::function<torch::Tensor(const torch::Tensor&)>& stack);

// Multi-head attention within each utterance: `q`, `k`, `v` (N, C) packed
// as `packing` says, C split into `heads` heads; every frame attends to the
// frames of its own utterance, softmax(q k^T) v (scale q beforehand).
// Returns (N, C), heads concatenated as they were split.
torch::Tensor SegmentAttention(const torch::Tensor& q, const torch::Tensor& k,
                               const torch::Tensor& v, const Packing& packing,
                               int64_t heads);

}  // namespace fairport::ops

#endif  // FAIRPORT_OPS_PACKED_H_
