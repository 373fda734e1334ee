#include "fairseq/checkpoint.h"

#include <fstream>

#include "formats/safetensors.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "tests/fixtures.h"
#include "tests/hostile_inputs.h"

namespace fairport {
namespace {

using ::fairport::testing::FixturePath;
using ::fairport::testing::kVariants;
using ::fairport::testing::ReadJson;

class CheckpointFixtureTest : public ::testing::TestWithParam<const char*> {};

// The independent copy of checkpoint["model"] written beside each fixture
// must agree with what the reader extracts, tensor by tensor, byte by byte.
TEST_P(CheckpointFixtureTest, EveryTensorMatchesTheIndependentSafetensorsCopy) {
  const std::string variant = GetParam();
  absl::StatusOr<FairseqCheckpoint> checkpoint =
      FairseqCheckpoint::Load(FixturePath(variant + "/checkpoint.pt"));
  ASSERT_TRUE(checkpoint.ok()) << checkpoint.status();
  absl::StatusOr<SafetensorsFile> copy =
      SafetensorsFile::Open(FixturePath(variant + "/state_dict.safetensors"));
  ASSERT_TRUE(copy.ok()) << copy.status();
  ASSERT_EQ(checkpoint->state_dict().size(), copy->entries().size());
  for (const SafetensorsEntry& expected : copy->entries()) {
    const TensorRef* t = checkpoint->FindTensor(expected.name);
    ASSERT_NE(t, nullptr) << expected.name;
    EXPECT_EQ(t->storage->dtype, expected.dtype) << expected.name;
    EXPECT_EQ(t->shape, expected.shape) << expected.name;
    absl::StatusOr<EntryBytes> bytes = checkpoint->archive().TensorBytes(*t);
    ASSERT_TRUE(bytes.ok()) << bytes.status();
    EXPECT_TRUE(bytes->view() == copy->Bytes(expected)) << expected.name;
  }
}

TEST_P(CheckpointFixtureTest, TensorCountAndArchitectureMatchTheManifest) {
  const std::string variant = GetParam();
  nlohmann::json manifest = ReadJson(FixturePath("manifest.json"));
  const nlohmann::json& facts = manifest["variants"][variant];
  absl::StatusOr<FairseqCheckpoint> checkpoint =
      FairseqCheckpoint::Load(FixturePath(variant + "/checkpoint.pt"));
  ASSERT_TRUE(checkpoint.ok()) << checkpoint.status();
  EXPECT_EQ(checkpoint->state_dict().size(),
            facts["model_tensors"].get<size_t>());
  EXPECT_EQ(checkpoint->architecture(),
            facts["kind"] == "ctc" ? "wav2vec_ctc" : "data2vec_audio");
  EXPECT_TRUE(checkpoint->archive().zip().VerifyAllCrcs().ok());
}

INSTANTIATE_TEST_SUITE_P(AllVariants, CheckpointFixtureTest,
                         ::testing::ValuesIn(kVariants));

class FamilyCheckpointTest : public ::testing::TestWithParam<const char*> {};

TEST_P(FamilyCheckpointTest, TensorsMatchTheCopyAndTheCountInFamiliesJson) {
  const std::string variant = GetParam();
  const nlohmann::json facts =
      ReadJson(FixturePath("families.json"))["variants"][variant];
  absl::StatusOr<FairseqCheckpoint> checkpoint =
      FairseqCheckpoint::Load(FixturePath(variant + "/checkpoint.pt"));
  ASSERT_TRUE(checkpoint.ok()) << checkpoint.status();
  EXPECT_EQ(checkpoint->state_dict().size(), facts["tensors"].get<size_t>());
  const std::string family = facts["family"];
  EXPECT_EQ(checkpoint->architecture(),
            facts["kind"] == "pretrained"
                ? family
                : (family == "hubert" ? "hubert_ctc" : "wav2vec_ctc"));
  absl::StatusOr<SafetensorsFile> copy =
      SafetensorsFile::Open(FixturePath(variant + "/state_dict.safetensors"));
  ASSERT_TRUE(copy.ok()) << copy.status();
  for (const SafetensorsEntry& expected : copy->entries()) {
    const TensorRef* t = checkpoint->FindTensor(expected.name);
    ASSERT_NE(t, nullptr) << expected.name;
    absl::StatusOr<EntryBytes> bytes = checkpoint->archive().TensorBytes(*t);
    ASSERT_TRUE(bytes.ok()) << bytes.status();
    EXPECT_TRUE(bytes->view() == copy->Bytes(expected)) << expected.name;
  }
}

INSTANTIATE_TEST_SUITE_P(
    Families, FamilyCheckpointTest,
    ::testing::ValuesIn(::fairport::testing::kFamilyVariants));

class ConformerCheckpointTest : public ::testing::TestWithParam<const char*> {};

// BatchNorm's num_batches_tracked (int64) included.
TEST_P(ConformerCheckpointTest, TensorsMatchTheCopyAndTheCountInConformerJson) {
  const std::string variant = GetParam();
  const nlohmann::json facts =
      ReadJson(FixturePath("conformer.json"))["variants"][variant];
  absl::StatusOr<FairseqCheckpoint> checkpoint =
      FairseqCheckpoint::Load(FixturePath(variant + "/checkpoint.pt"));
  ASSERT_TRUE(checkpoint.ok()) << checkpoint.status();
  EXPECT_EQ(checkpoint->state_dict().size(), facts["tensors"].get<size_t>());
  EXPECT_EQ(checkpoint->architecture(),
            facts["kind"] == "pretrained" ? "wav2vec2" : "wav2vec_ctc");
  absl::StatusOr<SafetensorsFile> copy =
      SafetensorsFile::Open(FixturePath(variant + "/state_dict.safetensors"));
  ASSERT_TRUE(copy.ok()) << copy.status();
  EXPECT_EQ(copy->entries().size(), checkpoint->state_dict().size());
  for (const SafetensorsEntry& expected : copy->entries()) {
    const TensorRef* t = checkpoint->FindTensor(expected.name);
    ASSERT_NE(t, nullptr) << expected.name;
    EXPECT_EQ(t->storage->dtype, expected.dtype) << expected.name;
    absl::StatusOr<EntryBytes> bytes = checkpoint->archive().TensorBytes(*t);
    ASSERT_TRUE(bytes.ok()) << bytes.status();
    EXPECT_TRUE(bytes->view() == copy->Bytes(expected)) << expected.name;
  }
}

INSTANTIATE_TEST_SUITE_P(
    Conformer, ConformerCheckpointTest,
    ::testing::Values("conformer_relpos_pretrained", "conformer_relpos_ctc",
                      "conformer_relpos_ctc_fp16", "conformer_rope_ctc",
                      "conformer_rope_ctc_fp16",
                      "conformer_relpos_postln_pretrained"));

TEST(CheckpointTest, LegacyArgsCheckpointExposesNamespaceConfig) {
  absl::StatusOr<FairseqCheckpoint> checkpoint = FairseqCheckpoint::Load(
      FixturePath("finetuned_legacy_args/checkpoint.pt"));
  ASSERT_TRUE(checkpoint.ok()) << checkpoint.status();
  EXPECT_TRUE(checkpoint->legacy_args());
  absl::StatusOr<ConfigView> encoder = checkpoint->WrappedEncoderConfig();
  ASSERT_TRUE(encoder.ok()) << encoder.status();
  EXPECT_EQ(encoder->path(), "args.w2v_args");
  EXPECT_EQ(*encoder->Int("encoder_layers"), 3);
  EXPECT_EQ(*encoder->String("conv_feature_layers"),
            "[(24, 10, 5)] + [(32, 4, 2)] * 2 + [(36, 3, 2)]");
}

TEST(CheckpointTest, HydraCheckpointNestsEncoderConfig) {
  absl::StatusOr<FairseqCheckpoint> checkpoint =
      FairseqCheckpoint::Load(FixturePath("finetuned/checkpoint.pt"));
  ASSERT_TRUE(checkpoint.ok()) << checkpoint.status();
  absl::StatusOr<ConfigView> encoder = checkpoint->WrappedEncoderConfig();
  ASSERT_TRUE(encoder.ok()) << encoder.status();
  EXPECT_EQ(encoder->path(), "cfg.model.w2v_args.model");
  EXPECT_EQ(*encoder->String("_name"), "data2vec_audio");
  EXPECT_EQ(*encoder->Int("pos_conv_depth"), 4);
}

// The fixtures were fine-tuned with fairseq's ctc criterion with
// zero_infinity set (as data2vec's and wav2vec 2.0's fine-tuning configs
// set it).
TEST(CheckpointTest, CriterionIsReadFromCfgOrLegacyArgs) {
  const std::pair<const char*, const char*> cases[] = {
      {"finetuned", "cfg.criterion"},
      {"finetuned_legacy_args", "args"},
  };
  for (const auto& [variant, path] : cases) {
    absl::StatusOr<FairseqCheckpoint> checkpoint = FairseqCheckpoint::Load(
        FixturePath(std::string(variant) + "/checkpoint.pt"));
    ASSERT_TRUE(checkpoint.ok()) << checkpoint.status();
    EXPECT_EQ(checkpoint->criterion(), "ctc") << variant;
    EXPECT_EQ(checkpoint->criterion_config().path(), path) << variant;
    EXPECT_EQ(*checkpoint->criterion_config().Bool("zero_infinity"), true)
        << variant;
  }
}

TEST(CheckpointTest, NestedEmaTensorsAreFlattenedWithDots) {
  absl::StatusOr<FairseqCheckpoint> checkpoint =
      FairseqCheckpoint::Load(FixturePath("pretrained/checkpoint.pt"));
  ASSERT_TRUE(checkpoint.ok()) << checkpoint.status();
  EXPECT_NE(checkpoint->FindTensor("_ema.layers.0.fc1.weight"), nullptr);
}

TEST(CheckpointTest, MissingModelKeyIsAClearError) {
  absl::StatusOr<FairseqCheckpoint> checkpoint =
      FairseqCheckpoint::Load(FixturePath("bad/model_missing/checkpoint.pt"));
  ASSERT_FALSE(checkpoint.ok());
  EXPECT_NE(checkpoint.status().message().find("no 'model' entry"),
            std::string::npos)
      << checkpoint.status();
}

TEST(CheckpointTest, SharedSubDictIsRefusedInsteadOfWalkedAgain) {
  const std::string path = testing::TempDir() + "/shared_dicts.pt";
  std::ofstream(path, std::ios::binary) << testing::SharedDictCheckpoint();
  absl::StatusOr<FairseqCheckpoint> checkpoint = FairseqCheckpoint::Load(path);
  ASSERT_FALSE(checkpoint.ok());
  EXPECT_NE(checkpoint.status().message().find(
                "model['a0.a0.a0.a0.a0.a0.a0.a1'] is a dict that already "
                "appears under another name"),
            std::string::npos)
      << checkpoint.status();
}

TEST(CheckpointTest, ShortStorageEntryIsRejectedWithSizes) {
  absl::StatusOr<FairseqCheckpoint> checkpoint =
      FairseqCheckpoint::Load(FixturePath("bad/storage_short/checkpoint.pt"));
  ASSERT_FALSE(checkpoint.ok());
  EXPECT_NE(checkpoint.status().message().find(
                "storage entry checkpoint/data/24 holds"),
            std::string::npos)
      << checkpoint.status();
}

TEST(CheckpointTest, MissingStorageEntryIsNamed) {
  absl::StatusOr<FairseqCheckpoint> checkpoint = FairseqCheckpoint::Load(
      FixturePath("bad/storage_entry_missing/checkpoint.pt"));
  ASSERT_FALSE(checkpoint.ok());
  EXPECT_NE(checkpoint.status().message().find("checkpoint/data/2 is missing"),
            std::string::npos)
      << checkpoint.status();
}

}  // namespace
}  // namespace fairport
