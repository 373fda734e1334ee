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

#include "ATen/core/Tensor.h"
#include "ATen/ops/conv1d.h"

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
  at::Tensor Rows(const at::Tensor& packed, size_t i) const;
  // Stacks per-utterance (length(i), C) tensors into (N, C).
  at::Tensor Pack(const std::vector<at::Tensor>& rows) const;
  // (B, max_length, C), utterance i's frames first and zeros after them.
  at::Tensor Pad(const at::Tensor& packed, int64_t max_length) const;
  // (B) the lengths as a long tensor.
  at::Tensor Lengths() const;

 private:
  std::vector<int64_t> lengths_;
  std::vector<int64_t> offsets_;
  int64_t total_ = 0;
};

// A (T_out, Cout) chunk of a convolution's output, to be finished in place
// while it is still in cache.
using ChunkEpilogue = std::function<void(at::Tensor& chunk)>;

// at::conv1d without padding, on one utterance held channels-last.
class ChannelsLastConv1d {
 public:
  // `weight` (Cout, Cin, K) in torch's layout, `bias` (Cout) or undefined.
  ChannelsLastConv1d(const at::Tensor& weight, const at::Tensor& bias,
                     int64_t stride);

  // `x` (T, Cin) to (T_out, Cout), T_out = (T - K) / stride + 1 (0 if
  // T < K). The output is computed in chunks of rows, each a gathered
  // window matrix times the weight, and `epilogue` (if set) runs on each
  // chunk as soon as it is computed. With `keep` >= 0 only the first
  // min(keep, T_out) rows are returned: the later chunks are computed into
  // a scratch buffer, seen by `epilogue` and dropped.
  at::Tensor operator()(const at::Tensor& x,
                        const ChunkEpilogue& epilogue = nullptr,
                        int64_t keep = -1) const;

 private:
  // window (rows, K * Cin) times the weight into `chunk`, then `epilogue`.
  void ComputeChunk(at::Tensor chunk, const at::Tensor& window,
                    const ChunkEpilogue& epilogue) const;

  at::Tensor weight_;  // (K * Cin, Cout), K-major like a window row
  at::Tensor bias_;
  int64_t in_channels_, kernel_, stride_;
};

// A pointwise (kernel 1) at::conv1d without bias on a batch held
// channels-last: `x` (..., Cin), `weight` (Cout, Cin, 1); (..., Cout), one
// matrix product.
at::Tensor ChannelsLastPointwiseConv1d(const at::Tensor& x,
                                       const at::Tensor& weight);

// at::conv1d with stride 1, zero padding `padding` on each side and
// `groups`, on a batch held channels-last. The weight is kept in the
// layout oneDNN computes channels-last with (converted once here), and
// oneDNN reads and writes the channels-last layout as it is, so no
// transpose is copied (measured on a base model's positional convolution,
// (249, 768), K 128, 16 groups: 33 ms, at::conv1d on channels-first 59 ms).
class ChannelsLastGroupedConv1d {
 public:
  // `weight` (Cout, Cin / groups, K) in torch's layout, `bias` (Cout) or
  // undefined.
  ChannelsLastGroupedConv1d(const at::Tensor& weight, const at::Tensor& bias,
                            int64_t padding, int64_t groups);

  // `x` (B, T, Cin) to (B, T + 2 padding - K + 1, Cout), contiguous.
  at::Tensor operator()(const at::Tensor& x) const;

 private:
  at::Tensor weight_;  // (Cout, Cin / groups, 1, K), channels-last
  at::Tensor bias_;
  int64_t padding_, groups_;
};

// A depthwise at::conv1d (groups = C, zero padding (K - 1) / 2 each
// side, odd K, no bias) on a batch held channels-last: `x` (B, T, C),
// `weight` (C, 1, K); (B, T, C). oneDNN runs it on the channels-last
// layout as it is, so no transpose is copied.
at::Tensor ChannelsLastDepthwiseConv1d(const at::Tensor& x,
                                       const at::Tensor& weight);

// nn.GroupNorm(C, C, eps) after `conv` on `x` (T, Cin), channels-last: the
// first `keep` frames of the (T_out, C) output, each channel normalised by
// its mean and biased variance over ALL T_out frames, then scaled by
// `weight` and shifted by `bias` (C). The statistics are gathered chunk by
// chunk while the convolution's output is in cache (a two-pass variance
// per chunk, chunks merged in double), and no frame past `keep` is stored.
at::Tensor ConvThenChannelNorm(const ChannelsLastConv1d& conv,
                               const at::Tensor& x, const at::Tensor& weight,
                               const at::Tensor& bias, double eps,
                               int64_t keep);

// What `stack` computes on utterance `rows` (T, C) when the utterance sits
// in a batch zero-padded to `padded_length` frames: `stack` maps (T', C) to
// (T', C'), and here runs on the rows followed by zeros up to
// min(T + context, padded_length) frames, of which the first T are
// returned. Exact when the first T outputs of `stack` do not change as its
// input is cut after T + context frames: for L stacked "same" convolutions
// of half-width r whose outputs past the utterance are no longer zero
// (bias, norm), context = (L - 1) * r.
at::Tensor AsInPaddedBatch(
    const at::Tensor& rows, int64_t padded_length, int64_t context,
    const std::function<at::Tensor(const at::Tensor&)>& stack);

// Multi-head attention within each utterance: `q`, `k`, `v` (N, C) packed
// as `packing` says, C split into `heads` heads; every frame attends to the
// frames of its own utterance, softmax(q k^T) v (scale q beforehand).
// Returns (N, C), heads concatenated as they were split.
at::Tensor SegmentAttention(const at::Tensor& q, const at::Tensor& k,
                            const at::Tensor& v, const Packing& packing,
                            int64_t heads);

}  // namespace fairport::ops

#endif  // FAIRPORT_OPS_PACKED_H_
