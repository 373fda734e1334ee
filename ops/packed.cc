#include "ops/packed.h"

#include <algorithm>

#include "ATen/TensorOperators.h"
#include "ATen/ops/addmm.h"
#include "ATen/ops/bmm.h"
#include "ATen/ops/cat.h"
#include "ATen/ops/conv2d.h"
#include "ATen/ops/empty.h"
#include "ATen/ops/empty_like.h"
#include "ATen/ops/matmul.h"
#include "ATen/ops/mm.h"
#include "ATen/ops/softmax.h"
#include "ATen/ops/sub.h"
#include "ATen/ops/tensor.h"
#include "ATen/ops/zeros.h"

namespace fairport::ops {
namespace {

// Output rows per chunk: a 512-channel chunk is 1 MB, so the epilogue finds
// it in cache, and the window matrix product stays large enough to run at
// full speed (measured: 1024 rows within 5% of one whole-tensor product).
constexpr int64_t kChunkRows = 512;

}  // namespace

Packing::Packing(std::vector<int64_t> lengths) : lengths_(std::move(lengths)) {
  offsets_.reserve(lengths_.size());
  for (int64_t n : lengths_) {
    TORCH_CHECK(n >= 0, "negative length ", n);
    offsets_.push_back(total_);
    total_ += n;
  }
}

at::Tensor Packing::Rows(const at::Tensor& packed, size_t i) const {
  return packed.narrow(0, offsets_[i], lengths_[i]);
}

at::Tensor Packing::Pack(const std::vector<at::Tensor>& rows) const {
  TORCH_CHECK(rows.size() == lengths_.size(), "packing ", rows.size(),
              " utterances as ", lengths_.size());
  for (size_t i = 0; i < rows.size(); ++i)
    TORCH_CHECK(rows[i].size(0) == lengths_[i], "utterance ", i, " has ",
                rows[i].size(0), " frames, expected ", lengths_[i]);
  return at::cat(rows);
}

at::Tensor Packing::Pad(const at::Tensor& packed, int64_t max_length) const {
  at::Tensor out =
      at::zeros({static_cast<int64_t>(size()), max_length, packed.size(1)},
                packed.options());
  for (size_t i = 0; i < size(); ++i) {
    TORCH_CHECK(lengths_[i] <= max_length, "utterance ", i, " has ",
                lengths_[i], " frames, more than ", max_length);
    out[i].narrow(0, 0, lengths_[i]).copy_(Rows(packed, i));
  }
  return out;
}

at::Tensor Packing::Lengths() const { return at::tensor(lengths_, at::kLong); }

ChannelsLastConv1d::ChannelsLastConv1d(const at::Tensor& weight,
                                       const at::Tensor& bias, int64_t stride)
    : bias_(bias),
      in_channels_(weight.size(1)),
      kernel_(weight.size(2)),
      stride_(stride) {
  TORCH_CHECK(weight.dim() == 3 && stride > 0, "conv1d: weight ",
              weight.sizes(), ", stride ", stride);
  // Element (j, c) of a window row multiplies weight[:, c, j].
  weight_ = weight.permute({2, 1, 0})
                .reshape({kernel_ * in_channels_, weight.size(0)})
                .contiguous();
}

at::Tensor ChannelsLastConv1d::operator()(const at::Tensor& x,
                                          const ChunkEpilogue& epilogue,
                                          int64_t keep) const {
  TORCH_CHECK(x.dim() == 2 && x.size(1) == in_channels_, "conv1d: input ",
              x.sizes(), " for ", in_channels_, " channels");
  const int64_t cin = in_channels_, k = kernel_, stride = stride_;
  const int64_t frames = x.size(0) < k ? 0 : (x.size(0) - k) / stride + 1;
  const int64_t kept = keep < 0 ? frames : std::min(keep, frames);
  at::Tensor out = at::empty({kept, weight_.size(1)}, x.options());
  if (frames == 0) return out;
  at::Tensor scratch;
  if (kept < frames) {
    scratch = at::empty({std::min(frames - kept, kChunkRows), weight_.size(1)},
                        x.options());
  }
  // Row t of the window matrix is x[t*stride .. t*stride+K) flattened.
  const at::Tensor input = x.contiguous();
  at::Tensor windows =
      at::empty({std::min(frames, kChunkRows), k * cin}, x.options());
  for (int64_t t0 = 0; t0 < frames; t0 += kChunkRows) {
    const int64_t rows = std::min(kChunkRows, frames - t0);
    at::Tensor window = windows.narrow(0, 0, rows);
    window.copy_(input.as_strided({rows, k * cin}, {stride * cin, 1},
                                  input.storage_offset() + t0 * stride * cin));
    if (t0 + rows <= kept || t0 >= kept) {
      ComputeChunk(
          t0 < kept ? out.narrow(0, t0, rows) : scratch.narrow(0, 0, rows),
          window, epilogue);
    } else {  // straddles `kept`: the head is stored, the rest dropped
      const int64_t head = kept - t0;
      ComputeChunk(out.narrow(0, t0, head), window.narrow(0, 0, head),
                   epilogue);
      ComputeChunk(scratch.narrow(0, 0, rows - head),
                   window.narrow(0, head, rows - head), epilogue);
    }
  }
  return out;
}

void ChannelsLastConv1d::ComputeChunk(at::Tensor chunk,
                                      const at::Tensor& window,
                                      const ChunkEpilogue& epilogue) const {
  if (bias_.defined()) {
    at::addmm_out(chunk, bias_, window, weight_);
  } else {
    at::mm_out(chunk, window, weight_);
  }
  if (epilogue) epilogue(chunk);
}

at::Tensor ChannelsLastPointwiseConv1d(const at::Tensor& x,
                                       const at::Tensor& weight) {
  TORCH_CHECK(
      weight.dim() == 3 && weight.size(2) == 1 && x.size(-1) == weight.size(1),
      "pointwise conv1d: input ", x.sizes(), ", weight ", weight.sizes());
  return at::matmul(x, weight.select(2, 0).t());
}

ChannelsLastGroupedConv1d::ChannelsLastGroupedConv1d(const at::Tensor& weight,
                                                     const at::Tensor& bias,
                                                     int64_t padding,
                                                     int64_t groups)
    : bias_(bias), padding_(padding), groups_(groups) {
  TORCH_CHECK(weight.dim() == 3 && groups > 0 && weight.size(0) % groups == 0 &&
                  padding >= 0 &&
                  (!bias.defined() || bias.numel() == weight.size(0)),
              "grouped conv1d: weight ", weight.sizes(), ", ", groups,
              " groups, padding ", padding);
  weight_ = weight.unsqueeze(2).contiguous(at::MemoryFormat::ChannelsLast);
}

at::Tensor ChannelsLastGroupedConv1d::operator()(const at::Tensor& x) const {
  TORCH_CHECK(x.dim() == 3 && x.size(2) == weight_.size(1) * groups_,
              "grouped conv1d: input ", x.sizes(), " for weight ",
              weight_.sizes(), " in ", groups_, " groups");
  // (B, T, C) seen as (B, C, 1, T) is a channels-last image: oneDNN then
  // writes its output channels-last too.
  const at::Tensor image =
      x.transpose(1, 2).unsqueeze(2).contiguous(at::MemoryFormat::ChannelsLast);
  const std::vector<int64_t> stride{1, 1}, padding{0, padding_}, dilation{1, 1};
  return at::conv2d(image, weight_, bias_, stride, padding, dilation, groups_)
      .squeeze(2)
      .transpose(1, 2);
}

at::Tensor ChannelsLastDepthwiseConv1d(const at::Tensor& x,
                                       const at::Tensor& weight) {
  const int64_t C = x.size(-1), K = weight.size(-1);
  TORCH_CHECK(x.dim() == 3 && weight.dim() == 3 && weight.size(0) == C &&
                  weight.size(1) == 1 && K % 2 == 1,
              "depthwise conv1d: input ", x.sizes(), ", weight ",
              weight.sizes());
  return ChannelsLastGroupedConv1d(weight, at::Tensor(), (K - 1) / 2, C)(x);
}

at::Tensor ConvThenChannelNorm(const ChannelsLastConv1d& conv,
                               const at::Tensor& x, const at::Tensor& weight,
                               const at::Tensor& bias, double eps,
                               int64_t keep) {
  // Per chunk a two-pass mean and sum of squared deviations (column sums,
  // which LibTorch vectorises across channels), merged across chunks by
  // Chan et al.'s pairwise formula, per channel, in double.
  int64_t count = 0;
  at::Tensor mean, m2, deviations;
  auto gather = [&](at::Tensor& chunk) {
    const int64_t n = chunk.size(0);
    if (!deviations.defined())
      deviations = at::empty({kChunkRows, chunk.size(1)}, chunk.options());
    const at::Tensor chunk_mean = chunk.sum(0).div_(n);
    at::Tensor d = deviations.narrow(0, 0, n);
    at::sub_out(d, chunk, chunk_mean);
    const at::Tensor chunk_m2 = d.mul_(d).sum(0).to(at::kDouble);
    const at::Tensor b_mean = chunk_mean.to(at::kDouble);
    if (count == 0) {
      mean = b_mean;
      m2 = chunk_m2;
    } else {
      const double total = static_cast<double>(count + n);
      const at::Tensor delta = b_mean - mean;
      mean += delta * (n / total);
      m2 +=
          chunk_m2 + delta.square() * (static_cast<double>(count) * n / total);
    }
    count += n;
  };
  at::Tensor out = conv(x, gather, keep);
  if (count == 0) return out;
  // (x - mean) * (rstd * weight) + bias, a chunk at a time.
  const at::ScalarType type = out.scalar_type();
  const at::Tensor mean_f = mean.to(type);
  const at::Tensor scale =
      ((m2 / static_cast<double>(count) + eps).rsqrt() * weight.to(at::kDouble))
          .to(type);
  for (int64_t t0 = 0; t0 < out.size(0); t0 += kChunkRows) {
    out.narrow(0, t0, std::min(kChunkRows, out.size(0) - t0))
        .sub_(mean_f)
        .mul_(scale)
        .add_(bias);
  }
  return out;
}

at::Tensor AsInPaddedBatch(
    const at::Tensor& rows, int64_t padded_length, int64_t context,
    const std::function<at::Tensor(const at::Tensor&)>& stack) {
  const int64_t t = rows.size(0);
  TORCH_CHECK(t <= padded_length, t, " frames in a batch of ", padded_length);
  const int64_t frames = std::min(t + context, padded_length);
  at::Tensor input = rows;
  if (frames > t) {
    input = at::zeros({frames, rows.size(1)}, rows.options());
    input.narrow(0, 0, t).copy_(rows);
  }
  return stack(input).narrow(0, 0, t);
}

at::Tensor SegmentAttention(const at::Tensor& q, const at::Tensor& k,
                            const at::Tensor& v, const Packing& packing,
                            int64_t heads) {
  TORCH_CHECK(q.sizes() == k.sizes() && q.sizes() == v.sizes() &&
                  q.size(0) == packing.total() && q.size(1) % heads == 0,
              "attention: q ", q.sizes(), ", k ", k.sizes(), ", v ", v.sizes(),
              " for ", packing.total(), " frames and ", heads, " heads");
  const int64_t c = q.size(1), d = c / heads;
  at::Tensor out = at::empty_like(q);
  for (size_t i = 0; i < packing.size(); ++i) {
    const int64_t t = packing.length(i);
    if (t == 0) continue;
    // (T, C) -> (H, T, d)
    auto split = [&](const at::Tensor& x) {
      return packing.Rows(x, i).view({t, heads, d}).transpose(0, 1);
    };
    at::Tensor weights =
        at::softmax(at::bmm(split(q), split(k).transpose(1, 2)), -1);
    packing.Rows(out, i)
        .view({t, heads, d})
        .copy_(at::bmm(weights, split(v)).transpose(0, 1));
  }
  return out;
}

}  // namespace fairport::ops
