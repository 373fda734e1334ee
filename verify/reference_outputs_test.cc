// The reference file read as hostile input: each malformed entry or
// metadata key is refused with one line naming the file and the entry.
#include "verify/reference_outputs.h"

#include <cstring>
#include <fstream>
#include <functional>

#include "ATen/TensorOperators.h"
#include "ATen/ops/arange.h"
#include "ATen/ops/ones.h"
#include "ATen/ops/tensor.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "tests/fixtures.h"
#include "tests/safetensors_builder.h"

namespace fairport {
namespace {

using ::fairport::testing::BuildSafetensors;
using ::fairport::testing::SafetensorsSpec;
using ::fairport::testing::TempDir;

constexpr int64_t kB = 2, kT = 3, kC = 4;
const std::string kSha(64, 'a');

template <typename T>
std::string Bytes(const std::vector<T>& values) {
  std::string s(values.size() * sizeof(T), '\0');
  std::memcpy(s.data(), values.data(), s.size());
  return s;
}

// output[b, t, c] = 100 b + 10 t + c, two stages (the second as wide as the
// output, the first wider), valid frames (3, 2), as `reference` writes them.
SafetensorsSpec WellFormed() {
  std::vector<float> output;
  for (int b = 0; b < kB; ++b)
    for (int t = 0; t < kT; ++t)
      for (int c = 0; c < kC; ++c) output.push_back(100 * b + 10 * t + c);
  SafetensorsSpec spec;
  spec.tensors = {
      {"output", DType::kF32, {kB, kT, kC}, Bytes(output)},
      {"stages.0",
       DType::kF32,
       {kB, kT, 2 * kC},
       Bytes(output) + Bytes(output)},
      {"stages.1", DType::kF32, {kB, kT, kC}, Bytes(output)},
      {"valid_frames", DType::kI64, {kB}, Bytes(std::vector<int64_t>{3, 2})}};
  spec.metadata = {{"format", "pt"},
                   {"checkpoint_sha256", kSha},
                   {"dataset_sha256", kSha},
                   {"model_kind", "pretrained data2vec_audio"},
                   {"output", "last_hidden_state"},
                   {"frame_counting", "conv-length formula"},
                   {"stages", "feature extractor;encoder layer 1"}};
  return spec;
}

std::string Write(const std::string& name, const std::string& bytes) {
  const std::string path = TempDir() + "/" + name + ".safetensors";
  std::ofstream(path, std::ios::binary) << bytes;
  return path;
}

// The error reading WellFormed() edited by `edit`.
std::string ErrorOf(const std::string& name,
                    const std::function<void(SafetensorsSpec&)>& edit) {
  SafetensorsSpec spec = WellFormed();
  edit(spec);
  absl::StatusOr<ReferenceOutputs> ref =
      ReadReferenceFile(Write(name, BuildSafetensors(spec)), kSha, kB);
  EXPECT_FALSE(ref.ok());
  if (ref.ok()) return "";
  const std::string message(ref.status().message());
  EXPECT_TRUE(absl::StrContains(message, name + ".safetensors: ")) << message;
  EXPECT_FALSE(absl::StrContains(message, "\n")) << message;
  return message;
}

TEST(ReferenceFileTest, ReadsWhatReferenceWrites) {
  absl::StatusOr<ReferenceOutputs> ref = ReadReferenceFile(
      Write("good", BuildSafetensors(WellFormed())), kSha, kB);
  ASSERT_TRUE(ref.ok()) << ref.status();
  EXPECT_EQ(ref->output.sizes(), (std::vector<int64_t>{kB, kT, kC}));
  EXPECT_EQ(ref->output[1][2][3].item<float>(), 123.0f);
  EXPECT_EQ(ref->valid_frames[1].item<int64_t>(), 2);
  ASSERT_EQ(ref->stages.size(), 2u);
  EXPECT_EQ(ref->stages[0].name, "feature extractor");
  EXPECT_EQ(ref->stages[0].states.size(2), 2 * kC);
  EXPECT_EQ(ref->stages[1].name, "encoder layer 1");
  EXPECT_EQ(ref->stages[1].states[0][1][2].item<float>(), 12.0f);
  EXPECT_EQ(ref->metadata.at("output"), "last_hidden_state");
}

// A classifier's file: output (B, C), its frames those of its stages, its
// labels in the metadata; written by WriteReferenceFile, read back.
TEST(ReferenceFileTest, ReadsAClassifiersLogitsAndLabels) {
  ReferenceOutputs written;
  written.output = at::arange(kB * kC, at::kFloat).view({kB, kC});
  written.valid_frames = at::tensor({3, 2}, at::kLong);
  written.stages = {{"encoder layer 1", at::ones({kB, kT, 8})}};
  written.labels = {"eng", "fra", "deu", "cmn \"q\""};
  written.metadata = {{"checkpoint_sha256", kSha},
                      {"dataset_sha256", kSha},
                      {"model_kind", "wav2vec_classification"},
                      {"output", kClassLogits},
                      {"language", "eng"},
                      {"languages", "eng"}};
  const std::string path = TempDir() + "/classifier.safetensors";
  ASSERT_TRUE(WriteReferenceFile(written, path).ok());
  absl::StatusOr<ReferenceOutputs> ref = ReadReferenceFile(path, kSha, kB);
  ASSERT_TRUE(ref.ok()) << ref.status();
  EXPECT_EQ(ref->output.sizes(), (std::vector<int64_t>{kB, kC}));
  EXPECT_EQ(ref->output[1][3].item<float>(), 7.0f);
  EXPECT_EQ(ref->labels, written.labels);
  EXPECT_EQ(ref->Meta("language"), "eng");

  // Labels that do not name every class, and class logits without stages
  // to count frames by, are refused.
  absl::StatusOr<SafetensorsSpec> spec =
      ::fairport::testing::ReadSafetensorsSpec(path);
  ASSERT_TRUE(spec.ok());
  SafetensorsSpec few = *spec;
  few.metadata["labels"] = "[\"eng\"]";
  absl::StatusOr<ReferenceOutputs> bad =
      ReadReferenceFile(Write("few_labels", BuildSafetensors(few)), kSha, kB);
  ASSERT_FALSE(bad.ok());
  EXPECT_TRUE(absl::StrContains(bad.status().message(),
                                "labels is not a JSON array of 4 strings"))
      << bad.status();
  SafetensorsSpec stageless = *spec;
  stageless.tensors.erase(stageless.tensors.begin() + 2);  // stages.0
  stageless.metadata["stages"] = "";
  bad = ReadReferenceFile(Write("stageless", BuildSafetensors(stageless)), kSha,
                          kB);
  ASSERT_FALSE(bad.ok());
  EXPECT_TRUE(absl::StrContains(bad.status().message(), "stages.0"))
      << bad.status();
}

TEST(ReferenceFileTest, RefusesAFloat64Output) {
  // The same values as F64: what once overran a float32 tensor's buffer.
  const std::string error = ErrorOf("f64", [](SafetensorsSpec& s) {
    s.Find("output")->dtype = DType::kF64;
    s.Find("output")->bytes += s.Find("output")->bytes;
  });
  EXPECT_TRUE(absl::StrContains(error, "entry output has dtype F64, not F32"))
      << error;
}

TEST(ReferenceFileTest, RefusesAnOutputOfAnotherRank) {
  const std::string error = ErrorOf("rank", [](SafetensorsSpec& s) {
    s.Find("output")->shape = {kB, kT * kC};
  });
  EXPECT_TRUE(absl::StrContains(error, "entry output has shape [2, 12]"))
      << error;
}

TEST(ReferenceFileTest, RefusesAnOutputForAnotherNumberOfUtterances) {
  const std::string error = ErrorOf("utterances", [](SafetensorsSpec& s) {
    s.Find("output")->shape = {1, kB * kT, kC};
  });
  EXPECT_TRUE(absl::StrContains(error, "entry output has shape [1, 6, 4]"))
      << error;
}

TEST(ReferenceFileTest, RefusesAnEntryShorterThanItsShape) {
  // output's data_offsets hold (2, 3, 2) floats; its header says (2, 3, 4).
  SafetensorsSpec spec = WellFormed();
  spec.Find("output")->shape = {kB, kT, 2};
  spec.Find("output")->bytes.resize(kB * kT * 2 * 4);
  std::string bytes = BuildSafetensors(spec);
  const size_t at = bytes.find("\"shape\":[2,3,2]");
  ASSERT_NE(at, std::string::npos);
  bytes[at + std::strlen("\"shape\":[2,3,")] = '4';
  absl::StatusOr<ReferenceOutputs> ref =
      ReadReferenceFile(Write("short", bytes), kSha, kB);
  ASSERT_FALSE(ref.ok());
  EXPECT_TRUE(absl::StrContains(
      ref.status().message(),
      "short.safetensors: output: data_offsets [0, 48) do not hold 96 bytes"))
      << ref.status();
}

TEST(ReferenceFileTest, RefusesATruncatedFile) {
  std::string bytes = BuildSafetensors(WellFormed());
  bytes.resize(bytes.size() - 4);
  absl::StatusOr<ReferenceOutputs> ref =
      ReadReferenceFile(Write("truncated", bytes), kSha, kB);
  ASSERT_FALSE(ref.ok());
  EXPECT_TRUE(absl::StrContains(ref.status().message(),
                                "truncated.safetensors: valid_frames"))
      << ref.status();
}

TEST(ReferenceFileTest, RefusesValidFramesBeyondTheOutput) {
  const std::string error = ErrorOf("frames", [](SafetensorsSpec& s) {
    s.Find("valid_frames")->bytes = Bytes(std::vector<int64_t>{3, kT + 1});
  });
  EXPECT_TRUE(absl::StrContains(
      error, "entry valid_frames counts 4 frames for utterance 1"))
      << error;
}

TEST(ReferenceFileTest, RefusesNegativeValidFrames) {
  const std::string error = ErrorOf("negative", [](SafetensorsSpec& s) {
    s.Find("valid_frames")->bytes = Bytes(std::vector<int64_t>{-1, 2});
  });
  EXPECT_TRUE(absl::StrContains(error, "counts -1 frames")) << error;
}

TEST(ReferenceFileTest, RefusesFloatValidFrames) {
  const std::string error = ErrorOf("float_frames", [](SafetensorsSpec& s) {
    s.Find("valid_frames")->dtype = DType::kF64;
  });
  EXPECT_TRUE(absl::StrContains(error, "entry valid_frames is F64 [2]"))
      << error;
}

TEST(ReferenceFileTest, RefusesAStageOfOtherFrames) {
  const std::string error = ErrorOf("stage_shape", [](SafetensorsSpec& s) {
    s.Find("stages.1")->shape = {kB, kC, kT};
  });
  EXPECT_TRUE(absl::StrContains(error, "entry stages.1 is F32 [2, 4, 3]"))
      << error;
}

TEST(ReferenceFileTest, RefusesAGapInTheStages) {
  const std::string error = ErrorOf("stage_gap", [](SafetensorsSpec& s) {
    s.Find("stages.1")->name = "stages.2";
  });
  EXPECT_TRUE(absl::StrContains(
      error, "entry stages.2 is there but stages.1 is missing"))
      << error;
}

TEST(ReferenceFileTest, RefusesStagesTheMetadataDoesNotName) {
  const std::string error = ErrorOf("stage_names", [](SafetensorsSpec& s) {
    s.metadata["stages"] = "feature extractor";
  });
  EXPECT_TRUE(absl::StrContains(
      error, "metadata stages names 1 stages, the file holds 2"))
      << error;
}

TEST(ReferenceFileTest, RefusesAnEntryItDoesNotKnow) {
  const std::string error = ErrorOf("unknown", [](SafetensorsSpec& s) {
    s.Find("stages.1")->name = "stages.01";
  });
  EXPECT_TRUE(absl::StrContains(error, "entry \"stages.01\" is not output"))
      << error;
}

TEST(ReferenceFileTest, RefusesMissingOrMalformedMetadata) {
  EXPECT_TRUE(absl::StrContains(
      ErrorOf("no_dataset",
              [](SafetensorsSpec& s) { s.metadata.erase("dataset_sha256"); }),
      "metadata dataset_sha256 is missing"));
  EXPECT_TRUE(absl::StrContains(
      ErrorOf(
          "bad_sha",
          [](SafetensorsSpec& s) { s.metadata["checkpoint_sha256"] = "x"; }),
      "metadata checkpoint_sha256 is not a hex SHA-256"));
  EXPECT_TRUE(absl::StrContains(
      ErrorOf("bad_output",
              [](SafetensorsSpec& s) { s.metadata["output"] = "probs"; }),
      "metadata output is not \"logits\", \"last_hidden_state\" or "
      "\"class_logits\""));
  EXPECT_TRUE(absl::StrContains(ErrorOf("bad_language",
                                        [](SafetensorsSpec& s) {
                                          s.metadata["language"] = "../eng";
                                          s.metadata["languages"] =
                                              "../eng,fra";
                                        }),
                                "not a language name"));
  EXPECT_TRUE(absl::StrContains(
      ErrorOf("language_not_listed",
              [](SafetensorsSpec& s) {
                s.metadata["language"] = "deu";
                s.metadata["languages"] = "eng,fra";
              }),
      "metadata language / languages are \"deu\" / \"eng,fra\""));
}

TEST(ReferenceFileTest, ReadsTheBatchSizeAndWithoutItOneBatch) {
  SafetensorsSpec spec = WellFormed();
  absl::StatusOr<ReferenceOutputs> whole =
      ReadReferenceFile(Write("whole", BuildSafetensors(spec)), kSha, kB);
  ASSERT_TRUE(whole.ok()) << whole.status();
  EXPECT_EQ(*ReferenceBatchSize(*whole, kB), kB);
  spec.metadata["batch_size"] = "1";
  absl::StatusOr<ReferenceOutputs> batched =
      ReadReferenceFile(Write("batched", BuildSafetensors(spec)), kSha, kB);
  ASSERT_TRUE(batched.ok()) << batched.status();
  EXPECT_EQ(*ReferenceBatchSize(*batched, kB), 1);
}

TEST(ReferenceFileTest, RefusesABatchSizeThatIsNotAPositiveInteger) {
  for (const char* value : {"0", "-2", "x", "1.5", "+1", ""}) {
    const std::string error = ErrorOf("bad_batch", [&](SafetensorsSpec& s) {
      s.metadata["batch_size"] = value;
    });
    EXPECT_TRUE(absl::StrContains(
        error, absl::StrCat("metadata batch_size is \"", value,
                            "\", not a positive number of utterances")))
        << error;
  }
}

TEST(ReferenceFileTest, RefusesAReferenceOfAnotherDataset) {
  absl::StatusOr<ReferenceOutputs> ref = ReadReferenceFile(
      Write("other", BuildSafetensors(WellFormed())), std::string(64, 'b'), kB);
  ASSERT_FALSE(ref.ok());
  EXPECT_TRUE(absl::StrContains(
      ref.status().message(),
      absl::StrCat("other.safetensors: computed on dataset ", kSha,
                   ", not on this one (", std::string(64, 'b'), ")")))
      << ref.status();
}

TEST(ReferenceFileTest, RefusesAMissingEntry) {
  const std::string error = ErrorOf("no_frames", [](SafetensorsSpec& s) {
    s.tensors.pop_back();  // valid_frames
  });
  EXPECT_TRUE(absl::StrContains(error, "entry valid_frames is missing"))
      << error;
}

}  // namespace
}  // namespace fairport
