// The real `reference` and `parity` tools on a dataset run in batches:
// progress on a non-terminal stderr, the batch size the reference records
// and parity follows (or refuses to contradict), and one batch's bytes
// unchanged by --batch_size; and a tool run from an environment without
// OMP_WAIT_POLICY (ops/openmp.h).
#include <sndfile.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gtest/gtest.h"
#include "tests/fixtures.h"
#include "tests/run_tool.h"
#include "tests/safetensors_builder.h"

namespace fairport {
namespace {

using ::fairport::testing::BuildSafetensors;
using ::fairport::testing::FixturePath;
using ::fairport::testing::ReadSafetensorsSpec;
using ::fairport::testing::RunTool;
using ::fairport::testing::SafetensorsSpec;
using ::fairport::testing::Slurp;
using ::fairport::testing::TempDir;
using ::fairport::testing::ToolPath;
using ::fairport::testing::ToolResult;

// HuBERT: GroupNorm over the padded row and frames counted from the sample
// mask, so every batch's padding shows in its outputs.
constexpr char kVariant[] = "hubert_finetuned";

// `count` tones of 0.25 to 1.1 s in mixed order, so that every batch is
// padded.
std::vector<std::string> WriteUtterances(int count) {
  std::vector<std::string> paths;
  for (int i = 0; i < count; ++i) {
    const int samples = 4000 + 1500 * ((i * 7) % 10);
    std::vector<float> audio(samples);
    for (int t = 0; t < samples; ++t)
      audio[t] = 0.4f * std::sin(0.01f * (i + 3) * t) *
                 std::cos(0.0007f * t * (i % 3 + 1));
    const std::string path = absl::StrCat(TempDir(), "/utt", i, ".wav");
    SF_INFO info{};
    info.samplerate = 16000;
    info.channels = 1;
    info.format = SF_FORMAT_WAV | SF_FORMAT_FLOAT;
    SNDFILE* f = sf_open(path.c_str(), SFM_WRITE, &info);
    sf_writef_float(f, audio.data(), samples);
    sf_close(f);
    paths.push_back(path);
  }
  return paths;
}

std::vector<std::string> Lines(const std::string& text) {
  return absl::StrSplit(text, '\n', absl::SkipEmpty());
}

class BatchSizeToolsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { ten_ = new auto(WriteUtterances(10)); }

  static ToolResult Reference(const std::vector<std::string>& audio,
                              const std::string& output,
                              const std::vector<std::string>& flags) {
    std::vector<std::string> args = {
        "--checkpoint_path=" +
            FixturePath(absl::StrCat(kVariant, "/checkpoint.pt")),
        "--output=" + output};
    args.insert(args.end(), flags.begin(), flags.end());
    args.insert(args.end(), audio.begin(), audio.end());
    return RunTool(ToolPath("verify/reference"), args);
  }

  static ToolResult Parity(const std::string& reference,
                           const std::vector<std::string>& flags) {
    std::vector<std::string> args = {
        "--model_dir=" + FixturePath(absl::StrCat("hf_reference/", kVariant)),
        "--reference=" + reference, "--output=" + reference + ".parity.json"};
    args.insert(args.end(), flags.begin(), flags.end());
    args.insert(args.end(), ten_->begin(), ten_->end());
    return RunTool(ToolPath("verify/parity"), args);
  }

