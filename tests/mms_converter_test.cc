// End-to-end: the converter on the MMS fixtures (testdata/mms_*,
// ../shared/notes/mms.md): adapter models of both layouts and language ID,
// against what transformers writes (hf_reference/mms_*), the fairseq
// tensors themselves (state_dict.safetensors, adapter_state_dicts.safetensors),
// and the refusals by name.

#include <algorithm>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "base/files.h"
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
using ::fairport::testing::ReadJson;
using ::fairport::testing::RunTool;
using ::fairport::testing::Slurp;
using ::fairport::testing::TempDir;
using ::fairport::testing::ToolPath;
using ::fairport::testing::ToolResult;

ToolResult ConvertCheckpoint(const std::string& checkpoint,
                             const std::string& out,
                             std::vector<std::string> extra = {}) {
  std::vector<std::string> args = {"--checkpoint_path=" + checkpoint,
                                   "--pytorch_dump_folder_path=" + out};
  args.insert(args.end(), extra.begin(), extra.end());
  return RunTool(ToolPath("converter/converter"), args);
}

// The adapter fixtures carry their dictionaries in the checkpoint; the
// language-ID ones are given dict.lang.txt, as MMS ships it.
ToolResult Convert(const std::string& variant, const std::string& out,
                   std::vector<std::string> extra = {}) {
  if (PathExists(FixturePath(variant + "/dict.lang.txt")))
    extra.push_back("--dict_path=" + FixturePath(variant + "/dict.lang.txt"));
  return ConvertCheckpoint(FixturePath(variant + "/checkpoint.pt"), out, extra);
}

std::vector<float> Floats(const SafetensorsFile& file,
                          const std::string& name) {
  const SafetensorsEntry* e = file.Find(name);
  if (e == nullptr) {
    ADD_FAILURE() << "no tensor " << name;
    return {};
  }
  std::vector<float> out(e->numel());
  CastFloats(e->dtype, file.Bytes(*e).data(), DType::kF32, out.data(),
             e->numel());
  return out;
}

// Row `row` of a tensor stacked over corpora (leading dimension).
std::vector<float> Row(const SafetensorsFile& file, const std::string& name,
                       int64_t row) {
  const SafetensorsEntry* e = file.Find(name);
  std::vector<float> all = Floats(file, name);
  if (e == nullptr || e->shape.empty()) return {};
  const size_t n = all.size() / e->shape[0];
  return std::vector<float>(all.begin() + row * n, all.begin() + (row + 1) * n);
}

SafetensorsFile Open(const std::string& path) {
  absl::StatusOr<SafetensorsFile> file = SafetensorsFile::Open(path);
  EXPECT_TRUE(file.ok()) << path << ": " << file.status();
  return *std::move(file);
}

void Replace(std::string& bytes, const std::string& from,
             const std::string& to) {
  const size_t at = bytes.find(from);
  ASSERT_NE(at, std::string::npos) << from;
  ASSERT_EQ(bytes.find(from, at + 1), std::string::npos) << from;
  bytes.replace(at, from.size(), to);
}

// transformers' config.json for `variant` with the differences from
// Fairport's that README documents, each checked to be there: the adapter
// models were trained with the ctc criterion's zero_infinity set, which
// Fairport carries over (transformers' script leaves false);
// mms_adapter_subset's reference was saved after a reload, which recorded
// its own path as _name_or_path; mms_lid's reference lacks the final
// newline every other config.json has.
std::string ExpectedConfigJson(const std::string& variant) {
  std::string bytes =
      Slurp(FixturePath("hf_reference/" + variant + "/config.json"));
  if (variant == "mms_lid") {
    EXPECT_NE(bytes.back(), '\n');
    return bytes + "\n";
  }
  Replace(bytes, "\"ctc_zero_infinity\": false,",
          "\"ctc_zero_infinity\": true,");
  if (variant == "mms_adapter_subset") {
    Replace(bytes,
            "  \"_name_or_path\": "
            "\"/work/steering/shared/fixtures/hf_reference/"
            "mms_adapter_subset\",\n",
            "");
  }
  return bytes;
}

class MmsReferenceTest : public ::testing::TestWithParam<const char*> {};

