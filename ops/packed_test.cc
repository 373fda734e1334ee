// The packed operations against LibTorch's own padded-batch equivalents.
#include "ops/packed.h"

#include <limits>

#include "ATen/Context.h"
#include "ATen/TensorOperators.h"
#include "ATen/ops/arange.h"
#include "ATen/ops/conv1d.h"
#include "ATen/ops/equal.h"
#include "ATen/ops/gelu.h"
#include "ATen/ops/group_norm.h"
#include "ATen/ops/layer_norm.h"
#include "ATen/ops/matmul.h"
#include "ATen/ops/ones.h"
#include "ATen/ops/randn.h"
#include "ATen/ops/softmax.h"
#include "ATen/ops/tensor.h"
#include "ATen/ops/zeros.h"
#include "gtest/gtest.h"

namespace fairport::ops {
namespace {

double MaxAbsDiff(const at::Tensor& a, const at::Tensor& b) {
  EXPECT_EQ(a.sizes(), b.sizes());
  return a.numel() == 0 ? 0.0 : (a - b).abs().max().item<double>();
}

struct ConvCase {
  int64_t cin, cout, kernel, stride, length;
  bool bias;
};

class ConvTest : public ::testing::TestWithParam<ConvCase> {};

TEST_P(ConvTest, MatchesTorchConv1d) {
  const ConvCase c = GetParam();
  at::manual_seed(7);
  at::Tensor x = at::randn({c.length, c.cin});
  at::Tensor w = at::randn({c.cout, c.cin, c.kernel});
  at::Tensor b = c.bias ? at::randn({c.cout}) : at::Tensor();
  at::Tensor expected = at::conv1d(x.t().unsqueeze(0), w, b, c.stride)[0].t();
  int chunks = 0;
  at::Tensor got =
      ChannelsLastConv1d(w, b, c.stride)(x, [&](at::Tensor& chunk) {
        ++chunks;
        chunk.mul_(2);  // the epilogue's work lands in the output
      });
  EXPECT_LT(MaxAbsDiff(got, 2 * expected), 1e-4);
  EXPECT_EQ(chunks, (expected.size(0) + 511) / 512);
}

INSTANTIATE_TEST_SUITE_P(
    Shapes, ConvTest,
    ::testing::Values(ConvCase{1, 16, 10, 5, 8000, false},  // > 3 chunks
                      ConvCase{8, 12, 3, 2, 101, true},
                      ConvCase{8, 12, 2, 2, 1027, false},
                      ConvCase{4, 6, 5, 1, 5, true}));  // one frame

TEST(ConvTest, ShorterThanKernelGivesNoFrames) {
  at::Tensor out =
      ChannelsLastConv1d(at::randn({4, 3, 3}), {}, 1)(at::randn({2, 3}));
  EXPECT_EQ(out.sizes(), (std::vector<int64_t>{0, 4}));
}

TEST(ConvTest, RejectsChannelMismatch) {
  EXPECT_THROW(
      ChannelsLastConv1d(at::randn({4, 2, 3}), {}, 1)(at::randn({9, 3})),
      c10::Error);
}

TEST(ConvTest, KeepStoresOnlyTheFirstFramesButShowsEveryChunk) {
  at::manual_seed(11);
  at::Tensor x = at::randn({6000, 1});
  at::Tensor w = at::randn({8, 1, 10});
  at::Tensor expected = at::conv1d(x.t().unsqueeze(0), w, {}, 5)[0].t();
  ASSERT_EQ(expected.size(0), 1199);
  for (int64_t keep : {0, 1, 300, 512, 700, 1199, 5000}) {
    int64_t seen = 0;
    at::Tensor got = ChannelsLastConv1d(w, {}, 5)(
        x, [&](at::Tensor& chunk) { seen += chunk.size(0); }, keep);
    const int64_t kept = std::min<int64_t>(keep, 1199);
    EXPECT_EQ(seen, 1199) << "keep " << keep;
    EXPECT_LT(MaxAbsDiff(got, expected.narrow(0, 0, kept)), 1e-4)
        << "keep " << keep;
  }
}

TEST(ChannelsLastConvTest, PointwiseMatchesTorchConv1d) {
  at::manual_seed(17);
  at::Tensor x = at::randn({3, 40, 8});
  at::Tensor w = at::randn({12, 8, 1});
  at::Tensor expected = at::conv1d(x.transpose(1, 2), w).transpose(1, 2);
  EXPECT_LT(MaxAbsDiff(ChannelsLastPointwiseConv1d(x, w), expected), 1e-4);
  EXPECT_THROW(ChannelsLastPointwiseConv1d(x, at::randn({12, 8, 3})),
               c10::Error);
}

// A positional convolution's shape, smaller: even and odd kernels, groups,
// bias, and a batch of 2.
TEST(ChannelsLastConvTest, GroupedMatchesTorchConv1d) {
  at::manual_seed(23);
  for (int64_t k : {4, 5}) {
    at::Tensor x = at::randn({2, 33, 24});
    at::Tensor w = at::randn({24, 6, k}), b = at::randn({24});
    at::Tensor expected =
        at::conv1d(x.transpose(1, 2).contiguous(), w, b, 1, k / 2, 1, 4)
            .transpose(1, 2);
    at::Tensor got = ChannelsLastGroupedConv1d(w, b, k / 2, 4)(x);
    ASSERT_EQ(got.sizes(), expected.sizes()) << "kernel " << k;
    EXPECT_LT(MaxAbsDiff(got, expected), 1e-4) << "kernel " << k;
    EXPECT_TRUE(got.is_contiguous()) << "kernel " << k;
  }
  EXPECT_THROW(ChannelsLastGroupedConv1d(at::randn({24, 6, 3}), {}, 1, 5),
               c10::Error);
  EXPECT_THROW(ChannelsLastGroupedConv1d(at::randn({24, 6, 3}), {}, 1,
                                         4)(at::randn({1, 9, 12})),
               c10::Error);
}

TEST(ChannelsLastConvTest, DepthwiseMatchesTorchConv1dWithoutCopies) {
  at::manual_seed(19);
  for (int64_t k : {1, 3, 31}) {
    at::Tensor x = at::randn({2, 57, 16});
    at::Tensor w = at::randn({16, 1, k});
    at::Tensor expected =
        at::conv1d(x.transpose(1, 2).contiguous(), w, {}, 1, (k - 1) / 2, 1, 16)
            .transpose(1, 2);
    at::Tensor got = ChannelsLastDepthwiseConv1d(x, w);
    EXPECT_LT(MaxAbsDiff(got, expected), 1e-4) << "kernel " << k;
    EXPECT_TRUE(got.is_contiguous()) << "kernel " << k;
  }
  EXPECT_THROW(
      ChannelsLastDepthwiseConv1d(at::randn({2, 9, 16}), at::randn({16, 1, 4})),
      c10::Error);
}

// nn.GroupNorm(C, C) over the whole conv output, as LibTorch computes it,
// then the first `keep` frames.
TEST(ConvThenChannelNormTest, MatchesGroupNormOverAllFrames) {
  at::manual_seed(13);
  // An offset and scale per channel, so that the statistics matter.
  at::Tensor x = at::randn({9000, 1}) * 3 + 0.5;
  at::Tensor w = at::randn({16, 1, 10});
  at::Tensor gamma = at::randn({16}), beta = at::randn({16});
  at::Tensor conv = at::conv1d(x.t().unsqueeze(0), w, {}, 5);
  at::Tensor expected = at::group_norm(conv, 16, gamma, beta, 1e-5)[0].t();
  ASSERT_EQ(expected.size(0), 1799);
  for (int64_t keep : {0, 37, 512, 1000, 1799}) {
    at::Tensor got = ConvThenChannelNorm(ChannelsLastConv1d(w, {}, 5), x, gamma,
                                         beta, 1e-5, keep);
    EXPECT_LT(MaxAbsDiff(got, expected.narrow(0, 0, keep)), 1e-4)
        << "keep " << keep;
  }
}

TEST(ConvThenChannelNormTest, NoFramesGivesAnEmptyOutput) {
  at::Tensor out = ConvThenChannelNorm(
      ChannelsLastConv1d(at::randn({4, 1, 10}), {}, 5), at::randn({3, 1}),
      at::ones({4}), at::zeros({4}), 1e-5, 10);
  EXPECT_EQ(out.sizes(), (std::vector<int64_t>{0, 4}));
}

TEST(PackingTest, PadPlacesRowsAndZeros) {
  Packing packing({2, 0, 3});
  EXPECT_EQ(packing.total(), 5);
  EXPECT_EQ(packing.offset(2), 2);
  at::Tensor packed = at::arange(10, at::kFloat).view({5, 2}) + 1;
  at::Tensor padded = packing.Pad(packed, 4);
  at::Tensor expected = at::tensor({1, 2, 3, 4, 0, 0, 0, 0, 0, 0,  0, 0,
                                    0, 0, 0, 0, 5, 6, 7, 8, 9, 10, 0, 0},
                                   at::kFloat)
                            .view({3, 4, 2});
  EXPECT_TRUE(at::equal(padded, expected));
  EXPECT_TRUE(at::equal(packing.Lengths(), at::tensor({2, 0, 3})));
  EXPECT_THROW(packing.Pad(packed, 2), c10::Error);
  EXPECT_THROW(packing.Pack({packed, packed, packed}), c10::Error);
}

// Three "same" convolutions of half-width 2 with bias, norm and GELU, so
// that frames past the utterance stop being zero after the first.
at::Tensor ConvStack(const at::Tensor& x, const at::Tensor& w,
                     const at::Tensor& b) {
  at::Tensor h = x.t().unsqueeze(0);  // (1, C, T)
  for (int i = 0; i < 3; ++i) {
    h = at::conv1d(h, w, b, 1, 2);
    h = at::gelu(at::layer_norm(h.transpose(1, 2), {h.size(1)}))
            .transpose(1, 2);
  }
  return h[0].t();
}

TEST(AsInPaddedBatchTest, ExactWithEnoughContextAndOnlyThen) {
  at::manual_seed(5);
  const int64_t t = 20, padded = 40, c = 4;
  at::Tensor w = at::randn({c, c, 5}), b = at::randn({c});
  at::Tensor rows = at::randn({t, c});
  at::Tensor batch = at::zeros({padded, c});
  batch.narrow(0, 0, t).copy_(rows);
  at::Tensor expected = ConvStack(batch, w, b).narrow(0, 0, t);
  auto stack = [&](const at::Tensor& x) { return ConvStack(x, w, b); };
  // context (L - 1) * r = 4 is exact, and so is a cut at the batch's end.
  EXPECT_TRUE(at::equal(AsInPaddedBatch(rows, padded, 4, stack), expected));
  EXPECT_TRUE(
      at::equal(AsInPaddedBatch(rows, t + 2, 100, stack),
                ConvStack(batch.narrow(0, 0, t + 2), w, b).narrow(0, 0, t)));
  // One frame less and the last frame sees the cut.
  EXPECT_GT(MaxAbsDiff(AsInPaddedBatch(rows, padded, 3, stack), expected),
            1e-4);
  EXPECT_THROW(AsInPaddedBatch(rows, t - 1, 4, stack), c10::Error);
}

TEST(SegmentAttentionTest, MatchesMaskedPaddedAttention) {
  at::manual_seed(3);
  const std::vector<int64_t> lengths = {7, 3, 5};
  const int64_t heads = 4, d = 6, c = heads * d, max_t = 7;
  Packing packing(lengths);
  at::Tensor q = at::randn({packing.total(), c});
  at::Tensor k = at::randn({packing.total(), c});
  at::Tensor v = at::randn({packing.total(), c});
  at::Tensor got = SegmentAttention(q, k, v, packing, heads);

  // The padded batch with a key-padding mask, as fairseq computes it.
  auto heads_first = [&](const at::Tensor& x) {
    return packing.Pad(x, max_t)
        .view({3, max_t, heads, d})
        .transpose(1, 2);  // (B, H, T, d)
  };
  at::Tensor scores =
      at::matmul(heads_first(q), heads_first(k).transpose(-1, -2));
  at::Tensor pad =
      at::arange(max_t).unsqueeze(0) >= at::tensor(lengths).unsqueeze(1);
  scores = scores.masked_fill(pad.view({3, 1, 1, max_t}),
                              -std::numeric_limits<float>::infinity());
  at::Tensor padded = at::matmul(at::softmax(scores, -1), heads_first(v))
                          .transpose(1, 2)
                          .reshape({3, max_t, c});
  for (size_t i = 0; i < lengths.size(); ++i) {
    EXPECT_LT(
        MaxAbsDiff(packing.Rows(got, i), padded[i].narrow(0, 0, lengths[i])),
        1e-5);
  }
}

}  // namespace
}  // namespace fairport::ops
