// End-to-end: the converter and inspect binaries on the shared fixtures,
// checked against what transformers itself writes (hf_reference/) and the
// outcomes bad/manifest.json names.
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <fstream>

#include "base/files.h"
#include "base/json.h"
#include "fairseq/checkpoint.h"
#include "formats/dtype.h"
#include "formats/safetensors.h"
#include "formats/torch_archive.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "tests/fixtures.h"
#include "tests/run_tool.h"
#include "tests/zip_builder.h"

namespace fairport {
namespace {

using ::fairport::testing::FixturePath;
using ::fairport::testing::kConformerVariants;
using ::fairport::testing::kFamilyVariants;
using ::fairport::testing::kVariants;
using ::fairport::testing::ReadJson;
using ::fairport::testing::RunTool;
using ::fairport::testing::Slurp;
using ::fairport::testing::TempDir;
using ::fairport::testing::ToolPath;
using ::fairport::testing::ToolResult;

bool HasDictionary(const std::string& variant) {
  return PathExists(FixturePath(variant + "/dict.ltr.txt"));
}

ToolResult Convert(const std::string& variant, const std::string& out,
                   std::vector<std::string> extra = {}) {
  std::vector<std::string> args = {
      "--checkpoint_path=" + FixturePath(variant + "/checkpoint.pt"),
      "--pytorch_dump_folder_path=" + out};
  if (HasDictionary(variant))
    args.push_back("--dict_path=" + FixturePath(variant + "/dict.ltr.txt"));
  args.insert(args.end(), extra.begin(), extra.end());
  return RunTool(ToolPath("converter/converter"), args);
}

std::vector<float> AsFloats(const SafetensorsFile& file,
                            const SafetensorsEntry& e) {
  std::vector<float> out(e.numel());
  CastFloats(e.dtype, file.Bytes(e).data(), DType::kF32, out.data(), e.numel());
  return out;
}

bool EndsWith(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// transformers' config.json for `variant` (hf_reference/) with the one
// difference README documents: its scripts leave ctc_zero_infinity at
// false, and every fine-tuned fixture was trained with fairseq's ctc
// criterion with zero_infinity set, which Fairport carries over.
std::string ExpectedConfigJson(const std::string& variant) {
  std::string bytes =
      Slurp(FixturePath("hf_reference/" + variant + "/config.json"));
  if (!HasDictionary(variant)) return bytes;
  const std::string from = "\"ctc_zero_infinity\": false,";
  const size_t at = bytes.find(from);
  EXPECT_NE(at, std::string::npos) << variant;
  EXPECT_EQ(bytes.find(from, at + 1), std::string::npos) << variant;
  if (at != std::string::npos)
    bytes.replace(at, from.size(), "\"ctc_zero_infinity\": true,");
  return bytes;
}

class ConverterFixtureTest : public ::testing::TestWithParam<const char*> {};

TEST_P(ConverterFixtureTest, OutputAgreesWithWhatTransformersWrites) {
  const std::string variant = GetParam();
  const std::string out = TempDir() + "/hf_" + variant;
  ToolResult r = Convert(variant, out);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string ref = FixturePath("hf_reference/" + variant);

  nlohmann::json config = ReadJson(out + "/config.json");
  nlohmann::json ref_config = ParseJson(ExpectedConfigJson(variant));
  if (EndsWith(variant, "_fp16")) {
    // --dtype keep writes the stored float16 weights and says so.
    EXPECT_EQ(config["torch_dtype"], "float16");
    config["torch_dtype"] = ref_config["torch_dtype"];
  }
  EXPECT_EQ(config, ref_config);
  for (const char* name :
       {"preprocessor_config.json", "vocab.json", "special_tokens_map.json",
        "tokenizer_config.json"}) {
    ASSERT_EQ(PathExists(out + "/" + name), PathExists(ref + "/" + name))
        << name;
    if (PathExists(ref + "/" + name))
      EXPECT_EQ(ReadJson(out + "/" + name), ReadJson(ref + "/" + name)) << name;
  }

  absl::StatusOr<SafetensorsFile> ours =
      SafetensorsFile::Open(out + "/model.safetensors");
  absl::StatusOr<SafetensorsFile> theirs =
      SafetensorsFile::Open(ref + "/model.safetensors");
  ASSERT_TRUE(ours.ok()) << ours.status();
  ASSERT_TRUE(theirs.ok()) << theirs.status();
  EXPECT_EQ(ours->metadata().at("format"), "pt");
  ASSERT_EQ(ours->entries().size(), theirs->entries().size());
  for (const SafetensorsEntry& expected : theirs->entries()) {
    const SafetensorsEntry* got = ours->Find(expected.name);
    ASSERT_NE(got, nullptr) << expected.name;
    EXPECT_EQ(got->shape, expected.shape) << expected.name;
    if (IsFloatingPoint(expected.dtype)) {
      EXPECT_EQ(AsFloats(*ours, *got), AsFloats(*theirs, expected))
          << expected.name;
    } else {
      // An integer buffer (BatchNorm's num_batches_tracked) is never cast.
      EXPECT_EQ(got->dtype, expected.dtype) << expected.name;
      EXPECT_TRUE(ours->Bytes(*got) == theirs->Bytes(expected))
          << expected.name;
    }
  }
}

TEST_P(ConverterFixtureTest, SameInputGivesByteIdenticalFiles) {
  const std::string variant = GetParam();
  const std::string a = TempDir() + "/twice_a_" + variant;
  const std::string b = TempDir() + "/twice_b_" + variant;
  ASSERT_EQ(Convert(variant, a).exit_code, 0);
  ASSERT_EQ(Convert(variant, b).exit_code, 0);
  for (const char* name :
       {"config.json", "model.safetensors", "preprocessor_config.json"}) {
    EXPECT_EQ(Slurp(a + "/" + name), Slurp(b + "/" + name)) << name;
  }
}

INSTANTIATE_TEST_SUITE_P(AllVariants, ConverterFixtureTest,
                         ::testing::ValuesIn(kVariants));
INSTANTIATE_TEST_SUITE_P(Families, ConverterFixtureTest,
                         ::testing::ValuesIn(kFamilyVariants));
INSTANTIATE_TEST_SUITE_P(Conformer, ConverterFixtureTest,
                         ::testing::ValuesIn(kConformerVariants));

// Every fp32 fixture: model.safetensors and preprocessor_config.json are
// the very bytes transformers' own scripts write, with their bugs fixed as
// testdata/hf_reference holds them (identity feature projection where
// fairseq has none, vocab.json with <pad> and <s> exchanged for HuBERT);
// config.json too, but for the documented ctc_zero_infinity of fine-tuned
// models (ExpectedConfigJson).
class ByteIdentityTest : public ::testing::TestWithParam<const char*> {};

TEST_P(ByteIdentityTest, ConfigAndWeightsAreByteIdentical) {
  const std::string variant = GetParam();
  const std::string out = TempDir() + "/bytes_" + variant;
  ToolResult r = Convert(variant, out);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string ref = FixturePath("hf_reference/" + variant);
  EXPECT_TRUE(Slurp(out + "/config.json") == ExpectedConfigJson(variant))
      << variant;
  for (const char* name : {"model.safetensors", "preprocessor_config.json"}) {
    EXPECT_TRUE(Slurp(out + "/" + name) == Slurp(ref + "/" + name))
        << variant << " " << name;
  }
  // Every field transformers' wav2vec2 and HuBERT scripts needed by hand is
  // inferred.
  if (!PathExists(ref + "/hand_config_fields.json")) return;
  nlohmann::json hand = ReadJson(ref + "/hand_config_fields.json");
  nlohmann::json config = ReadJson(out + "/config.json");
  for (auto& [key, value] : hand.items())
    EXPECT_EQ(config[key], value) << variant << " " << key;
}

INSTANTIATE_TEST_SUITE_P(Data2VecAudio, ByteIdentityTest,
                         ::testing::Values("pretrained", "finetuned",
                                           "finetuned_legacy_args",
                                           "pretrained_even_kernel"));
INSTANTIATE_TEST_SUITE_P(Families, ByteIdentityTest,
                         ::testing::ValuesIn(kFamilyVariants));
INSTANTIATE_TEST_SUITE_P(Conformer, ByteIdentityTest,
                         ::testing::Values("conformer_relpos_pretrained",
                                           "conformer_relpos_ctc",
                                           "conformer_rope_ctc"));

// The float16 conformers converted with --dtype=float32: the bytes
// transformers writes (it stores the fp16-rounded values as float32), the
// stored rotary inv_freq and BatchNorm statistics included; the int64
// num_batches_tracked is not cast.
class Float16ByteIdentityTest : public ::testing::TestWithParam<const char*> {};

TEST_P(Float16ByteIdentityTest, Float32ConversionIsByteIdentical) {
  const std::string variant = GetParam();
  const std::string out = TempDir() + "/bytes32_" + variant;
  ToolResult r = Convert(variant, out, {"--dtype=float32"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string ref = FixturePath("hf_reference/" + variant);
  EXPECT_TRUE(Slurp(out + "/config.json") == ExpectedConfigJson(variant));
  for (const char* name : {"model.safetensors", "preprocessor_config.json"}) {
    EXPECT_TRUE(Slurp(out + "/" + name) == Slurp(ref + "/" + name))
        << variant << " " << name;
  }
}

INSTANTIATE_TEST_SUITE_P(Conformer, Float16ByteIdentityTest,
                         ::testing::Values("conformer_relpos_ctc_fp16",
                                           "conformer_rope_ctc_fp16"));

// ctc_zero_infinity is the criterion's zero_infinity: the fine-tuned
// fixture with that one pickle byte turned from NEWTRUE to NEWFALSE (zip
// rebuilt, so every CRC holds) converts with false.
TEST(ConverterTest, CtcZeroInfinityFollowsTheCriterion) {
  absl::StatusOr<TorchArchive> fixture =
      TorchArchive::Open(FixturePath("finetuned/checkpoint.pt"));
  ASSERT_TRUE(fixture.ok()) << fixture.status();
  std::vector<testing::ZipSpec> entries;
  int flipped = 0;
  for (const ZipEntry& entry : fixture->zip().entries()) {
    absl::StatusOr<EntryBytes> bytes = fixture->zip().Contents(entry);
    ASSERT_TRUE(bytes.ok()) << bytes.status();
    std::string data(bytes->view());
    // BINUNICODE 'zero_infinity', LONG_BINPUT (5 bytes), NEWTRUE.
    const size_t key = data.find("zero_infinity");
    if (key != std::string::npos) {
      const size_t value = key + std::strlen("zero_infinity") + 5;
      ASSERT_EQ(data[value], '\x88') << entry.name;
      data[value] = '\x89';
      ++flipped;
    }
    entries.push_back({entry.name, data});
  }
  ASSERT_EQ(flipped, 1);
  const std::string path = TempDir() + "/zero_infinity_false.pt";
  std::ofstream(path, std::ios::binary) << testing::BuildZip(entries);
  const std::string out = TempDir() + "/zero_infinity_false";
  ToolResult r =
      RunTool(ToolPath("converter/converter"),
              {"--checkpoint_path=" + path, "--pytorch_dump_folder_path=" + out,
               "--dict_path=" + FixturePath("finetuned/dict.ltr.txt")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  nlohmann::json config = ReadJson(out + "/config.json");
  EXPECT_EQ(config["ctc_zero_infinity"], false);
  EXPECT_EQ(config["ctc_loss_reduction"], "sum");
}

// What the summary lists as transformers' defaults: for a pretrained
// model, the CTC head's and loss's fields too; for a fine-tuned one, not
// the CTC loss's, which come from its criterion.
TEST(ConverterTest, SummaryListsTransformersDefaults) {
  ToolResult p = Convert("hubert_pretrained", TempDir() + "/defaults_p");
  ASSERT_EQ(p.exit_code, 0) << p.err;
  EXPECT_NE(p.out.find("default used: transformers' defaults (not read from "
                       "the checkpoint): apply_spec_augment = true, "
                       "final_dropout = 0.1, vocab_size = 32, "
                       "ctc_loss_reduction = \"sum\", ctc_zero_infinity = "
                       "false, classifier_proj_size = 256, initializer_range "
                       "= 0.02, use_weighted_layer_sum = false\n"),
            std::string::npos)
      << p.out;
  ToolResult f = Convert("hubert_finetuned", TempDir() + "/defaults_f");
  ASSERT_EQ(f.exit_code, 0) << f.err;
  EXPECT_NE(f.out.find("default used: transformers' defaults (not read from "
                       "the checkpoint): apply_spec_augment = true, "
                       "classifier_proj_size = 256, initializer_range = "
                       "0.02, use_weighted_layer_sum = false\n"),
            std::string::npos)
      << f.out;
}

TEST(FamilyConverterTest, SummaryNamesTheIdentityProjectionAndSkippedHeads) {
  ToolResult w = Convert("wav2vec2_finetuned", TempDir() + "/summary_w2v");
  ASSERT_EQ(w.exit_code, 0) << w.err;
  EXPECT_NE(w.out.find("note: feature_projection.projection written as the "
                       "identity (weight = I, bias = 0)"),
            std::string::npos)
      << w.out;
  EXPECT_NE(w.out.find("model: wav2vec_ctc fine-tuned over wav2vec2"),
            std::string::npos)
      << w.out;
  ToolResult h = Convert("hubert_pretrained", TempDir() + "/summary_hubert");
  ASSERT_EQ(h.exit_code, 0) << h.err;
  EXPECT_NE(h.out.find("skipped (training only): HuBERT label embeddings "
                       "(label_embs_concat): 1 tensors"),
            std::string::npos)
      << h.out;
  EXPECT_NE(h.out.find("skipped (training only): pretraining head "
                       "(final_proj): 2 tensors"),
            std::string::npos)
      << h.out;
  EXPECT_EQ(h.out.find("identity"), std::string::npos) << h.out;
  ToolResult hc =
      Convert("hubert_finetuned", TempDir() + "/summary_hubert_ctc");
  ASSERT_EQ(hc.exit_code, 0) << hc.err;
  EXPECT_NE(hc.out.find("label_embs_concat): 1 tensors"), std::string::npos)
      << hc.out;
  // HuBERT's vocab.json puts <pad> at 0, the CTC blank (transformers' HuBERT
  // script leaves <s> there, contradicting its own pad_token_id).
  nlohmann::json vocab = ReadJson(TempDir() + "/summary_hubert_ctc/vocab.json");
  EXPECT_EQ(vocab["<pad>"], 0);
  EXPECT_EQ(vocab["<s>"], 1);
  EXPECT_EQ(
      ReadJson(TempDir() + "/summary_hubert_ctc/config.json")["pad_token_id"],
      0);
}

TEST(FamilyConverterTest, Fp16CheckpointKeepsHalfPrecisionAndMapsTheSame) {
  // A wav2vec 2.0 checkpoint stored in float16 (fairseq --fp16 training):
  // the synthetic generator writes one, with fp16 in cfg.common.
  const std::string ckpt = TempDir() + "/w2v_fp16.pt";
  ToolResult made = RunTool(ToolPath("pipelines/make_checkpoint"),
                            {"--family=wav2vec2", "--size=tiny",
                             "--dtype=float16", "--output=" + ckpt});
  ASSERT_EQ(made.exit_code, 0) << made.err;
  const std::string out = TempDir() + "/w2v_fp16_out";
  ToolResult r = RunTool(
      ToolPath("converter/converter"),
      {"--checkpoint_path=" + ckpt, "--pytorch_dump_folder_path=" + out});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("model: pretrained wav2vec2"), std::string::npos);
  nlohmann::json config = ReadJson(out + "/config.json");
  EXPECT_EQ(config["torch_dtype"], "float16");
  EXPECT_EQ(config["architectures"][0], "Wav2Vec2ForPreTraining");
  absl::StatusOr<SafetensorsFile> st =
      SafetensorsFile::Open(out + "/model.safetensors");
  ASSERT_TRUE(st.ok()) << st.status();
  EXPECT_EQ(st->Find("quantizer.codevectors")->dtype, DType::kF16);
}

// hf_reference/finetuned_fp16 is fp32 (transformers' script loads the
// checkpoint into fp32 models): --dtype=float32 writes its bytes, config.json
// but for ctc_zero_infinity.
TEST(ConverterTest, Fp16ToFloat32IsByteIdenticalToTransformersOutput) {
  const std::string out = TempDir() + "/fp16_as_f32";
  ToolResult r = Convert("finetuned_fp16", out, {"--dtype=float32"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(
      Slurp(out + "/model.safetensors") ==
      Slurp(FixturePath("hf_reference/finetuned_fp16/model.safetensors")));
  EXPECT_TRUE(Slurp(out + "/config.json") ==
              ExpectedConfigJson("finetuned_fp16"));
}

TEST(ConverterTest, PytorchModelBinHoldsTheSameTensorsAsSafetensors) {
  const std::string out = TempDir() + "/both";
  ToolResult r = Convert("finetuned_fp16", out, {"--format=both"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  absl::StatusOr<SafetensorsFile> st =
      SafetensorsFile::Open(out + "/model.safetensors");
  absl::StatusOr<TorchArchive> bin =
      TorchArchive::Open(out + "/pytorch_model.bin");
  ASSERT_TRUE(st.ok()) << st.status();
  ASSERT_TRUE(bin.ok()) << bin.status();
  ASSERT_TRUE(bin->zip().VerifyAllCrcs().ok());
  const PickleValue& dict = bin->root();
  ASSERT_EQ(dict.entries().size(), st->entries().size());
  for (const auto& [key, value] : dict.entries()) {
    const SafetensorsEntry* e = st->Find(key->text());
    ASSERT_NE(e, nullptr) << key->text();
    ASSERT_TRUE(value->is(PickleValue::Kind::kTensor));
    EXPECT_EQ(value->tensor().storage->dtype, e->dtype);
    EXPECT_EQ(value->tensor().shape, e->shape);
    EXPECT_TRUE(bin->TensorBytes(value->tensor())->view() == st->Bytes(*e))
        << key->text();
  }
}

TEST(ConverterTest, BinOnlyWritesNoSafetensors) {
  const std::string out = TempDir() + "/bin_only";
  ASSERT_EQ(Convert("pretrained", out, {"--format=bin"}).exit_code, 0);
  EXPECT_TRUE(PathExists(out + "/pytorch_model.bin"));
  EXPECT_FALSE(PathExists(out + "/model.safetensors"));
}

TEST(ConverterTest, Fp16KeepStoresHalfPrecision) {
  const std::string out = TempDir() + "/fp16_keep";
  ASSERT_EQ(Convert("finetuned_fp16", out, {"--dtype=keep"}).exit_code, 0);
  absl::StatusOr<SafetensorsFile> file =
      SafetensorsFile::Open(out + "/model.safetensors");
  ASSERT_TRUE(file.ok());
  for (const SafetensorsEntry& e : file->entries())
    EXPECT_EQ(e.dtype, DType::kF16) << e.name;
}

TEST(ConverterTest, SummaryNamesSkippedTrainingWeights) {
  ToolResult r = Convert("pretrained", TempDir() + "/summary");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("EMA teacher (_ema): 58 tensors"), std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("pretraining head (final_proj): 2 tensors"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("parameters: 58448"), std::string::npos) << r.out;
  EXPECT_TRUE(r.err.empty()) << r.err;
}

TEST(ConverterTest, CtcWithoutDictionaryFailsAndWritesNothing) {
  const std::string out = TempDir() + "/nodict";
  ToolResult r =
      RunTool(ToolPath("converter/converter"),
              {"--checkpoint_path=" + FixturePath("finetuned/checkpoint.pt"),
               "--pytorch_dump_folder_path=" + out});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("--dict_path"), std::string::npos) << r.err;
  EXPECT_FALSE(PathExists(out));
}

// A bit flipped in the storage of a converted weight, which the converter
// copies in the kernel without reading it: the CRC pass finds it, whichever
// format is written. Exit 1, the file and the entry named, nothing written.
TEST(ConverterTest, DamagedWeightIsFoundInEitherFormat) {
  const std::string source = FixturePath("finetuned/checkpoint.pt");
  absl::StatusOr<FairseqCheckpoint> checkpoint =
      FairseqCheckpoint::Load(source);
  ASSERT_TRUE(checkpoint.ok()) << checkpoint.status();
  const TensorRef* fc1 = checkpoint->FindTensor(
      "w2v_encoder.w2v_model.encoder.layers.0.fc1.weight");
  ASSERT_NE(fc1, nullptr);
  const ZipEntry& entry = checkpoint->archive().StorageEntry(*fc1->storage);
  std::string bytes = Slurp(source);
  bytes[entry.data_offset + entry.compressed_size / 2] ^= 0x10;
  const std::string damaged = TempDir() + "/damaged_fc1.pt";
  std::ofstream(damaged, std::ios::binary) << bytes;
  for (const char* format : {"safetensors", "bin"}) {
    const std::string out = TempDir() + "/damaged_" + format;
    ToolResult r = RunTool(
        ToolPath("converter/converter"),
        {"--checkpoint_path=" + damaged, "--pytorch_dump_folder_path=" + out,
         "--dict_path=" + FixturePath("finetuned/dict.ltr.txt"),
         std::string("--format=") + format});
    EXPECT_EQ(r.exit_code, 1) << format << ": " << r.err;
    EXPECT_EQ(r.err.find("converter: error: " + damaged + ": "), 0u)
        << format << ": " << r.err;
    EXPECT_NE(r.err.find(entry.name + ": CRC-32 mismatch"), std::string::npos)
        << format << ": " << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    EXPECT_FALSE(PathExists(out)) << format;
  }
}

TEST(ConverterTest, NotFinetunedFlagOnCtcCheckpointIsAnError) {
  const std::string out = TempDir() + "/notft";
  ToolResult r = Convert("finetuned", out, {"--not_finetuned"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("--not_finetuned"), std::string::npos) << r.err;
  EXPECT_FALSE(PathExists(out));
}

TEST(ConverterTest, ConfigWithWrongLayerCountIsRefused) {
  nlohmann::json config =
      ReadJson(FixturePath("hf_reference/finetuned/config.json"));
  config["num_hidden_layers"] = 4;
  const std::string config_path = TempDir() + "/wrong_layers.json";
  std::ofstream(config_path) << DumpJson(config);
  const std::string out = TempDir() + "/wrong_layers";
  ToolResult r = Convert("finetuned", out, {"--config_path=" + config_path});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("encoder.layers.3"), std::string::npos) << r.err;
  EXPECT_FALSE(PathExists(out));
}

TEST(ConverterTest, ConfigOverrideOfNonArchitectureFieldIsApplied) {
  nlohmann::json config = {{"final_dropout", 0.25}};
  const std::string config_path = TempDir() + "/override.json";
  std::ofstream(config_path) << DumpJson(config);
  const std::string out = TempDir() + "/override";
  ToolResult r = Convert("finetuned", out, {"--config_path=" + config_path});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(ReadJson(out + "/config.json")["final_dropout"], 0.25);
}

TEST(ConverterTest, ExistingNonEmptyOutputIsRefusedWithoutOverwrite) {
  const std::string out = TempDir() + "/occupied";
  ::mkdir(out.c_str(), 0755);
  std::ofstream(out + "/keep.txt") << "mine";
  ToolResult r = Convert("finetuned", out);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("--overwrite"), std::string::npos);
  EXPECT_EQ(Slurp(out + "/keep.txt"), "mine");
  ASSERT_EQ(Convert("finetuned", out, {"--overwrite"}).exit_code, 0);
  EXPECT_FALSE(PathExists(out + "/keep.txt"));
  EXPECT_TRUE(PathExists(out + "/model.safetensors"));
}

TEST(ConverterTest, BadUsageExitsTwo) {
  EXPECT_EQ(
      RunTool(ToolPath("converter/converter"), {"--no_such_flag=1"}).exit_code,
      2);
  EXPECT_EQ(RunTool(ToolPath("converter/converter"),
                    {"--dtype=int8", "--checkpoint_path=x",
                     "--pytorch_dump_folder_path=y"})
                .exit_code,
            2);
  EXPECT_EQ(RunTool(ToolPath("converter/converter"), {}).exit_code, 2);
}

std::string Bytes(std::initializer_list<int> bytes) {
  std::string s;
  for (int b : bytes) s.push_back(static_cast<char>(b));
  return s;
}

std::string Str(const std::string& text) {  // BINUNICODE
  std::string s = Bytes({'X'});
  for (int i = 0; i < 4; ++i)
    s.push_back(static_cast<char>(text.size() >> (8 * i)));
  return s + text;
}

TEST(ConverterTest, UnclaimedModelIsRefusedByName) {
  // {'cfg': {'model': {'_name': 'wav2vec'}, 'task': {}}, 'model': {}}
  std::string pickle = Bytes({0x80, 2, '}', '('}) + Str("cfg") +
                       Bytes({'}', '('}) + Str("model") + Bytes({'}'}) +
                       Str("_name") + Str("wav2vec") + Bytes({'s'}) +
                       Str("task") + Bytes({'}', 'u'}) + Str("model") +
                       Bytes({'}', 'u', '.'});
  const std::string path = TempDir() + "/wav2vec2.pt";
  std::ofstream(path, std::ios::binary)
      << testing::BuildZip({{"w/data.pkl", pickle}, {"w/version", "3\n"}});
  const std::string out = TempDir() + "/wav2vec2_out";
  ToolResult r = RunTool(
      ToolPath("converter/converter"),
      {"--checkpoint_path=" + path, "--pytorch_dump_folder_path=" + out});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("model 'wav2vec' (cfg.model._name) belongs to no family "
                       "Fairport converts (families: data2vec_audio, hubert, "
                       "wav2vec2, wav2vec2_conformer)"),
            std::string::npos)
      << r.err;
  EXPECT_FALSE(PathExists(out));
}

// argparse.Namespace(arch=..., [w2v_args=Namespace(arch=...)]) as a
// pickle: GLOBAL, NEWOBJ, BUILD with its __dict__.
std::string Namespace(const std::string& arch, const std::string& inner) {
  std::string p = "cargparse\nNamespace\n" + Bytes({')', 0x81, '}', '('}) +
                  Str("arch") + Str(arch);
  if (!inner.empty()) p += Str("w2v_args") + Namespace(inner, "");
  return p + Bytes({'u', 'b'});
}

// Detection from legacy `args` (pre-hydra checkpoints) for each kind of
// the new families: {'args': Namespace(...), 'model': {}} read by inspect.
TEST(ConverterTest, LegacyArgsCheckpointsOfEveryFamilyAreDetected) {
  const std::pair<std::pair<const char*, const char*>, const char*> cases[] = {
      {{"wav2vec2", ""}, "pretrained wav2vec2"},
      {{"wav2vec_ctc", "wav2vec2"}, "wav2vec_ctc fine-tuned over wav2vec2"},
      {{"hubert", ""}, "pretrained hubert"},
      {{"hubert_ctc", "hubert"}, "hubert_ctc fine-tuned over hubert"},
  };
  for (const auto& [names, kind] : cases) {
    std::string pickle = Bytes({0x80, 2, '}', '('}) + Str("args") +
                         Namespace(names.first, names.second) + Str("model") +
                         Bytes({'}', 'u', '.'});
    const std::string path = TempDir() + "/legacy_" + names.first + ".pt";
    std::ofstream(path, std::ios::binary)
        << testing::BuildZip({{"w/data.pkl", pickle}, {"w/version", "3\n"}});
    ToolResult r = RunTool(ToolPath("converter/inspect"), {path});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.out.find(std::string("model kind: ") + kind), std::string::npos)
        << names.first << ": " << r.out << r.err;
  }
  // hubert_ctc over something that is not HuBERT is refused by name.
  std::string pickle = Bytes({0x80, 2, '}', '('}) + Str("args") +
                       Namespace("hubert_ctc", "wav2vec2") + Str("model") +
                       Bytes({'}', 'u', '.'});
  const std::string path = TempDir() + "/legacy_mixed.pt";
  std::ofstream(path, std::ios::binary)
      << testing::BuildZip({{"w/data.pkl", pickle}, {"w/version", "3\n"}});
  ToolResult r =
      RunTool(ToolPath("converter/converter"),
              {"--checkpoint_path=" + path,
               "--pytorch_dump_folder_path=" + TempDir() + "/mixed"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("'hubert_ctc'"), std::string::npos) << r.err;
}

TEST(ConverterTest, VocabPutsPadAtZeroAsTheCtcBlank) {
  const std::string out = TempDir() + "/vocab";
  ASSERT_EQ(Convert("finetuned", out).exit_code, 0);
  nlohmann::json vocab = ReadJson(out + "/vocab.json");
  EXPECT_EQ(vocab["<pad>"], 0);
  EXPECT_EQ(vocab["<s>"], 1);
  EXPECT_EQ(vocab["</s>"], 2);
  EXPECT_EQ(vocab["<unk>"], 3);
  EXPECT_EQ(vocab["|"], 4);  // first line of dict.ltr.txt
  EXPECT_EQ(vocab.size(), 33u);
}

// Every case of bad/manifest.json, through the converter and (for the
// reader's categories) through inspect.
TEST(BadInputTest, EveryManifestCaseGetsItsOutcome) {
  nlohmann::json manifest = ReadJson(FixturePath("bad/manifest.json"));
  ASSERT_EQ(manifest["cases"].size(), manifest["total"].get<size_t>());
  for (const nlohmann::json& c : manifest["cases"]) {
    const std::string name = c["name"];
    const std::string expected = c["expected"];
    const std::string checkpoint =
        FixturePath(c["checkpoint"].get<std::string>());
    std::string canary;
    if (c.contains("must_not_create")) {
      canary = c["must_not_create"];
      ::unlink(canary.c_str());
    }
    const std::string out = TempDir() + "/bad_" + name;
    std::vector<std::string> args = {"--checkpoint_path=" + checkpoint,
                                     "--pytorch_dump_folder_path=" + out};
    if (!c["dict"].is_null())
      args.push_back("--dict_path=" +
                     FixturePath(c["dict"].get<std::string>()));
    ToolResult r = RunTool(ToolPath("converter/converter"), args);
    EXPECT_EQ(r.signal, 0) << name;
    if (expected == "error") {
      EXPECT_EQ(r.exit_code, 1) << name << ": " << r.err;
      EXPECT_FALSE(PathExists(out)) << name;
      EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1)
          << name << ": " << r.err;
      EXPECT_NE(r.err.find(c["dict"].is_null() || c["category"] != "dict"
                               ? checkpoint
                               : FixturePath(c["dict"].get<std::string>())),
                std::string::npos)
          << name << ": the message names the file: " << r.err;
    } else {
      EXPECT_TRUE(r.exit_code == 0 || r.exit_code == 1) << name;
    }
    if (!canary.empty())
      EXPECT_FALSE(PathExists(canary)) << name << " executed its payload";

    const std::string category = c["category"];
    if (category == "truncated" || category == "zip" || category == "tensor" ||
        category == "pickle" || category == "canary") {
      ToolResult i = RunTool(ToolPath("converter/inspect"), {checkpoint});
      EXPECT_EQ(i.signal, 0) << name;
      if (expected == "error") {
        EXPECT_EQ(i.exit_code, 1) << name << ": " << i.err;
        EXPECT_NE(i.err.find(checkpoint), std::string::npos)
            << name << ": " << i.err;
      }
      if (!canary.empty())
        EXPECT_FALSE(PathExists(canary)) << name << " executed its payload";
    }
  }
}

TEST(InspectTest, ListsEveryTensorWithDtypeAndShape) {
  ToolResult r = RunTool(ToolPath("converter/inspect"),
                         {FixturePath("pretrained/checkpoint.pt")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("model kind: pretrained data2vec_audio"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("_ema.layers.0.fc1.weight\tfloat32\t[88, 40]"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("tensors: 135"), std::string::npos) << r.out;
}

}  // namespace
}  // namespace fairport
