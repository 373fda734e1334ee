// The conformer's forward passes beyond the goldens
// (verify/forward_golden_test.cc holds those): a padded utterance depends
// on its padding exactly as fairseq measured it, and what neither pass
// implements is refused by name.
#include <filesystem>
#include <fstream>
#include <string>

#include "ATen/TensorOperators.h"
#include "ATen/ops/tensor.h"
#include "base/json.h"
#include "fairseq/checkpoint.h"
#include "families/forward_family.h"
#include "formats/npy.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "tests/fixtures.h"

namespace fairport {
namespace {

using ::fairport::testing::FixturePath;
using ::fairport::testing::ReadJson;
using ::fairport::testing::Slurp;

at::Tensor FromNpy(const std::string& relative) {
  absl::StatusOr<NpyArray> a = ReadNpy(FixturePath(relative));
  EXPECT_TRUE(a.ok()) << a.status();
  return at::tensor(a->values, at::kDouble).view(a->shape).to(at::kFloat);
}

class PaddingDependenceTest : public ::testing::TestWithParam<const char*> {};

// conformer.json's fairseq_padded_utterance_vs_alone: how far each
// utterance of the padded batch is from the same utterance run alone, as
// the real fairseq computed it. The fairseq pass, run both ways, must move
// by as much: a pass that trimmed each utterance, or zeroed padded frames
// between layers, would move by nothing.
TEST_P(PaddingDependenceTest, PaddedUtteranceMovesAsInFairseq) {
  const std::string variant = GetParam();
  const nlohmann::json facts =
      ReadJson(FixturePath("conformer.json"))["variants"][variant];
  const nlohmann::json golden =
      ReadJson(FixturePath("golden/" + variant + "/golden.json"));
  const bool raw =
      golden["input"].get<std::string>().find("raw_audio") != std::string::npos;
  const at::Tensor batch =
      FromNpy(std::string("inputs/batch_") +
              (raw ? "raw_audio" : "input_values") + ".npy");
  const at::Tensor mask =
      FromNpy("inputs/batch_attention_mask.npy").to(at::kLong);
  absl::StatusOr<FairseqCheckpoint> checkpoint =
      FairseqCheckpoint::Load(FixturePath(variant + "/checkpoint.pt"));
  ASSERT_TRUE(checkpoint.ok()) << checkpoint.status();
  absl::StatusOr<LoadedModel> model = LoadFairseqModel(*checkpoint);
  ASSERT_TRUE(model.ok()) << model.status();
  const ForwardOutput padded = model->pass->Forward(batch, mask, false);
  const nlohmann::json& measured = facts["fairseq_padded_utterance_vs_alone"];
  ASSERT_EQ(measured.size(), static_cast<size_t>(batch.size(0)));
  for (int64_t b = 0; b < batch.size(0); ++b) {
    const int64_t samples = mask[b].sum().item<int64_t>();
    ASSERT_EQ(samples, measured[b]["samples"].get<int64_t>());
    const ForwardOutput alone = model->pass->Forward(
        batch[b].narrow(0, 0, samples).unsqueeze(0), at::Tensor(), false);
    const int64_t frames = alone.output.size(1);
    ASSERT_EQ(frames, measured[b]["frames"].get<int64_t>());
    const double moved =
        (padded.output[b].narrow(0, 0, frames) - alone.output[0])
            .abs()
            .max()
            .item<double>();
    EXPECT_NEAR(moved, measured[b]["max_abs"].get<double>(), 1e-4)
        << variant << " utterance " << b;
  }
}

INSTANTIATE_TEST_SUITE_P(Conformer, PaddingDependenceTest,
                         ::testing::Values("conformer_relpos_pretrained",
                                           "conformer_relpos_ctc",
                                           "conformer_rope_ctc"));

TEST(ConformerForwardTest, FairseqPassRefusesThePostLnConformer) {
  absl::StatusOr<FairseqCheckpoint> checkpoint = FairseqCheckpoint::Load(
      FixturePath("conformer_relpos_postln_pretrained/checkpoint.pt"));
  ASSERT_TRUE(checkpoint.ok()) << checkpoint.status();
  absl::StatusOr<LoadedModel> model = LoadFairseqModel(*checkpoint);
  ASSERT_FALSE(model.ok());
  EXPECT_NE(model.status().message().find(
                "cfg.model.layer_norm_first is False, which the fairseq pass "
                "does not implement"),
            std::string::npos)
      << model.status();
}

// transformers' position_embeddings_type None runs attention without
// positions, which no fairseq conformer does: refused by name.
TEST(ConformerForwardTest, HfPassRefusesAttentionWithoutPositions) {
  namespace fs = std::filesystem;
  const std::string dir = ::fairport::testing::TempDir() + "/no_positions";
  fs::remove_all(dir);
  fs::copy(FixturePath("hf_reference/conformer_relpos_ctc"), dir);
  for (const auto& entry : fs::directory_iterator(dir))
    fs::permissions(entry.path(), fs::perms::owner_write,
                    fs::perm_options::add);
  nlohmann::json config = ReadJson(dir + "/config.json");
  config["position_embeddings_type"] = nullptr;
  std::ofstream(dir + "/config.json") << DumpJson(config, 2);
  absl::StatusOr<LoadedModel> model = LoadHfModel(dir);
  ASSERT_FALSE(model.ok());
  EXPECT_NE(model.status().message().find("position_embeddings_type"),
            std::string::npos)
      << model.status();
}

}  // namespace
}  // namespace fairport
