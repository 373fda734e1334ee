#include "families/registry.h"

#include <memory>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "families/hubert/flavor.h"
#include "families/wav2vec2/flavor.h"
#include "families/wav2vec2_encoder/family.h"
#include "gtest/gtest.h"
#include "tests/fixtures.h"
#include "tests/run_tool.h"

namespace fairport {
namespace {

using ::fairport::testing::FixturePath;
using ::fairport::testing::RunTool;
using ::fairport::testing::ToolPath;
using ::fairport::testing::ToolResult;

// Claims what the wav2vec2 family claims, under another name: two families
// whose Claims overlap, as a new family with a careless Claims would make.
class Wav2Vec2Lookalike : public ModelFamily {
 public:
  absl::string_view name() const override { return "wav2vec2_lookalike"; }
  absl::string_view model_type() const override { return "wav2vec2"; }
  bool Claims(const FairseqCheckpoint& checkpoint) const override {
    return wav2vec2_->Claims(checkpoint);
  }
  absl::StatusOr<ModelKind> DetectKind(
      const FairseqCheckpoint& checkpoint) const override {
    return Unused();
  }
  std::string KindName(ModelKind kind) const override { return ""; }
  std::string HfClass(ModelKind kind) const override { return ""; }
  absl::Status CheckRepresentable(const FairseqCheckpoint& checkpoint,
                                  ModelKind kind) const override {
    return Unused();
  }
  absl::StatusOr<int64_t> CtcVocabularySize(
      const FairseqCheckpoint& checkpoint) const override {
    return Unused();
  }
  absl::StatusOr<InferredConfig> InferConfig(
      const FairseqCheckpoint& checkpoint, ModelKind kind,
      std::optional<int64_t> vocab_size) const override {
    return Unused();
  }
  absl::StatusOr<WeightMapping> MapWeights(
      const FairseqCheckpoint& checkpoint, ModelKind kind,
      const nlohmann::json& hf_config, const std::string& config_source,
      bool strict, const std::string& /*language*/) const override {
    return Unused();
  }
  absl::Status WriteSyntheticCheckpoint(
      const SyntheticOptions& options, const std::string& path) const override {
    return Unused();
  }
  std::string SyntheticDictionary() const override { return ""; }

 private:
  static absl::Status Unused() {
    return absl::UnimplementedError("the lookalike only claims");
  }
  std::unique_ptr<ModelFamily> wav2vec2_ =
      wav2vec2_encoder::MakeFamily(wav2vec2::Wav2Vec2Flavor());
};

FAIRPORT_REGISTER_FAMILY(Wav2Vec2Lookalike);

absl::StatusOr<const ModelFamily*> FamilyOfFixture(const std::string& variant) {
  absl::StatusOr<FairseqCheckpoint> checkpoint =
      FairseqCheckpoint::Load(FixturePath(variant + "/checkpoint.pt"));
  if (!checkpoint.ok()) return checkpoint.status();
  return FamilyOf(*checkpoint);
}

TEST(RegistryTest, CheckpointTwoFamiliesClaimIsAnErrorNamingBoth) {
  absl::StatusOr<const ModelFamily*> family =
      FamilyOfFixture("wav2vec2_pretrained");
  ASSERT_FALSE(family.ok());
  EXPECT_EQ(family.status().message(),
            FixturePath("wav2vec2_pretrained/checkpoint.pt") +
                ": model 'wav2vec2' (cfg.model._name) is claimed by more "
                "than one family (wav2vec2, wav2vec2_lookalike): their Claims "
                "overlap, and Fairport will not pick one");
}

TEST(RegistryTest, CheckpointOneFamilyClaimsGoesToIt) {
  for (const char* variant : {"pretrained", "hubert_pretrained"}) {
    absl::StatusOr<const ModelFamily*> family = FamilyOfFixture(variant);
    ASSERT_TRUE(family.ok()) << family.status();
    EXPECT_EQ((*family)->name(), std::string(variant) == "pretrained"
                                     ? "data2vec_audio"
                                     : "hubert");
  }
}

TEST(RegistryDeathTest, NameRegisteredTwiceExitsWithAMessage) {
  EXPECT_EXIT(
      RegisterFamily(wav2vec2_encoder::MakeFamily(hubert::HubertFlavor())),
      ::testing::ExitedWithCode(1),
      "fairport: family 'hubert' registered twice \\(conversion registry\\)");
}

// Registrations run during static initialisation: the duplicate stops the
// program before its main prints anything.
TEST(RegistryTest, NameRegisteredTwiceStopsTheProgramAtStartUp) {
  ToolResult r = RunTool(ToolPath("families/duplicate_registration"), {});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err,
            "fairport: family 'hubert' registered twice (conversion "
            "registry)\n");
  EXPECT_EQ(r.out, "");
}

}  // namespace
}  // namespace fairport
