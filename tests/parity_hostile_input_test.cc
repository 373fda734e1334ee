// End-to-end: `parity` and `reference` against hostile reference files,
// converted directories and checkpoints. Each must end with one line on
// stderr naming the file and the entry, and exit 1, never by a signal.
#include <sys/stat.h>

#include <cstring>
#include <fstream>
#include <functional>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "base/files.h"
#include "base/json.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "tests/fixtures.h"
#include "tests/hostile_inputs.h"
#include "tests/run_tool.h"
#include "tests/safetensors_builder.h"

namespace fairport {
namespace {

using ::fairport::testing::BuildSafetensors;
using ::fairport::testing::FixturePath;
using ::fairport::testing::ReadJson;
using ::fairport::testing::ReadSafetensorsSpec;
using ::fairport::testing::RunTool;
using ::fairport::testing::SafetensorsSpec;
using ::fairport::testing::Slurp;
using ::fairport::testing::TempDir;
using ::fairport::testing::ToolPath;
using ::fairport::testing::ToolResult;

void ExpectOneLineError(const ToolResult& r, const std::string& fragment) {
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_EQ(r.signal, 0);
  EXPECT_TRUE(absl::StrContains(r.err, fragment)) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
}

std::string Audio() { return ToolPath("datasets/default/utt03.wav"); }

// The fine-tuned fixture's converted directory (written by transformers)
// and its reference file (written by the real `reference` tool).
class ParityHostileInputTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    reference_ = new std::string(TempDir() + "/reference.safetensors");
    ToolResult r =
        RunTool(ToolPath("verify/reference"),
                {"--checkpoint_path=" + FixturePath("finetuned/checkpoint.pt"),
                 "--output=" + *reference_, Audio()});
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }

  // A copy of the converted directory, `file` replaced by `contents`.
  static std::string ModelDir(const std::string& name, const std::string& file,
                              const std::string& contents) {
    const std::string dir = TempDir() + "/" + name;
    ::mkdir(dir.c_str(), 0755);
    for (const char* f : {"config.json", "preprocessor_config.json",
                          "model.safetensors", "vocab.json"}) {
      std::ofstream(dir + "/" + f, std::ios::binary)
          << Slurp(FixturePath(absl::StrCat("hf_reference/finetuned/", f)));
    }
    if (!file.empty())
      std::ofstream(dir + "/" + file, std::ios::binary) << contents;
    return dir;
  }

  static ToolResult Parity(const std::string& model_dir,
                           const std::string& reference) {
    return RunTool(ToolPath("verify/parity"),
                   {"--model_dir=" + model_dir, "--reference=" + reference,
                    "--output=" + model_dir + "_parity.json", Audio()});
  }

  // The reference file edited by `edit`, written beside it as `name`.
  static std::string Reference(
      const std::string& name,
      const std::function<void(SafetensorsSpec&)>& edit) {
    absl::StatusOr<SafetensorsSpec> spec = ReadSafetensorsSpec(*reference_);
    EXPECT_TRUE(spec.ok()) << spec.status();
    edit(*spec);
    const std::string path = TempDir() + "/" + name + ".safetensors";
    std::ofstream(path, std::ios::binary) << BuildSafetensors(*spec);
    return path;
  }

  static ToolResult ParityWithVocab(const std::string& name,
                                    const nlohmann::json& vocab) {
    return Parity(ModelDir(name, "vocab.json", DumpJson(vocab)), *reference_);
  }

  static nlohmann::json FixtureVocab() {
    return ReadJson(FixturePath("hf_reference/finetuned/vocab.json"));
  }

  static std::string* reference_;
};

std::string* ParityHostileInputTest::reference_ = nullptr;

TEST_F(ParityHostileInputTest, TheFixturePassesParity) {
  ToolResult r = Parity(ModelDir("good", "", ""), *reference_);
  EXPECT_EQ(r.exit_code, 0) << r.err;
}

TEST_F(ParityHostileInputTest, Float64ReferenceOutputIsRefused) {
  // The same values as doubles: once copied unchecked into a float32
  // tensor's buffer (heap corruption, SIGABRT).
  const std::string path = Reference("f64", [](SafetensorsSpec& s) {
    testing::TensorSpec* out = s.Find("output");
    std::vector<float> f(out->bytes.size() / 4);
    std::memcpy(f.data(), out->bytes.data(), out->bytes.size());
    std::vector<double> d(f.begin(), f.end());
    out->dtype = DType::kF64;
    out->bytes.assign(reinterpret_cast<const char*>(d.data()), d.size() * 8);
  });
  ExpectOneLineError(Parity(ModelDir("f64", "", ""), path),
                     "f64.safetensors: entry output has dtype F64, not F32");
}

TEST_F(ParityHostileInputTest, TruncatedReferenceIsRefused) {
  const std::string bytes = Slurp(*reference_);
  const std::string path = TempDir() + "/truncated.safetensors";
  std::ofstream(path, std::ios::binary) << bytes.substr(0, bytes.size() - 5);
  // The last entry `reference` writes is the last stage (encoder layer 3
  // of the CTC fixture: stages.5).
  ExpectOneLineError(Parity(ModelDir("truncated", "", ""), path),
                     "truncated.safetensors: stages.5: data ends at byte");
}