  static std::vector<std::string>* ten_;
};

std::vector<std::string>* BatchSizeToolsTest::ten_ = nullptr;

TEST_F(BatchSizeToolsTest, ProgressLinesOnANonTerminalForEachBatch) {
  const std::string out = TempDir() + "/progress.safetensors";
  ToolResult r = Reference(*ten_, out, {"--batch_size=3"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  // Batches end at 3, 6, 9 and 10 of 10; a tenth is one utterance.
  std::vector<std::string> lines = Lines(r.err);
  ASSERT_EQ(lines.size(), 4u) << r.err;
  const char* counts[] = {"3/10 utterances (30%), ", "6/10 utterances (60%), ",
                          "9/10 utterances (90%), "};
  for (int i = 0; i < 3; ++i) {
    EXPECT_TRUE(
        absl::StartsWith(lines[i], absl::StrCat("fairseq pass: ", counts[i])))
        << lines[i];
    EXPECT_TRUE(absl::StrContains(lines[i], " elapsed, about ")) << lines[i];
    EXPECT_TRUE(absl::EndsWith(lines[i], " s left")) << lines[i];
  }
  EXPECT_TRUE(
      absl::StartsWith(lines[3], "fairseq pass: 10/10 utterances, done in "))
      << lines[3];
  EXPECT_EQ(r.err.find('\r'), std::string::npos) << r.err;
  // Summaries stay on stdout.
  EXPECT_TRUE(absl::StrContains(r.out, "10 utterances in batches of 3"))
      << r.out;
  absl::StatusOr<SafetensorsSpec> spec = ReadSafetensorsSpec(out);
  ASSERT_TRUE(spec.ok()) << spec.status();
  EXPECT_EQ(spec->metadata["batch_size"], "3");
}

TEST_F(BatchSizeToolsTest, NoProgressForASmallDataset) {
  const std::vector<std::string> four(ten_->begin(), ten_->begin() + 4);
  ToolResult r =
      Reference(four, TempDir() + "/small.safetensors", {"--batch_size=1"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err, "");
}

TEST_F(BatchSizeToolsTest, ParityRunsTheReferencesBatchesAndPasses) {
  const std::string reference = TempDir() + "/k3.safetensors";
  ASSERT_EQ(Reference(*ten_, reference, {"--batch_size=3"}).exit_code, 0);
  for (const std::vector<std::string>& flags :
       {std::vector<std::string>{},
        std::vector<std::string>{"--batch_size=3"}}) {
    ToolResult r = Parity(reference, flags);
    EXPECT_EQ(r.exit_code, 0) << r.err << r.out;
    EXPECT_TRUE(absl::StartsWith(r.out, "# Parity: PASSED")) << r.out;
    EXPECT_TRUE(absl::StrContains(r.out, "padded batches of 3 utterances"))
        << r.out;
    ASSERT_EQ(Lines(r.err).size(), 4u) << r.err;
    EXPECT_TRUE(absl::StartsWith(Lines(r.err)[0], "HF pass: 3/10 utterances"))
        << r.err;
  }
}

TEST_F(BatchSizeToolsTest, ParityRefusesOtherBatchesThanTheReferences) {
  const std::string reference = TempDir() + "/refused.safetensors";
  ASSERT_EQ(Reference(*ten_, reference, {"--batch_size=3"}).exit_code, 0);
  for (const char* flag : {"--batch_size=4", "--batch_size=10"}) {
    ToolResult r = Parity(reference, {flag});
    EXPECT_EQ(r.exit_code, 1) << r.err;
    EXPECT_EQ(Lines(r.err).size(), 1u) << r.err;
    EXPECT_TRUE(absl::StartsWith(r.err, "parity: error: " + reference +
                                            ": computed in padded batches of "
                                            "3 utterances, not in "))
        << r.err;
    EXPECT_TRUE(absl::StrContains(r.err, "leave --batch_size unset")) << r.err;
  }
}

TEST_F(BatchSizeToolsTest, TheBatchesMatter) {
  // The same outputs claimed as one batch's: parity runs one batch, whose
  // padding differs, and fails. This is why the file records its batches.
  const std::string reference = TempDir() + "/unrecorded.safetensors";
  ASSERT_EQ(Reference(*ten_, reference, {"--batch_size=3"}).exit_code, 0);
  absl::StatusOr<SafetensorsSpec> spec = ReadSafetensorsSpec(reference);
  ASSERT_TRUE(spec.ok()) << spec.status();
  ASSERT_EQ(spec->metadata.erase("batch_size"), 1u);
  std::ofstream(reference, std::ios::binary | std::ios::trunc)
      << BuildSafetensors(*spec);
  ToolResult r = Parity(reference, {});
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_TRUE(absl::StartsWith(r.out, "# Parity: FAILED")) << r.out;
}

TEST_F(BatchSizeToolsTest, ABatchOfTheWholeDatasetIsTheFileOfOneBatch) {
  // The default (16), 0, the dataset's size and more: one batch, the same
  // bytes, and no batch_size in the file (the format before batches).
  std::string first;
  for (const char* flag :
       {"", "--batch_size=0", "--batch_size=10", "--batch_size=1000"}) {
    const std::string out = absl::StrCat(TempDir(), "/whole", flag, ".st");
    ToolResult r = Reference(
        *ten_, out,
        *flag ? std::vector<std::string>{flag} : std::vector<std::string>{});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_FALSE(absl::StrContains(r.out, "batches")) << r.out;
    const std::string bytes = Slurp(out);
    ASSERT_FALSE(bytes.empty());
    EXPECT_FALSE(absl::StrContains(bytes.substr(0, 4096), "batch_size"));
    if (first.empty()) first = bytes;
    EXPECT_TRUE(bytes == first) << flag;
  }
}

TEST_F(BatchSizeToolsTest, WithoutAnOpenMpWaitPolicyTheSameBytes) {
  // The suite sets OMP_WAIT_POLICY=PASSIVE (.bazelrc), as the pipeline's
  // actions do; a user's shell need not, and then the tool re-executes
  // itself with it (ops/openmp.h).
  const std::vector<std::string> two(ten_->begin(), ten_->begin() + 2);
  const std::string with = TempDir() + "/policy_set.st";
  const std::string without = TempDir() + "/policy_unset.st";
  ASSERT_EQ(::setenv("OMP_WAIT_POLICY", "PASSIVE", 1), 0);
  ToolResult r = Reference(two, with, {});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  ASSERT_EQ(::unsetenv("OMP_WAIT_POLICY"), 0);
  r = Reference(two, without, {});
  ::setenv("OMP_WAIT_POLICY", "PASSIVE", 1);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string bytes = Slurp(without);
  ASSERT_FALSE(bytes.empty());
  EXPECT_TRUE(bytes == Slurp(with));
}

}  // namespace
}  // namespace fairport