// Every file transformers wrote is the very bytes Fairport writes (config
// .json up to the documented differences), and Fairport writes no other.
TEST_P(MmsReferenceTest, EveryFileIsByteIdenticalToTransformers) {
  const std::string variant = GetParam();
  const std::string out = TempDir() + "/mms_" + variant;
  ToolResult r = Convert(variant, out);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string ref = FixturePath("hf_reference/" + variant);
  EXPECT_TRUE(Slurp(out + "/config.json") == ExpectedConfigJson(variant));
  const std::vector<std::string> names = {"model.safetensors",
                                          "preprocessor_config.json",
                                          "vocab.json",
                                          "tokenizer_config.json",
                                          "special_tokens_map.json",
                                          "adapter.eng.safetensors",
                                          "adapter.fra.safetensors",
                                          "adapter.yor.safetensors",
                                          "adapter.deu.safetensors",
                                          "adapter.swh.safetensors"};
  for (const std::string& name : names) {
    ASSERT_EQ(PathExists(out + "/" + name), PathExists(ref + "/" + name))
        << name;
    if (PathExists(ref + "/" + name)) {
      EXPECT_TRUE(Slurp(out + "/" + name) == Slurp(ref + "/" + name))
          << variant << " " << name;
    }
  }
  // Every field transformers' script needed by hand is inferred.
  nlohmann::json hand = ReadJson(ref + "/hand_config_fields.json");
  nlohmann::json config = ReadJson(out + "/config.json");
  for (auto& [key, value] : hand.items())
    EXPECT_EQ(config[key], value) << variant << " " << key;
}

INSTANTIATE_TEST_SUITE_P(Mms, MmsReferenceTest,
                         ::testing::Values("mms_adapter_ctc",
                                           "mms_adapter_subset",
                                           "mms_adapter_merged", "mms_lid"));

// mms.json's adapter_file_keys: exactly what load_adapter expects, lm_head
// included.
TEST(MmsConverterTest, AdapterFilesHoldExactlyTheKeysLoadAdapterExpects) {
  const std::string out = TempDir() + "/mms_keys";
  ASSERT_EQ(Convert("mms_adapter_ctc", out).exit_code, 0);
  nlohmann::json facts = ReadJson(FixturePath("mms.json"));
  std::vector<std::string> expected =
      facts["variants"]["mms_adapter_ctc"]["adapter_file_keys"];
  for (const char* language : {"eng", "fra", "yor"}) {
    SafetensorsFile file =
        Open(out + "/adapter." + std::string(language) + ".safetensors");
    std::vector<std::string> keys;
    for (const SafetensorsEntry& e : file.entries()) keys.push_back(e.name);
    std::sort(keys.begin(), keys.end());
    EXPECT_EQ(keys, expected) << language;
  }
}

