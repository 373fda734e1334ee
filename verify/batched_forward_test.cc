// Batches of a dataset run as padded batches of their own, laid out as the
// dataset's batch: checked against the pass run by hand on each batch.
#include "verify/batched_forward.h"

#include <sstream>
#include <string>
#include <vector>

#include "ATen/TensorOperators.h"
#include "ATen/ops/cat.h"
#include "ATen/ops/equal.h"
#include "ATen/ops/from_blob.h"
#include "ATen/ops/full.h"
#include "ATen/ops/ones.h"
#include "ATen/ops/zeros.h"
#include "absl/strings/str_split.h"
#include "datasets/audio.h"
#include "datasets/synthetic.h"
#include "fairseq/checkpoint.h"
#include "gtest/gtest.h"
#include "tests/fixtures.h"

namespace fairport {
namespace {

using ::fairport::testing::FixturePath;

TEST(SplitIntoBatchesTest, ConsecutiveRunsWithAShorterLast) {
  std::vector<UtteranceRange> batches = SplitIntoBatches(10, 4);
  ASSERT_EQ(batches.size(), 3u);
  EXPECT_EQ(batches[0].begin, 0);
  EXPECT_EQ(batches[0].end, 4);
  EXPECT_EQ(batches[1].begin, 4);
  EXPECT_EQ(batches[1].end, 8);
  EXPECT_EQ(batches[2].begin, 8);
  EXPECT_EQ(batches[2].end, 10);
}

TEST(SplitIntoBatchesTest, ZeroOrAtLeastTheDatasetIsOneBatch) {
  for (int64_t batch_size : {0, 3, 16}) {
    std::vector<UtteranceRange> batches = SplitIntoBatches(3, batch_size);
    ASSERT_EQ(batches.size(), 1u) << batch_size;
    EXPECT_EQ(batches[0].begin, 0);
    EXPECT_EQ(batches[0].end, 3);
  }
}

TEST(StackPaddedTest, ZeroPadsEachPartToTheMostFrames) {
  at::Tensor a = at::ones({2, 3, 2});
  at::Tensor b = at::full({1, 1, 2}, 5.0);
  at::Tensor stacked = StackPadded({a, b});
  at::Tensor expected = at::zeros({3, 3, 2});
  expected.slice(0, 0, 2).fill_(1.0);
  expected[2][0].fill_(5.0);
  EXPECT_TRUE(at::equal(stacked, expected)) << stacked;
}

class BatchedForwardTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<FairseqCheckpoint> checkpoint =
        FairseqCheckpoint::Load(FixturePath("finetuned/checkpoint.pt"));
    ASSERT_TRUE(checkpoint.ok()) << checkpoint.status();
    absl::StatusOr<LoadedModel> model = LoadFairseqModel(*checkpoint);
    ASSERT_TRUE(model.ok()) << model.status();
    model_ = *std::move(model);
    // chirp (1.5 s), noise (1 s), silence (0.5 s): every batch is padded.
    for (auto& [id, samples] : SyntheticUtterances())
      dataset_.utterances.push_back({id, id + ".wav", "", "", samples});
  }

  // The pass run by hand on utterances [begin, end) as one padded batch.
  ForwardOutput ByHand(int64_t begin, int64_t end) {
    std::vector<std::vector<float>> utterances;
    for (int64_t i = begin; i < end; ++i)
      utterances.push_back(dataset_.utterances[i].samples);
    AudioBatch batch = MakeBatch(utterances, model_.normalize);
    at::Tensor values =
        at::from_blob(batch.values.data(), {batch.batch, batch.max_length});
    at::Tensor mask = at::from_blob(batch.attention_mask.data(),
                                    {batch.batch, batch.max_length}, at::kLong);
    return model_.pass->Forward(values, mask, /*with_stages=*/true);
  }

  LoadedModel model_;
  Dataset dataset_;
};

TEST_F(BatchedForwardTest, OneBatchIsThePassOnTheDatasetsPaddedBatch) {
  DatasetForward got =
      ForwardInBatches(model_, dataset_, SplitIntoBatches(3, 16),
                       /*with_stages=*/true, {}, nullptr);
  ForwardOutput want = ByHand(0, 3);
  EXPECT_TRUE(at::equal(got.output.output, want.output));
  EXPECT_TRUE(at::equal(got.output.valid_frames, want.valid_frames));
  ASSERT_EQ(got.output.stages.size(), want.stages.size());
  for (size_t s = 0; s < want.stages.size(); ++s) {
    EXPECT_EQ(got.output.stages[s].name, want.stages[s].name);
    EXPECT_TRUE(at::equal(got.output.stages[s].states, want.stages[s].states))
        << want.stages[s].name;
  }
  EXPECT_EQ(got.mask_samples, (std::vector<int64_t>{24000, 16000, 8000}));
}

TEST_F(BatchedForwardTest,
       EachBatchRunsAloneAndIsZeroPaddedToTheDatasetsFrames) {
  DatasetForward got =
      ForwardInBatches(model_, dataset_, SplitIntoBatches(3, 2),
                       /*with_stages=*/true, {}, nullptr);
  ForwardOutput first = ByHand(0, 2);
  ForwardOutput last = ByHand(2, 3);
  const int64_t frames = first.output.size(1);
  ASSERT_GT(frames, last.output.size(1));
  ASSERT_EQ(got.output.output.sizes(),
            (std::vector<int64_t>{3, frames, first.output.size(2)}));
  EXPECT_TRUE(at::equal(got.output.output.slice(0, 0, 2), first.output));
  EXPECT_TRUE(at::equal(got.output.output[2].slice(0, 0, last.output.size(1)),
                        last.output[0]));
  EXPECT_EQ(got.output.output[2]
                .slice(0, last.output.size(1))
                .abs()
                .max()
                .item<float>(),
            0.0f);
  EXPECT_TRUE(at::equal(got.output.valid_frames,
                        at::cat({first.valid_frames, last.valid_frames})));
  // The silence alone is not padded: not what the 3-utterance batch gives.
  EXPECT_FALSE(at::equal(got.output.output, ByHand(0, 3).output));
  for (size_t s = 0; s < first.stages.size(); ++s) {
    EXPECT_TRUE(at::equal(got.output.stages[s].states.slice(0, 0, 2),
                          first.stages[s].states))
        << first.stages[s].name;
  }
}

TEST_F(BatchedForwardTest, TellsProgressOfEachBatch) {
  std::ostringstream out;
  ProgressOutput output;
  output.out = &out;
  Dataset twelve;
  for (int i = 0; i < 4; ++i)
    for (const Utterance& u : dataset_.utterances)
      twelve.utterances.push_back(u);
  ProgressMeter meter(output, "fairseq pass", "utterances", 12);
  ForwardInBatches(model_, twelve, SplitIntoBatches(12, 5),
                   /*with_stages=*/false, {}, &meter);
  // Batches end at 5, 10 and 12; each is past another tenth.
  std::vector<std::string> lines =
      absl::StrSplit(out.str(), '\n', absl::SkipEmpty());
  ASSERT_EQ(lines.size(), 3u) << out.str();
  EXPECT_EQ(lines[0].rfind("fairseq pass: 5/12 utterances (41%), ", 0), 0u);
  EXPECT_EQ(lines[1].rfind("fairseq pass: 10/12 utterances (83%), ", 0), 0u);
  EXPECT_EQ(lines[2].rfind("fairseq pass: 12/12 utterances, done in ", 0), 0u);
}

}  // namespace
}  // namespace fairport
