// Both forward passes against the golden outputs of the real fairseq
// forward pass (testdata/golden), and against each other on the
// converted fixtures. The passes compute valid frames only: those are
// compared, and padded frames must be zero.
#include <algorithm>
#include <cstdio>
#include <string>
#include <utility>
#include <vector>

#include "ATen/Parallel.h"
#include "ATen/TensorOperators.h"
#include "ATen/ops/cat.h"
#include "ATen/ops/equal.h"
#include "ATen/ops/tensor.h"
#include "absl/strings/str_join.h"
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

at::Tensor FromNpy(const std::string& relative) {
  absl::StatusOr<NpyArray> a = ReadNpy(FixturePath(relative));
  EXPECT_TRUE(a.ok()) << a.status();
  return at::tensor(a->values, at::kDouble).view(a->shape).to(at::kFloat);
}

double MaxAbsDiff(const at::Tensor& a, const at::Tensor& b) {
  EXPECT_EQ(a.sizes(), b.sizes());
  return (a.to(at::kDouble) - b.to(at::kDouble)).abs().max().item<double>();
}

// The valid frames of a (B, T, C) batch, utterance after utterance.
at::Tensor ValidFrames(const at::Tensor& batch,
                       const at::Tensor& valid_frames) {
  std::vector<at::Tensor> valid;
  for (int64_t b = 0; b < batch.size(0); ++b)
    valid.push_back(batch[b].narrow(0, 0, valid_frames[b].item<int64_t>()));
  return at::cat(valid);
}

void ExpectPaddedFramesZero(const at::Tensor& batch,
                            const at::Tensor& valid_frames) {
  for (int64_t b = 0; b < batch.size(0); ++b) {
    const int64_t n = valid_frames[b].item<int64_t>();
    EXPECT_EQ(
        batch[b].narrow(0, n, batch.size(1) - n).abs().sum().item<float>(),
        0.0f)
        << "utterance " << b;
  }
}

// The same stages, in the same order, within the tolerance.
void ExpectSameStages(const ForwardOutput& a, const ForwardOutput& b) {
  ASSERT_EQ(a.stages.size(), b.stages.size());
  for (size_t s = 0; s < b.stages.size(); ++s) {
    EXPECT_EQ(a.stages[s].name, b.stages[s].name);
    EXPECT_LT(MaxAbsDiff(a.stages[s].states, b.stages[s].states), kTolerance)
        << b.stages[s].name;
  }
}

// `split`, the batch as ModelPass runs it on 2 threads (split by utterance,
// one group per thread), against the whole batch on one thread: the same
// frames, each computed as in the whole batch, in the batch's row order.
void ExpectSplitMatchesWholeBatch(const ForwardPass& pass,
                                  const at::Tensor& input,
                                  const at::Tensor& mask,
                                  const ForwardOutput& split) {
  at::set_num_threads(1);
  const ForwardOutput whole = pass.Forward(input, mask, true);
  at::set_num_threads(2);
  EXPECT_TRUE(at::equal(split.valid_frames, whole.valid_frames));
  EXPECT_LT(MaxAbsDiff(split.output, whole.output), kTolerance);
  ExpectSameStages(split, whole);
}

// What fairseq was fed for the golden outputs: golden.json's "input"
// (normalised values unless it names the raw audio).
struct Inputs {
  explicit Inputs(const std::string& variant) {
    nlohmann::json golden = ::fairport::testing::ReadJson(
        FixturePath("golden/" + variant + "/golden.json"));
    const std::string kind =
        golden.value("input", "").find("raw_audio") != std::string::npos
            ? "raw_audio"
            : "input_values";
    batch = FromNpy("inputs/batch_" + kind + ".npy");
    single = FromNpy("inputs/single_" + kind + ".npy");
  }
  at::Tensor batch;
  at::Tensor attention_mask =
      FromNpy("inputs/batch_attention_mask.npy").to(at::kLong);
  at::Tensor single;
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

