// Both forward passes against the golden outputs of the real fairseq
// forward pass (testdata/golden), and against each other on the
// converted fixtures. The passes compute valid frames only: those are
// compared, and padded frames must be zero.
#include <cstdio>

#include "converter/conversion.h"
#include "fairseq/checkpoint.h"
#include "families/forward_family.h"
#include "formats/npy.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "tests/fixtures.h"

namespace fairport {
namespace {

using ::fairport::testing::FixturePath;
using ::fairport::testing::kVariants;

constexpr double kTolerance = 1e-5;

torch::Tensor FromNpy(const std::string& relative) {
  absl::StatusOr<NpyArray> a = ReadNpy(FixturePath(relative));
  EXPECT_TRUE(a.ok()) << a.status();
  return torch::tensor(a->values, torch::kDouble)
      .view(a->shape)
      .to(torch::kFloat);
}

double MaxAbsDiff(const torch::Tensor& a, const torch::Tensor& b) {
  EXPECT_EQ(a.sizes(), b.sizes());
  return (a.to(torch::kDouble) - b.to(torch::kDouble))
      .abs()
      .max()
      .item<double>();
}

// The valid frames of a (B, T, C) batch, utterance after utterance.
torch::Tensor ValidFrames(const torch::Tensor& batch,
                          const torch::Tensor& valid_frames) {
  std::vector<torch::Tensor> valid;
  for (int64_t b = 0; b < batch.size(0); ++b)
    valid.push_back(batch[b].narrow(0, 0, valid_frames[b].item<int64_t>()));
  return torch::cat(valid);
}

void ExpectPaddedFramesZero(const torch::Tensor& batch,
                            const torch::Tensor& valid_frames) {
  for (int64_t b = 0; b < batch.size(0); ++b) {
    const int64_t n = valid_frames[b].item<int64_t>();
    EXPECT_EQ(
        batch[b].narrow(0, n, batch.size(1) - n).abs().sum().item<float>(),
        0.0f)
        << "utterance " << b;
  }
}

// What fairseq was fed for the golden outputs: golden.json's "input"
// (normalised values unless it names the raw audio).
struct Inputs {
  explicit Inputs(const std::string& variant) {
    nlohmann::json golden = nlohmann::json::parse(::fairport::testing::Slurp(
        FixturePath("golden/" + variant + "/golden.json")));
    const std::string kind =
        golden.value("input", "").find("raw_audio") != std::string::npos
            ? "raw_audio"
            : "input_values";
    batch = FromNpy("inputs/batch_" + kind + ".npy");
    single = FromNpy("inputs/single_" + kind + ".npy");
  }
  torch::Tensor batch;
  torch::Tensor attention_mask =
      FromNpy("inputs/batch_attention_mask.npy").to(torch::kLong);
  torch::Tensor single;
};

class ForwardGoldenTest : public ::testing::TestWithParam<const char*> {};

TEST_P(ForwardGoldenTest,
       FairseqForwardMatchesGoldenAndHfForwardMatchesFairseq) {
  const std::string variant = GetParam();
  Inputs in(variant);
  absl::StatusOr<FairseqCheckpoint> checkpoint =
      FairseqCheckpoint::Load(FixturePath(variant + "/checkpoint.pt"));
  ASSERT_TRUE(checkpoint.ok()) << checkpoint.status();
  absl::StatusOr<LoadedModel> original = LoadFairseqModel(*checkpoint);
  ASSERT_TRUE(original.ok()) << original.status();
  const ForwardPass& fairseq = *original->pass;
  const bool ctc = original->ctc;
  const std::string output = ctc ? "logits" : "last_hidden_state";

  ForwardOutput batch = fairseq.Forward(in.batch, in.attention_mask, true);
  ForwardOutput single = fairseq.Forward(in.single, torch::Tensor(), true);
  torch::Tensor golden_mask =
      FromNpy("golden/" + variant + "/batch_frame_padding_mask.npy");
  torch::Tensor frames = (1 - golden_mask).sum(-1).to(torch::kLong);
  ASSERT_TRUE(torch::equal(batch.valid_frames, frames));
  ASSERT_LT(frames.min().item<int64_t>(), batch.output.size(1))
      << "the batch should have padding";
  const double golden_batch = MaxAbsDiff(
      ValidFrames(batch.output, frames),
      ValidFrames(FromNpy("golden/" + variant + "/batch_" + output + ".npy"),
                  frames));
  ExpectPaddedFramesZero(batch.output, frames);
  const double golden_single =
      MaxAbsDiff(single.output,
                 FromNpy("golden/" + variant + "/single_" + output + ".npy"));
  EXPECT_LT(golden_batch, kTolerance);
  EXPECT_LT(golden_single, kTolerance);
  if (!ctc &&
      ::fairport::testing::Slurp(FixturePath(
          "golden/" + variant + "/batch_layer_results_last.npy")) != "") {
    EXPECT_LT(MaxAbsDiff(ValidFrames(batch.stages.back().states, frames),
                         ValidFrames(FromNpy("golden/" + variant +
                                             "/batch_layer_results_last.npy"),
                                     frames)),
              kTolerance);
  }

  const std::string out_dir =
      ::fairport::testing::TempDir() + "/fwd_" + variant;
  ConversionOptions options;
  options.checkpoint_path = FixturePath(variant + "/checkpoint.pt");
  options.output_dir = out_dir;
  options.overwrite = true;
  if (ctc) options.dict_path = FixturePath(variant + "/dict.ltr.txt");
  ASSERT_TRUE(Convert(options).ok());
  absl::StatusOr<LoadedModel> converted = LoadHfModel(out_dir);
  ASSERT_TRUE(converted.ok()) << converted.status();
  const ForwardPass& hf = *converted->pass;
  ForwardOutput hf_batch = hf.Forward(in.batch, in.attention_mask, true);
  ForwardOutput hf_single = hf.Forward(in.single, torch::Tensor(), true);
  if (original->frame_counting != kConvLengthFormula) {
    // fairseq HuBERT counts more valid frames than the conv-length formula
    // on the same sample mask; transformers, given a sample mask whose
    // formula length is fairseq's count, computes the same frames.
    EXPECT_FALSE(torch::equal(hf_batch.valid_frames, frames));
    hf_batch = hf.Forward(
        in.batch, SampleMaskForFrames(hf, frames, in.batch.size(1)), true);
  }
  EXPECT_TRUE(torch::equal(hf_batch.valid_frames, frames));
  ExpectPaddedFramesZero(hf_batch.output, frames);
  const double parity_batch = MaxAbsDiff(hf_batch.output, batch.output);
  const double parity_single = MaxAbsDiff(hf_single.output, single.output);
  EXPECT_LT(parity_batch, kTolerance);
  EXPECT_LT(parity_single, kTolerance);
  // Every stage on the way, under the same names on both sides.
  ASSERT_EQ(hf_batch.stages.size(), batch.stages.size());
  for (size_t s = 0; s < batch.stages.size(); ++s) {
    EXPECT_EQ(hf_batch.stages[s].name, batch.stages[s].name);
    EXPECT_LT(MaxAbsDiff(hf_batch.stages[s].states, batch.stages[s].states),
              kTolerance)
        << batch.stages[s].name;
  }
  // The HF pass on the converted files against fairseq's own outputs.
  const double hf_golden_batch = MaxAbsDiff(
      ValidFrames(hf_batch.output, frames),
      ValidFrames(FromNpy("golden/" + variant + "/batch_" + output + ".npy"),
                  frames));
  const double hf_golden_single =
      MaxAbsDiff(hf_single.output,
                 FromNpy("golden/" + variant + "/single_" + output + ".npy"));
  EXPECT_LT(hf_golden_batch, kTolerance);
  EXPECT_LT(hf_golden_single, kTolerance);
  std::printf(
      "%s: fairseq vs golden %.2e (batch) %.2e (single); HF vs golden %.2e "
      "(batch) %.2e (single); HF vs fairseq %.2e (batch) %.2e (single)\n",
      variant.c_str(), golden_batch, golden_single, hf_golden_batch,
      hf_golden_single, parity_batch, parity_single);
}

INSTANTIATE_TEST_SUITE_P(AllVariants, ForwardGoldenTest,
                         ::testing::ValuesIn(kVariants));
INSTANTIATE_TEST_SUITE_P(
    Families, ForwardGoldenTest,
    ::testing::ValuesIn(::fairport::testing::kFamilyVariants));
// Both conformer passes run the padded batch as padded: the batch golden
// is held on valid frames, the fp16 variants against their own goldens.
INSTANTIATE_TEST_SUITE_P(
    Conformer, ForwardGoldenTest,
    ::testing::ValuesIn(::fairport::testing::kConformerVariants));

}  // namespace
}  // namespace fairport
