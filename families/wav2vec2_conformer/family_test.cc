// The conformer's conversion side on the shared fixtures: which family
// claims them, what it refuses and how, and what the mapping writes beyond
// hf_reference's bytes (tests/converter_test.cc holds those).

#include <fstream>
#include <string>
#include <vector>

#include "base/files.h"
#include "converter/conversion.h"
#include "fairseq/checkpoint.h"
#include "families/registry.h"
#include "formats/safetensors.h"
#include "formats/torch_archive.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "tests/fixtures.h"
#include "tests/zip_builder.h"

namespace fairport {
namespace {

using ::fairport::testing::FixturePath;
using ::fairport::testing::ReadJson;
using ::fairport::testing::Slurp;
using ::fairport::testing::TempDir;

absl::StatusOr<ConversionSummary> ConvertFixture(const std::string& checkpoint,
                                                 const std::string& out,
                                                 const std::string& dict = "") {
  ConversionOptions options;
  options.checkpoint_path = checkpoint;
  options.output_dir = out;
  options.dict_path = dict;
  return Convert(options);
}

// A copy of `variant`'s checkpoint whose data.pkl has `value` replaced by
// `replacement` in the first place after the config key `key` (the zip
// rebuilt, so every CRC holds).
std::string PatchedCheckpoint(const std::string& variant,
                              const std::string& key, const std::string& value,
                              const std::string& replacement,
                              const std::string& name) {
  absl::StatusOr<TorchArchive> fixture =
      TorchArchive::Open(FixturePath(variant + "/checkpoint.pt"));
  EXPECT_TRUE(fixture.ok()) << fixture.status();
  std::vector<testing::ZipSpec> entries;
  int patched = 0;
  for (const ZipEntry& entry : fixture->zip().entries()) {
    absl::StatusOr<EntryBytes> bytes = fixture->zip().Contents(entry);
    EXPECT_TRUE(bytes.ok()) << bytes.status();
    std::string data(bytes->view());
    const size_t at = data.find(key);
    if (at != std::string::npos &&
        entry.name.find("data.pkl") != std::string::npos) {
      // The key, its memo opcode (at most 5 bytes), then the value.
      const size_t v = data.find(value, at + key.size());
      EXPECT_LE(v, at + key.size() + 6) << key;
      data.replace(v, value.size(), replacement);
      ++patched;
    }
    entries.push_back({entry.name, data});
  }
  EXPECT_EQ(patched, 1) << key;
  const std::string path = TempDir() + "/" + name + ".pt";
  std::ofstream(path, std::ios::binary) << testing::BuildZip(entries);
  return path;
}

std::string PickleString(const std::string& s) {
  std::string out = "X";
  for (int i = 0; i < 4; ++i)
    out.push_back(static_cast<char>((s.size() >> (8 * i)) & 0xff));
  return out + s;
}

TEST(ConformerDetectionTest, EveryConformerFixtureIsThisFamilysAlone) {
  for (const char* variant :
       {"conformer_relpos_pretrained", "conformer_relpos_ctc",
        "conformer_relpos_ctc_fp16", "conformer_rope_ctc",
        "conformer_rope_ctc_fp16", "conformer_relpos_postln_pretrained"}) {
    absl::StatusOr<FairseqCheckpoint> checkpoint = FairseqCheckpoint::Load(
        FixturePath(std::string(variant) + "/checkpoint.pt"));
    ASSERT_TRUE(checkpoint.ok()) << checkpoint.status();
    absl::StatusOr<const ModelFamily*> family = FamilyOf(*checkpoint);
    ASSERT_TRUE(family.ok()) << family.status();
    EXPECT_EQ((*family)->name(), "wav2vec2_conformer") << variant;
    EXPECT_FALSE(FamilyByName("wav2vec2")->DetectKind(*checkpoint).ok())
        << variant;
  }
}

// conformer_rope_ctc was fine-tuned before fairseq's MMS release: its
// cfg.model has no layer_type, so the family comes from w2v_args.model.
TEST(ConformerDetectionTest, PreMmsCheckpointIsDetectedFromItsEncoderConfig) {
  absl::StatusOr<FairseqCheckpoint> checkpoint =
      FairseqCheckpoint::Load(FixturePath("conformer_rope_ctc/checkpoint.pt"));
  ASSERT_TRUE(checkpoint.ok()) << checkpoint.status();
  EXPECT_FALSE(checkpoint->model_config().Has("layer_type"));
  const ModelFamily* family = FamilyByName("wav2vec2_conformer");
  ASSERT_NE(family, nullptr);
  absl::StatusOr<ModelKind> kind = family->DetectKind(*checkpoint);
  ASSERT_TRUE(kind.ok()) << kind.status();
  EXPECT_EQ(*kind, ModelKind::kCtc);
}

// The wav2vec 2.0 fixtures stay wav2vec 2.0's.
TEST(ConformerDetectionTest, TransformerLayersAreNotClaimed) {
  for (const char* variant : {"wav2vec2_pretrained", "wav2vec2_finetuned",
                              "wav2vec2_finetuned_lnf"}) {
    absl::StatusOr<FairseqCheckpoint> checkpoint = FairseqCheckpoint::Load(
        FixturePath(std::string(variant) + "/checkpoint.pt"));
    ASSERT_TRUE(checkpoint.ok()) << checkpoint.status();
    absl::StatusOr<ModelKind> kind =
        FamilyByName("wav2vec2_conformer")->DetectKind(*checkpoint);
    ASSERT_FALSE(kind.ok()) << variant;
    EXPECT_NE(kind.status().message().find("layer_type is 'transformer', not "
                                           "'conformer'"),
              std::string::npos)
        << kind.status();
  }
}

struct Refusal {
  const char* name;
  std::string checkpoint;
  const char* message;
};

class ConformerRefusalTest : public ::testing::TestWithParam<int> {
 protected:
  static std::vector<Refusal> Cases() {
    const std::string v = "conformer_relpos_pretrained";
    return {
        {"postln",
         FixturePath("conformer_relpos_postln_pretrained/checkpoint.pt"),
         "cfg.model.layer_norm_first is False"},
        {"abs",
         PatchedCheckpoint(v, "pos_enc_type", PickleString("rel_pos"),
                           PickleString("abs"), "abs"),
         "cfg.model.pos_enc_type is 'abs'"},
        {"attn_type",
         PatchedCheckpoint(v, "attn_type", PickleString("espnet"),
                           PickleString(""), "attn_type"),
         "cfg.model.attn_type is ''"},
        {"crop",
         PatchedCheckpoint(v, "crop_seq_to_multiple", "K\x01", "K\x02", "crop"),
         "cfg.model.crop_seq_to_multiple is 2"},
        {"quantize_input",
         PatchedCheckpoint(v, "quantize_input", "\x89", "\x88",
                           "quantize_input"),
         "cfg.model.quantize_input is True"},
    };
  }
};

TEST_P(ConformerRefusalTest, RefusedByNameLeavingNoOutput) {
  const Refusal r = Cases()[GetParam()];
  const std::string out = TempDir() + "/refused_" + r.name;
  absl::StatusOr<ConversionSummary> summary = ConvertFixture(r.checkpoint, out);
  ASSERT_FALSE(summary.ok()) << r.name;
  EXPECT_NE(summary.status().message().find(r.message), std::string::npos)
      << summary.status();
  EXPECT_NE(summary.status().message().find(
                "transformers' Wav2Vec2Conformer cannot represent this model"),
            std::string::npos)
      << summary.status();
  EXPECT_FALSE(PathExists(out)) << r.name;
}

INSTANTIATE_TEST_SUITE_P(Cases, ConformerRefusalTest, ::testing::Range(0, 5));

// One inv_freq for all layers, the very fp16-rounded values fairseq
// computes with; BatchNorm statistics in their stored dtype.
TEST(ConformerMappingTest, RotaryFrequenciesAreTheStoredOnes) {
  const std::string out = TempDir() + "/rope_fp16";
  absl::StatusOr<ConversionSummary> summary =
      ConvertFixture(FixturePath("conformer_rope_ctc_fp16/checkpoint.pt"), out,
                     FixturePath("conformer_rope_ctc_fp16/dict.ltr.txt"));
  ASSERT_TRUE(summary.ok()) << summary.status();
  absl::StatusOr<SafetensorsFile> ours =
      SafetensorsFile::Open(out + "/model.safetensors");
  absl::StatusOr<SafetensorsFile> stored = SafetensorsFile::Open(
      FixturePath("conformer_rope_ctc_fp16/state_dict.safetensors"));
  ASSERT_TRUE(ours.ok()) << ours.status();
  ASSERT_TRUE(stored.ok()) << stored.status();
  const SafetensorsEntry* inv_freq =
      ours->Find("wav2vec2_conformer.encoder.embed_positions.inv_freq");
  ASSERT_NE(inv_freq, nullptr);
  for (int layer = 0; layer < 3; ++layer) {
    const SafetensorsEntry* copy =
        stored->Find("w2v_encoder.w2v_model.encoder.layers." +
                     std::to_string(layer) + ".self_attn.rotary_emb.inv_freq");
    ASSERT_NE(copy, nullptr);
    EXPECT_EQ(copy->dtype, DType::kF16);
    EXPECT_TRUE(ours->Bytes(*inv_freq) == stored->Bytes(*copy)) << layer;
  }
  for (const SafetensorsEntry& e : ours->entries()) {
    if (e.name.find("num_batches_tracked") != std::string::npos) {
      EXPECT_EQ(e.dtype, DType::kI64) << e.name;
    } else {
      EXPECT_EQ(e.dtype, DType::kF16) << e.name;
    }
  }
  bool noted = false;
  for (const std::string& note : summary->notes)
    noted |= note.find("encoder.embed_positions.inv_freq is layer 0's") !=
             std::string::npos;
  EXPECT_TRUE(noted);
}

TEST(ConformerMappingTest, IdentityProjectionIsSaidInTheSummary) {
  const std::string out = TempDir() + "/relpos_ctc";
  absl::StatusOr<ConversionSummary> summary =
      ConvertFixture(FixturePath("conformer_relpos_ctc/checkpoint.pt"), out,
                     FixturePath("conformer_relpos_ctc/dict.ltr.txt"));
  ASSERT_TRUE(summary.ok()) << summary.status();
  EXPECT_NE(summary->ToText().find(
                "note: feature_projection.projection written as the identity "
                "(weight = I, bias = 0)"),
            std::string::npos)
      << summary->ToText();
  EXPECT_EQ(summary->tensors_written, 92);  // 90 fairseq + identity
}

// --dtype casts the weights, never the int64 num_batches_tracked.
TEST(ConformerMappingTest, DtypeNeverCastsIntegerBuffers) {
  ConversionOptions options;
  options.checkpoint_path = FixturePath("conformer_relpos_ctc/checkpoint.pt");
  options.dict_path = FixturePath("conformer_relpos_ctc/dict.ltr.txt");
  options.output_dir = TempDir() + "/relpos_bf16";
  options.dtype = DType::kBF16;
  absl::StatusOr<ConversionSummary> summary = Convert(options);
  ASSERT_TRUE(summary.ok()) << summary.status();
  absl::StatusOr<SafetensorsFile> ours =
      SafetensorsFile::Open(options.output_dir + "/model.safetensors");
  ASSERT_TRUE(ours.ok()) << ours.status();
  int buffers = 0;
  for (const SafetensorsEntry& e : ours->entries()) {
    const bool counter =
        e.name.find("num_batches_tracked") != std::string::npos;
    buffers += counter;
    EXPECT_EQ(e.dtype, counter ? DType::kI64 : DType::kBF16) << e.name;
  }
  EXPECT_EQ(buffers, 2);
  EXPECT_EQ(ReadJson(options.output_dir + "/config.json")["torch_dtype"],
            "bfloat16");
}

}  // namespace
}  // namespace fairport