  at::set_num_threads(2);  // the batch of 4 runs as 2 groups of 2
  ForwardOutput batch = fairseq.Forward(in.batch, in.attention_mask, true);
  ExpectSplitMatchesWholeBatch(fairseq, in.batch, in.attention_mask, batch);
  ForwardOutput single = fairseq.Forward(in.single, at::Tensor(), true);
  at::Tensor golden_mask =
      FromNpy("golden/" + variant + "/batch_frame_padding_mask.npy");
  at::Tensor frames = (1 - golden_mask).sum(-1).to(at::kLong);
  ASSERT_TRUE(at::equal(batch.valid_frames, frames));
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
  at::Tensor hf_mask = in.attention_mask;
  ForwardOutput hf_batch = hf.Forward(in.batch, hf_mask, true);
  ForwardOutput hf_single = hf.Forward(in.single, at::Tensor(), true);
  if (original->frame_counting != kConvLengthFormula) {
    // fairseq HuBERT counts more valid frames than the conv-length formula
    // on the same sample mask; transformers, given a sample mask whose
    // formula length is fairseq's count, computes the same frames.
    EXPECT_FALSE(at::equal(hf_batch.valid_frames, frames));
    hf_mask = SampleMaskForFrames(hf, frames, in.batch.size(1));
    hf_batch = hf.Forward(in.batch, hf_mask, true);
  }
  EXPECT_TRUE(at::equal(hf_batch.valid_frames, frames));
  ExpectPaddedFramesZero(hf_batch.output, frames);
  ExpectSplitMatchesWholeBatch(hf, in.batch, hf_mask, hf_batch);
  const double parity_batch = MaxAbsDiff(hf_batch.output, batch.output);
  const double parity_single = MaxAbsDiff(hf_single.output, single.output);
  EXPECT_LT(parity_batch, kTolerance);
  EXPECT_LT(parity_single, kTolerance);
  // Every stage on the way, under the same names on both sides.
  ExpectSameStages(hf_batch, batch);
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

// MMS adapter models (mms.md): for every language, fairseq's pass with that
// corpus key and transformers' from model.safetensors plus
// adapter.<lang>.safetensors, against fairseq's golden of that language.
// mms_adapter_postln has no transformers form: its fairseq pass only.
std::string ConvertMms(const std::string& variant) {
  const std::string out = ::fairport::testing::TempDir() + "/mms_" + variant;
  ConversionOptions options;
  options.checkpoint_path = FixturePath(variant + "/checkpoint.pt");
  options.output_dir = out;
  options.overwrite = true;
  if (variant == "mms_lid")
    options.dict_path = FixturePath("mms_lid/dict.lang.txt");
  absl::StatusOr<ConversionSummary> converted = Convert(options);
  EXPECT_TRUE(converted.ok()) << converted.status();
  return out;
}

class MmsAdapterGoldenTest : public ::testing::TestWithParam<const char*> {};

TEST_P(MmsAdapterGoldenTest, EveryLanguageOnBothPassesMatchesItsGolden) {
  const std::string variant = GetParam();
  const bool convertible = variant != "mms_adapter_postln";
  Inputs in(variant);
  nlohmann::json golden = ::fairport::testing::ReadJson(
      FixturePath("golden/" + variant + "/golden.json"));
  const std::vector<std::string> keys = golden["corpus_keys"];
  absl::StatusOr<FairseqCheckpoint> checkpoint =
      FairseqCheckpoint::Load(FixturePath(variant + "/checkpoint.pt"));
  ASSERT_TRUE(checkpoint.ok()) << checkpoint.status();
  const at::Tensor frames =
      (1 - FromNpy("golden/" + variant + "/batch_frame_padding_mask.npy"))
          .sum(-1)
          .to(at::kLong);
  const std::string dir = convertible ? ConvertMms(variant) : "";
  std::vector<std::string> sorted = keys;
  std::sort(sorted.begin(), sorted.end());
  for (const std::string& key : keys) {
    const std::string g = "golden/" + variant + "/" + key + "/";
    const at::Tensor batch_golden =
        ValidFrames(FromNpy(g + "batch_logits.npy"), frames);
    const at::Tensor single_golden = FromNpy(g + "single_logits.npy");
    absl::StatusOr<LoadedModel> original = LoadFairseqModel(*checkpoint, key);
    ASSERT_TRUE(original.ok()) << original.status();
    EXPECT_EQ(original->language, key);
    EXPECT_EQ(original->languages, keys);
    ForwardOutput batch =
        original->pass->Forward(in.batch, in.attention_mask, true);
    ASSERT_TRUE(at::equal(batch.valid_frames, frames));
    ExpectPaddedFramesZero(batch.output, frames);
    const double fairseq_batch =
        MaxAbsDiff(ValidFrames(batch.output, frames), batch_golden);
    const double fairseq_single = MaxAbsDiff(
        original->pass->Forward(in.single, at::Tensor(), false).output,
        single_golden);
    EXPECT_LT(fairseq_batch, kTolerance) << key;
    EXPECT_LT(fairseq_single, kTolerance) << key;
    double hf_batch = -1, hf_single = -1;
    if (convertible) {
      absl::StatusOr<LoadedModel> converted = LoadHfModel(dir, key);
      ASSERT_TRUE(converted.ok()) << converted.status();
      EXPECT_EQ(converted->languages, sorted);
      ForwardOutput hf =
          converted->pass->Forward(in.batch, in.attention_mask, false);
      EXPECT_TRUE(at::equal(hf.valid_frames, frames));
      ExpectPaddedFramesZero(hf.output, frames);
      hf_batch = MaxAbsDiff(ValidFrames(hf.output, frames), batch_golden);
      hf_single = MaxAbsDiff(
          converted->pass->Forward(in.single, at::Tensor(), false).output,
          single_golden);
      EXPECT_LT(hf_batch, kTolerance) << key;
      EXPECT_LT(hf_single, kTolerance) << key;
    }
    std::printf(
        "%s %s: fairseq vs golden %.2e (batch) %.2e (single); HF vs golden "
        "%.2e (batch) %.2e (single)\n",
        variant.c_str(), key.c_str(), fairseq_batch, fairseq_single, hf_batch,
        hf_single);
  }
}

INSTANTIATE_TEST_SUITE_P(Mms, MmsAdapterGoldenTest,
                         ::testing::Values("mms_adapter_ctc",
                                           "mms_adapter_subset",
                                           "mms_adapter_merged",
                                           "mms_adapter_postln"));

// MMS language ID: the logits per utterance and the predicted labels.
// mms_lid_gelu (activation_fn gelu, which transformers has no place for):
// the fairseq pass only.
class MmsLidGoldenTest : public ::testing::TestWithParam<const char*> {};

TEST_P(MmsLidGoldenTest, BothPassesPredictTheGoldenLabels) {
  const std::string variant = GetParam();
  Inputs in(variant);
  nlohmann::json golden = ::fairport::testing::ReadJson(
      FixturePath("golden/" + variant + "/golden.json"));
  const std::vector<std::string> labels = golden["labels"];
  const std::vector<std::string> batch_labels = golden["predicted"]["batch"];
  const std::vector<std::string> single_labels = golden["predicted"]["single"];
  absl::StatusOr<FairseqCheckpoint> checkpoint =
      FairseqCheckpoint::Load(FixturePath(variant + "/checkpoint.pt"));
  ASSERT_TRUE(checkpoint.ok()) << checkpoint.status();
  auto predicted = [](const at::Tensor& logits,
                      const std::vector<std::string>& names) {
    std::vector<std::string> out;
    at::Tensor ids = logits.argmax(-1);
    for (int64_t b = 0; b < ids.size(0); ++b)
      out.push_back(names.at(ids[b].item<int64_t>()));
    return out;
  };
  std::vector<std::pair<std::string, absl::StatusOr<LoadedModel>>> sides;
  sides.emplace_back("fairseq", LoadFairseqModel(*checkpoint));
  if (variant == "mms_lid")
    sides.emplace_back("HF", LoadHfModel(ConvertMms(variant)));
  for (auto& [side, model] : sides) {
    ASSERT_TRUE(model.ok()) << side << ": " << model.status();
    EXPECT_TRUE(model->classifier);
    EXPECT_EQ(model->labels, labels) << side;
    const at::Tensor batch =
        model->pass->Forward(in.batch, in.attention_mask, false).output;
    const at::Tensor single =
        model->pass->Forward(in.single, at::Tensor(), false).output;
    const double batch_diff =
        MaxAbsDiff(batch, FromNpy("golden/" + variant + "/batch_logits.npy"));
    const double single_diff =
        MaxAbsDiff(single, FromNpy("golden/" + variant + "/single_logits.npy"));
    EXPECT_LT(batch_diff, kTolerance) << side;
    EXPECT_LT(single_diff, kTolerance) << side;
    EXPECT_EQ(predicted(batch, model->labels), batch_labels) << side;
    EXPECT_EQ(predicted(single, model->labels), single_labels) << side;
    std::printf("%s %s: vs golden %.2e (batch) %.2e (single); predicted %s\n",
                variant.c_str(), side.c_str(), batch_diff, single_diff,
                absl::StrJoin(predicted(batch, model->labels), " ").c_str());
  }
}

INSTANTIATE_TEST_SUITE_P(Mms, MmsLidGoldenTest,
                         ::testing::Values("mms_lid", "mms_lid_gelu"));

}  // namespace
}  // namespace fairport