// Training layout: adapter file of language n = row n of every stacked
// fairseq adapter tensor (state_dict.safetensors, written independently of
// the checkpoint reader), and the one CTC head; layers outside adp_trf_idx
// hold the zero adapter.
TEST(MmsConverterTest, EachAdapterFileHoldsItsLanguagesFairseqRows) {
  struct Case {
    const char* variant;
    std::vector<std::string> languages;
    int layers;
    std::vector<int> adapter_layers;
  };
  const Case cases[] = {
      {"mms_adapter_ctc", {"eng", "fra", "yor"}, 2, {0, 1}},
      {"mms_adapter_subset", {"deu", "swh"}, 3, {1, 2}},
  };
  const std::pair<const char*, const char*> params[] = {
      {"W_a", "linear_1.weight"}, {"b_a", "linear_1.bias"},
      {"W_b", "linear_2.weight"}, {"b_b", "linear_2.bias"},
      {"ln_W", "norm.weight"},    {"ln_b", "norm.bias"}};
  for (const Case& c : cases) {
    const std::string out = TempDir() + "/mms_rows_" + c.variant;
    ASSERT_EQ(Convert(c.variant, out).exit_code, 0);
    SafetensorsFile fairseq =
        Open(FixturePath(std::string(c.variant) + "/state_dict.safetensors"));
    for (size_t n = 0; n < c.languages.size(); ++n) {
      SafetensorsFile file =
          Open(out + "/adapter." + c.languages[n] + ".safetensors");
      EXPECT_EQ(Floats(file, "lm_head.weight"),
                Floats(fairseq, "w2v_encoder.proj.weight"));
      EXPECT_EQ(Floats(file, "lm_head.bias"),
                Floats(fairseq, "w2v_encoder.proj.bias"));
      for (int l = 0; l < c.layers; ++l) {
        const bool has =
            std::find(c.adapter_layers.begin(), c.adapter_layers.end(), l) !=
            c.adapter_layers.end();
        for (const auto& [fs, hf] : params) {
          const std::string hf_name = "wav2vec2.encoder.layers." +
                                      std::to_string(l) + ".adapter_layer." +
                                      hf;
          std::vector<float> got = Floats(file, hf_name);
          if (has) {
            EXPECT_EQ(got, Row(fairseq,
                               "w2v_encoder.w2v_model.encoder.layers." +
                                   std::to_string(l) + ".adapter_layer." + fs,
                               n))
                << c.variant << " " << c.languages[n] << " " << hf_name;
          } else {
            const float zero = std::strcmp(hf, "norm.weight") == 0 ? 1 : 0;
            EXPECT_EQ(got, std::vector<float>(got.size(), zero))
                << c.variant << " " << hf_name;
            EXPECT_FALSE(got.empty());
          }
        }
      }
    }
  }
}

// Released layout: each language's adapter file is ckpt["adapter"][lang]
// (adapter_state_dicts.safetensors: "adapter.<lang>.<fairseq name>", a
// leading dimension of 1), its own head of its own size.
TEST(MmsConverterTest, ReleasedLayoutFilesHoldEachLanguagesOwnHead) {
  const std::string out = TempDir() + "/mms_released";
  ASSERT_EQ(Convert("mms_adapter_merged", out).exit_code, 0);
  SafetensorsFile fairseq =
      Open(FixturePath("mms_adapter_merged/adapter_state_dicts.safetensors"));
  const std::pair<const char*, int64_t> languages[] = {
      {"eng", 33}, {"fra", 38}, {"yor", 36}};
  for (const auto& [language, rows] : languages) {
    const std::string p = std::string("adapter.") + language + ".";
    SafetensorsFile file = Open(out + "/" + p + "safetensors");
    EXPECT_EQ(file.Find("lm_head.weight")->shape,
              (std::vector<int64_t>{rows, 42}));
    EXPECT_EQ(Floats(file, "lm_head.weight"),
              Floats(fairseq, p + "w2v_encoder.proj.weight"));
    EXPECT_EQ(Floats(file,
                     "wav2vec2.encoder.layers.1.adapter_layer.linear_2."
                     "weight"),
              Row(fairseq,
                  p + "w2v_encoder.w2v_model.encoder.layers.1.adapter_layer."
                      "W_b",
                  0));
    EXPECT_EQ(
        Floats(file, "wav2vec2.encoder.layers.0.adapter_layer.norm.bias"),
        Row(fairseq,
            p + "w2v_encoder.w2v_model.encoder.layers.0.adapter_layer.ln_b",
            0));
  }
  // vocab.json nested by language, each the language's own dictionary.
  nlohmann::json vocab = ReadJson(out + "/vocab.json");
  EXPECT_EQ(vocab["eng"].size(), 33u);
  EXPECT_EQ(vocab["fra"].size(), 38u);
  EXPECT_EQ(vocab["yor"].size(), 36u);
}

