#include "families/forward_family.h"

#include <memory>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "families/hubert/flavor.h"
#include "families/hubert/hf_classes.h"
#include "families/wav2vec2/flavor.h"
#include "families/wav2vec2/hf_classes.h"
#include "families/wav2vec2_encoder/forward_family.h"
#include "gtest/gtest.h"
#include "tests/fixtures.h"

namespace fairport {
namespace {

using ::fairport::testing::FixturePath;

// Claims what the wav2vec2 forward family claims, under another name.
class Wav2Vec2Lookalike : public ForwardFamily {
 public:
  absl::string_view name() const override { return "wav2vec2_lookalike"; }
  absl::string_view model_type() const override { return "wav2vec2_lookalike"; }
  bool Claims(const FairseqCheckpoint& checkpoint) const override {
    return wav2vec2_->Claims(checkpoint);
  }
  absl::StatusOr<LoadedModel> LoadFairseq(
      const FairseqCheckpoint& checkpoint) const override {
    return absl::UnimplementedError("the lookalike only claims");
  }
  absl::StatusOr<LoadedModel> LoadHf(
      const std::string& model_dir) const override {
    return absl::UnimplementedError("the lookalike only claims");
  }

 private:
  std::unique_ptr<ForwardFamily> wav2vec2_ =
      wav2vec2_encoder::MakeForwardFamily(wav2vec2::Wav2Vec2Flavor(),
                                          wav2vec2::Wav2Vec2Classes());
};

FAIRPORT_REGISTER_FORWARD_FAMILY(Wav2Vec2Lookalike);

TEST(ForwardRegistryTest, CheckpointTwoFamiliesClaimIsAnErrorNamingBoth) {
  const std::string path = FixturePath("wav2vec2_finetuned/checkpoint.pt");
  absl::StatusOr<FairseqCheckpoint> checkpoint = FairseqCheckpoint::Load(path);
  ASSERT_TRUE(checkpoint.ok()) << checkpoint.status();
  absl::StatusOr<LoadedModel> model = LoadFairseqModel(*checkpoint);
  ASSERT_FALSE(model.ok());
  EXPECT_EQ(model.status().message(),
            path +
                ": model 'wav2vec_ctc' (cfg.model._name) over 'wav2vec2' is "
                "claimed by more than one family (wav2vec2, "
                "wav2vec2_lookalike): their Claims overlap, and Fairport will "
                "not pick one");
}

TEST(ForwardRegistryTest, CheckpointOneFamilyClaimsIsLoadedByIt) {
  absl::StatusOr<FairseqCheckpoint> checkpoint =
      FairseqCheckpoint::Load(FixturePath("hubert_finetuned/checkpoint.pt"));
  ASSERT_TRUE(checkpoint.ok()) << checkpoint.status();
  absl::StatusOr<LoadedModel> model = LoadFairseqModel(*checkpoint);
  ASSERT_TRUE(model.ok()) << model.status();
  EXPECT_TRUE(model->ctc);
  EXPECT_EQ(model->model_type, "hubert");
}

// Until the passes implement MMS (#21 item 3), neither runs an adapter or
// language-ID model: the fairseq side reads the EFFECTIVE layer_type
// (cfg.model's trf_adp over w2v_args' "transformer"), and refuses both by
// name rather than computing the model without its adapters or head.
TEST(ForwardFamilyTest, FairseqPassRefusesMmsModelsByName) {
  std::unique_ptr<ForwardFamily> wav2vec2 = wav2vec2_encoder::MakeForwardFamily(
      wav2vec2::Wav2Vec2Flavor(), wav2vec2::Wav2Vec2Classes());
  const std::pair<const char*, const char*> cases[] = {
      {"mms_adapter_ctc", "cfg.model.layer_type is trf_adp"},
      {"mms_adapter_merged", "cfg.model.layer_type is trf_adp"},
      {"mms_lid", "cfg.model._name is wav2vec_classification"},
  };
  for (const auto& [variant, message] : cases) {
    absl::StatusOr<FairseqCheckpoint> checkpoint = FairseqCheckpoint::Load(
        FixturePath(std::string(variant) + "/checkpoint.pt"));
    ASSERT_TRUE(checkpoint.ok()) << checkpoint.status();
    absl::StatusOr<LoadedModel> model = wav2vec2->LoadFairseq(*checkpoint);
    ASSERT_FALSE(model.ok()) << variant;
    EXPECT_EQ(model.status().code(), absl::StatusCode::kUnimplemented);
    EXPECT_NE(model.status().message().find(message), std::string::npos)
        << model.status();
  }
}

TEST(ForwardFamilyTest, HfPassRefusesMmsDirectoriesByName) {
  std::unique_ptr<ForwardFamily> wav2vec2 = wav2vec2_encoder::MakeForwardFamily(
      wav2vec2::Wav2Vec2Flavor(), wav2vec2::Wav2Vec2Classes());
  const std::pair<const char*, const char*> cases[] = {
      {"mms_adapter_ctc", "adapter_attn_dim"},
      {"mms_lid", "Wav2Vec2ForSequenceClassification"},
  };
  for (const auto& [variant, message] : cases) {
    absl::StatusOr<LoadedModel> model =
        wav2vec2->LoadHf(FixturePath(std::string("hf_reference/") + variant));
    ASSERT_FALSE(model.ok()) << variant;
    EXPECT_NE(model.status().message().find(message), std::string::npos)
        << model.status();
  }
}

TEST(ForwardRegistryDeathTest, NameRegisteredTwiceExitsWithAMessage) {
  EXPECT_EXIT(
      RegisterForwardFamily(wav2vec2_encoder::MakeForwardFamily(
          hubert::HubertFlavor(), hubert::HubertClasses())),
      ::testing::ExitedWithCode(1),
      "fairport: family 'hubert' registered twice \\(forward registry\\)");
}

}  // namespace
}  // namespace fairport
