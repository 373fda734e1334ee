#include "families/forward_family.h"

#include <memory>
#include <string>
#include <utility>
#include <vector>

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
      const FairseqCheckpoint& checkpoint,
      const std::string& language) const override {
    return absl::UnimplementedError("the lookalike only claims");
  }
  absl::StatusOr<LoadedModel> LoadHf(
      const std::string& model_dir,
      const std::string& language) const override {
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

// A model with per-language adapters runs the language asked for, by
// name; anything else is refused by name, never run without adapters.
// (This binary registers a lookalike of wav2vec2, so the wav2vec2 family is
// asked directly.)
TEST(ForwardFamilyTest, FairseqPassChoosesTheCorpusKeyByName) {
  std::unique_ptr<ForwardFamily> wav2vec2 = wav2vec2_encoder::MakeForwardFamily(
      wav2vec2::Wav2Vec2Flavor(), wav2vec2::Wav2Vec2Classes());
  absl::StatusOr<FairseqCheckpoint> checkpoint =
      FairseqCheckpoint::Load(FixturePath("mms_adapter_ctc/checkpoint.pt"));
  ASSERT_TRUE(checkpoint.ok()) << checkpoint.status();
  absl::StatusOr<LoadedModel> first = wav2vec2->LoadFairseq(*checkpoint, "");
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(first->language, "eng");
  EXPECT_EQ(first->languages, (std::vector<std::string>{"eng", "fra", "yor"}));
  absl::StatusOr<LoadedModel> unknown =
      wav2vec2->LoadFairseq(*checkpoint, "deu");
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.status().message().find(
                "no language 'deu'; the checkpoint has eng, fra, yor"),
            std::string::npos)
      << unknown.status();
  absl::StatusOr<FairseqCheckpoint> plain =
      FairseqCheckpoint::Load(FixturePath("finetuned/checkpoint.pt"));
  ASSERT_TRUE(plain.ok()) << plain.status();
  absl::StatusOr<LoadedModel> none = LoadFairseqModel(*plain, "eng");
  ASSERT_FALSE(none.ok());
  EXPECT_NE(none.status().message().find("no per-language adapters"),
            std::string::npos)
      << none.status();
}

TEST(ForwardFamilyTest, HfPassLoadsOneAdapterFileAsLoadAdapterDoes) {
  const std::string dir = FixturePath("hf_reference/mms_adapter_merged");
  absl::StatusOr<LoadedModel> base = LoadHfModel(dir);
  ASSERT_TRUE(base.ok()) << base.status();
  EXPECT_EQ(base->languages, (std::vector<std::string>{"eng", "fra", "yor"}));
  EXPECT_EQ(base->language, "");
  EXPECT_EQ(base->vocab_size, 33);
  // fra's head has 38 rows: the adapter file replaces lm_head.
  absl::StatusOr<LoadedModel> fra = LoadHfModel(dir, "fra");
  ASSERT_TRUE(fra.ok()) << fra.status();
  EXPECT_EQ(fra->language, "fra");
  EXPECT_EQ(fra->vocab_size, 38);
  absl::StatusOr<LoadedModel> missing = LoadHfModel(dir, "deu");
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("adapter.deu.safetensors"),
            std::string::npos)
      << missing.status();
  absl::StatusOr<LoadedModel> plain =
      LoadHfModel(FixturePath("hf_reference/wav2vec2_finetuned_lnf"), "eng");
  ASSERT_FALSE(plain.ok());
  absl::StatusOr<LoadedModel> lid =
      LoadHfModel(FixturePath("hf_reference/mms_lid"));
  ASSERT_TRUE(lid.ok()) << lid.status();
  EXPECT_TRUE(lid->classifier);
  EXPECT_EQ(lid->labels,
            (std::vector<std::string>{"eng", "fra", "deu", "cmn", "hin"}));
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