TEST_F(ParityHostileInputTest, ReferenceOutputOfAnotherRankIsRefused) {
  const std::string path = Reference("rank", [](SafetensorsSpec& s) {
    std::vector<int64_t>& shape = s.Find("output")->shape;
    shape = {shape[0], shape[1] * shape[2]};
  });
  ExpectOneLineError(Parity(ModelDir("rank", "", ""), path),
                     "rank.safetensors: entry output has shape");
}

TEST_F(ParityHostileInputTest, ValidFramesBeyondTheOutputAreRefused) {
  const std::string path = Reference("frames", [](SafetensorsSpec& s) {
    const int64_t frames = s.Find("output")->shape[1] + 1;
    s.Find("valid_frames")
        ->bytes.assign(reinterpret_cast<const char*>(&frames), 8);
  });
  ExpectOneLineError(Parity(ModelDir("frames", "", ""), path),
                     "frames.safetensors: entry valid_frames counts");
}

TEST_F(ParityHostileInputTest, VocabularyWithADuplicateIdIsRefused) {
  nlohmann::json vocab = FixtureVocab();
  vocab["E"] = vocab["T"];
  ExpectOneLineError(
      ParityWithVocab("vocab_duplicate", vocab),
      absl::StrCat("vocab_duplicate/vocab.json: token ", R"("T" has id )",
                   DumpJson(vocab["T"]), R"( of token "E")"));
}

TEST_F(ParityHostileInputTest, VocabularyWithAGapIsRefused) {
  nlohmann::json vocab = FixtureVocab();
  vocab["E"] = vocab.size();  // ids 0..n-1 less E's, and n
  ExpectOneLineError(
      ParityWithVocab("vocab_gap", vocab),
      R"(vocab_gap/vocab.json: token "E" has id 33, not one of 0..32)");
}

TEST_F(ParityHostileInputTest, VocabularyOfAnotherSizeThanTheHeadIsRefused) {
  nlohmann::json vocab = FixtureVocab();
  vocab.erase("Z");
  ExpectOneLineError(
      ParityWithVocab("vocab_size", vocab),
      "vocab_size/vocab.json: 32 tokens for a CTC head of 33 rows");
}

TEST_F(ParityHostileInputTest, VocabularyWithNonIntegerIdsIsRefused) {
  nlohmann::json vocab = FixtureVocab();
  vocab["E"] = 4.5;
  ExpectOneLineError(ParityWithVocab("vocab_float", vocab),
                     R"(vocab_float/vocab.json: token "E" has id 4.5)");
}

TEST_F(ParityHostileInputTest, NonBooleanDoNormalizeIsRefused) {
  nlohmann::json preprocessor = ParseJson(
      Slurp(FixturePath("hf_reference/finetuned/preprocessor_config.json")));
  preprocessor["do_normalize"] = "yes";
  ExpectOneLineError(
      Parity(ModelDir("normalize", "preprocessor_config.json",
                      DumpJson(preprocessor)),
             *reference_),
      R"(normalize/preprocessor_config.json: do_normalize is "yes", not a boolean)");
}

TEST_F(ParityHostileInputTest, IntegerWeightIsRefused) {
  absl::StatusOr<SafetensorsSpec> model = ReadSafetensorsSpec(
      FixturePath("hf_reference/finetuned/model.safetensors"));
  ASSERT_TRUE(model.ok()) << model.status();
  model->Find("lm_head.weight")->dtype = DType::kI32;  // same byte size
  ExpectOneLineError(
      Parity(
          ModelDir("int_weight", "model.safetensors", BuildSafetensors(*model)),
          *reference_),
      "int_weight/model.safetensors: lm_head.weight: tensor dtype int32 is not "
      "floating point");
}

TEST_F(ParityHostileInputTest, ZeroConvStrideIsRefused) {
  nlohmann::json config =
      ReadJson(FixturePath("hf_reference/finetuned/config.json"));
  config["conv_stride"][1] = 0;
  ExpectOneLineError(
      Parity(ModelDir("stride", "config.json", DumpJson(config)), *reference_),
      "stride/config.json: 'conv_stride' holds 0, not a size");
}

// The HuBERT fixture with a conv stack whose receptive field does not fit
// in 64 bits: it once wrapped, let any audio through and made 0 frames,
// and fairseq HuBERT's L // T divided by zero (SIGFPE).
TEST(ReferenceHostileInputTest, ConvStackTooLargeForAnyAudioIsRefused) {
  int replaced = 0;
  const std::string checkpoint = testing::ZipWithReplaced(
      FixturePath("hubert_finetuned/checkpoint.pt"), "checkpoint/data.pkl",
      "[(24, 10, 5)] + [(32, 4, 2)] * 2 + [(36, 3, 2)]",
      "[(24, 2147483647, 2147483647)] * 3 + [(36,3,2)]", &replaced);
  ASSERT_EQ(replaced, 1);
  const std::string path = TempDir() + "/huge_conv.pt";
  std::ofstream(path, std::ios::binary) << checkpoint;
  ExpectOneLineError(
      RunTool(ToolPath("verify/reference"),
              {"--checkpoint_path=" + path,
               "--output=" + TempDir() + "/huge_conv.safetensors", Audio()}),
      "receptive field of 9223372036854775807 samples");
}

}  // namespace
}  // namespace fairport