// --target_lang puts that language's adapters and head into
// model.safetensors (and config.json's vocab_size, the tokenizer's
// target_lang); the adapter files and every other tensor stay as they are.
TEST(MmsConverterTest, TargetLangChoosesWhatModelSafetensorsHolds) {
  const std::string first = TempDir() + "/mms_target_default";
  const std::string fra = TempDir() + "/mms_target_fra";
  ASSERT_EQ(Convert("mms_adapter_merged", first).exit_code, 0);
  ToolResult r = Convert("mms_adapter_merged", fra, {"--target_lang=fra"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("model.safetensors holds the adapters and CTC head of "
                       "'fra'"),
            std::string::npos)
      << r.out;
  EXPECT_EQ(ReadJson(fra + "/config.json")["vocab_size"], 38);
  EXPECT_EQ(ReadJson(fra + "/tokenizer_config.json")["target_lang"], "fra");
  SafetensorsFile model = Open(fra + "/model.safetensors");
  SafetensorsFile adapter = Open(fra + "/adapter.fra.safetensors");
  SafetensorsFile base = Open(first + "/model.safetensors");
  for (const SafetensorsEntry& e : model.entries()) {
    const SafetensorsFile& from =
        adapter.Find(e.name) != nullptr ? adapter : base;
    EXPECT_EQ(Floats(model, e.name), Floats(from, e.name)) << e.name;
  }
  for (const char* name : {"adapter.eng.safetensors", "adapter.fra.safetensors",
                           "adapter.yor.safetensors"}) {
    EXPECT_TRUE(Slurp(fra + "/" + name) == Slurp(first + "/" + name)) << name;
  }
}

TEST(MmsConverterTest, SummarySaysWhereZeroAdaptersWereWritten) {
  ToolResult r = Convert("mms_adapter_subset", TempDir() + "/mms_summary");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("model.safetensors holds the adapters and CTC head of "
                       "'deu' (languages: deu, swh)"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("zero adapters (norm 1 and 0, linears 0: they add "
                       "exactly 0.0) written for layer 0, outside adp_trf_idx "
                       "'1:3'"),
            std::string::npos)
      << r.out;
}

TEST(MmsConverterTest, UnknownTargetLangIsRefusedByName) {
  const std::string out = TempDir() + "/mms_unknown_lang";
  ToolResult r = Convert("mms_adapter_ctc", out, {"--target_lang=deu"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("--target_lang=deu is not one of its languages (eng, "
                       "fra, yor)"),
            std::string::npos)
      << r.err;
  EXPECT_FALSE(PathExists(out));
}

TEST(MmsConverterTest, TargetLangOnAModelWithoutAdaptersIsRefused) {
  ToolResult r =
      Convert("mms_lid", TempDir() + "/mms_lid_lang", {"--target_lang=eng"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("no per-language adapters"), std::string::npos) << r.err;
}

// Refused by name, with nothing written: what transformers cannot hold.
TEST(MmsConverterTest, UnrepresentableModelsAreRefusedNamingTheField) {
  const std::pair<const char*, const char*> cases[] = {
      {"mms_adapter_postln",
       "cfg.model.w2v_args.model.layer_norm_first is False under layer_type "
       "'trf_adp'"},
      {"mms_lid_gelu", "cfg.model.activation_fn is 'gelu'"},
  };
  for (const auto& [variant, message] : cases) {
    const std::string out = TempDir() + "/mms_refused_" + variant;
    ToolResult r = Convert(variant, out);
    EXPECT_EQ(r.exit_code, 1) << variant;
    EXPECT_NE(r.err.find(message), std::string::npos) << r.err;
    EXPECT_FALSE(PathExists(out)) << variant;
  }
}

// id2label is the label dictionary's rows, label2id its inverse (which
// transformers' script leaves at {LABEL_0: 0, LABEL_1: 1}); the same from
// dict.lang.txt and from the dictionary the checkpoint pickles.
TEST(MmsConverterTest, LanguageIdLabelsComeFromTheLabelDictionary) {
  const nlohmann::json id2label = {
      {"0", "eng"}, {"1", "fra"}, {"2", "deu"}, {"3", "cmn"}, {"4", "hin"}};
  const nlohmann::json label2id = {
      {"eng", 0}, {"fra", 1}, {"deu", 2}, {"cmn", 3}, {"hin", 4}};
  const std::string given = TempDir() + "/mms_lid_given";
  ASSERT_EQ(Convert("mms_lid", given).exit_code, 0);
  const std::string pickled = TempDir() + "/mms_lid_pickled";
  ToolResult r =
      ConvertCheckpoint(FixturePath("mms_lid/checkpoint.pt"), pickled);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  for (const std::string& out : {given, pickled}) {
    nlohmann::json config = ReadJson(out + "/config.json");
    EXPECT_EQ(config["id2label"], id2label);
    EXPECT_EQ(config["label2id"], label2id);
    EXPECT_EQ(config["classifier_proj_size"], 20);
    EXPECT_EQ(config["architectures"][0], "Wav2Vec2ForSequenceClassification");
    EXPECT_FALSE(PathExists(out + "/vocab.json"));
  }
}

TEST(MmsConverterTest, LabelDictionaryThatIsNotTheModelsIsRefused) {
  const std::string dict = TempDir() + "/rotated.dict.lang.txt";
  std::ofstream(dict) << "fra 1\ndeu 1\ncmn 1\nhin 1\neng 1\n";
  const std::string out = TempDir() + "/mms_lid_rotated";
  ToolResult r = ConvertCheckpoint(FixturePath("mms_lid/checkpoint.pt"), out,
                                   {"--dict_path=" + dict});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("its labels differ from the label dictionary"),
            std::string::npos)
      << r.err;
  EXPECT_FALSE(PathExists(out));
}

// mms_adapter_ctc with cfg.task.multi_corpus_keys rewritten in its pickle
// (BINUNICODE 'eng,fra,yor'; protocol 2 has no frames, so the length may
// change; zip rebuilt, so every CRC holds).
std::string WithCorpusKeys(const std::string& name,
                           const std::string& replacement) {
  absl::StatusOr<TorchArchive> fixture =
      TorchArchive::Open(FixturePath("mms_adapter_ctc/checkpoint.pt"));
  EXPECT_TRUE(fixture.ok()) << fixture.status();
  std::vector<testing::ZipSpec> entries;
  for (const ZipEntry& entry : fixture->zip().entries()) {
    absl::StatusOr<EntryBytes> bytes = fixture->zip().Contents(entry);
    EXPECT_TRUE(bytes.ok()) << bytes.status();
    std::string data(bytes->view());
    if (entry.name.size() >= 8 &&
        entry.name.compare(entry.name.size() - 8, 8, "data.pkl") == 0) {
      Replace(data, std::string("X\x0b\x00\x00\x00", 5) + "eng,fra,yor",
              replacement);
    }
    entries.push_back({entry.name, data});
  }
  const std::string path = TempDir() + "/" + name + ".pt";
  std::ofstream(path, std::ios::binary) << testing::BuildZip(entries);
  return path;
}

std::string Unicode(const std::string& text) {  // BINUNICODE
  std::string op = "X";
  for (int i = 0; i < 4; ++i)
    op.push_back(static_cast<char>((text.size() >> (8 * i)) & 0xFF));
  return op + text;
}

TEST(MmsConverterTest, LanguagesThatCannotNameFilesAreRefusedByName) {
  const std::pair<std::string, std::string> cases[] = {
      {Unicode("eng,fra,eng"), "'eng' is repeated"},
      {Unicode("eng,f/a,yor"), "'f/a' is not a safe file-name part"},
      {Unicode("eng,fra,yor,deu"), "names 4 languages, but adp_num is 3"},
      {"N", "cfg.task.multi_corpus_keys is None"},
  };
  int i = 0;
  for (const auto& [replacement, message] : cases) {
    const std::string name = "mms_keys_" + std::to_string(i++);
    const std::string out = TempDir() + "/" + name;
    ToolResult r = ConvertCheckpoint(WithCorpusKeys(name, replacement), out);
    EXPECT_EQ(r.exit_code, 1) << message;
    EXPECT_NE(r.err.find(message), std::string::npos) << r.err;
    EXPECT_FALSE(PathExists(out)) << message;
  }
  // The same edit that keeps the names usable converts: the builder is not
  // what is refused.
  ToolResult ok =
      ConvertCheckpoint(WithCorpusKeys("mms_keys_ok", Unicode("eng,fra,yo_")),
                        TempDir() + "/mms_keys_ok");
  EXPECT_EQ(ok.exit_code, 0) << ok.err;
  EXPECT_TRUE(PathExists(TempDir() + "/mms_keys_ok/adapter.yo_.safetensors"));
}

}  // namespace
}  // namespace fairport
