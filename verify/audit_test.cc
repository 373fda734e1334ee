// `audit` end to end on directories transformers' own scripts write: the
// fixed data2vec one passes; a wav2vec 2.0 base one whose
// feature_projection.projection was left at transformers' random
// initialisation (what its script does when fairseq has no
// post_extract_proj) fails, and the report names the stage.
#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "formats/safetensors.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "tests/fixtures.h"
#include "tests/run_tool.h"

namespace fairport {
namespace {

using ::fairport::testing::FixturePath;
using ::fairport::testing::ReadJson;
using ::fairport::testing::RunfilesRoot;
using ::fairport::testing::RunTool;
using ::fairport::testing::Slurp;
using ::fairport::testing::TempDir;
using ::fairport::testing::ToolPath;
using ::fairport::testing::ToolResult;

std::string CopyOfReference(const std::string& variant) {
  const std::string dir = TempDir() + "/audit_" + variant;
  std::filesystem::remove_all(dir);
  std::filesystem::copy(FixturePath("hf_reference/" + variant), dir);
  return dir;
}

// Overwrites every float of `name` in `dir`/model.safetensors with
// nn.init.uniform_(-k, k), k = 1 / sqrt(in_features): transformers'
// Wav2Vec2PreTrainedModel._init_weights for Wav2Vec2FeatureProjection.
void ReinitialiseAsTransformersDoes(const std::string& dir,
                                    const std::string& name, int64_t in,
                                    uint32_t seed) {
  const std::string path = dir + "/model.safetensors";
  absl::StatusOr<SafetensorsFile> file = SafetensorsFile::Open(path);
  ASSERT_TRUE(file.ok()) << file.status();
  const SafetensorsEntry* e = file->Find(name);
  ASSERT_NE(e, nullptr) << name;
  ASSERT_EQ(e->dtype, DType::kF32);
  std::string bytes = Slurp(path);
  uint64_t header = 0;
  for (int i = 7; i >= 0; --i)
    header = header << 8 | static_cast<uint8_t>(bytes[i]);
  std::mt19937 rng(seed);
  const float k = 1.0f / std::sqrt(static_cast<float>(in));
  std::uniform_real_distribution<float> uniform(-k, k);
  for (int64_t i = 0; i < e->numel(); ++i) {
    const float v = uniform(rng);
    std::memcpy(bytes.data() + 8 + header + e->begin + 4 * i, &v, 4);
  }
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
}

ToolResult Audit(const std::string& variant, const std::string& model_dir,
                 const std::string& report) {
  return RunTool(
      ToolPath("verify/audit"),
      {"--checkpoint_path=" + FixturePath(variant + "/checkpoint.pt"),
       "--model_dir=" + model_dir, "--output=" + report});
}

class AuditTest : public ::testing::Test {
 protected:
  // The bundled default set, as `bazel run //verify:audit` finds it.
  void SetUp() override { ::setenv("RUNFILES_DIR", RunfilesRoot().c_str(), 1); }
};

TEST_F(AuditTest, TransformersOwnData2VecConversionPasses) {
  const std::string report = TempDir() + "/audit_finetuned.json";
  ToolResult r = Audit("finetuned", CopyOfReference("finetuned"), report);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  nlohmann::json json = ReadJson(report);
  EXPECT_TRUE(json["passed"].get<bool>());
  EXPECT_EQ(json["hf_class"], "Data2VecAudioForCTC");
  EXPECT_EQ(json["utterances"].size(), 4u) << "the bundled default set";
  EXPECT_FALSE(json.contains("first_divergence"));
  EXPECT_NE(r.out.find("# Parity: PASSED"), std::string::npos) << r.out;
}

TEST_F(AuditTest, RandomFeatureProjectionFailsAtThatStage) {
  // The wav2vec 2.0 base-like fixture: conv width 36 = model width, so
  // fairseq has no post_extract_proj.
  const std::string dir = CopyOfReference("wav2vec2_pretrained");
  for (const char* param : {"weight", "bias"}) {
    ReinitialiseAsTransformersDoes(
        dir, absl::StrCat("wav2vec2.feature_projection.projection.", param), 36,
        param[0]);
  }
  const std::string report = TempDir() + "/audit_random.json";
  ToolResult r = Audit("wav2vec2_pretrained", dir, report);
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  EXPECT_NE(r.err.find("diverges from stage 2 of"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("feature projection"), std::string::npos) << r.err;
  nlohmann::json json = ReadJson(report);
  EXPECT_FALSE(json["passed"].get<bool>());
  EXPECT_EQ(json["first_divergence"]["stage"], "feature projection");
  EXPECT_EQ(json["stages"][0]["name"], "feature extractor");
  EXPECT_LT(json["stages"][0]["max_abs_diff"].get<double>(), 1e-5)
      << "the conv stack before it is untouched";
  EXPECT_GT(json["first_divergence"]["max_abs_diff"].get<double>(), 1e-2);
}

TEST_F(AuditTest, SaysWhatIsMissing) {
  ToolResult r =
      RunTool(ToolPath("verify/audit"),
              {"--checkpoint_path=" + FixturePath("finetuned/checkpoint.pt")});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("--model_dir"), std::string::npos) << r.err;
  r = Audit("finetuned", TempDir() + "/no_such_dir",
            TempDir() + "/audit_none.json");
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.err.find("no_such_dir/config.json"), std::string::npos) << r.err;
  EXPECT_FALSE(std::filesystem::exists(TempDir() + "/audit_none.json"));
}

}  // namespace
}  // namespace fairport
