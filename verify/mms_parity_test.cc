// Parity over every language of the MMS fixtures (mms.md): one reference
// file per language (fairseq's pass with that corpus key), one report with
// a report per language (the converted directory plus that language's
// adapter file). Honest conversions pass; two languages' adapter files
// exchanged, a language left unchecked, the classifier's rows permuted and
// id2label rotated each fail.
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "base/json.h"
#include "converter/conversion.h"
#include "fairseq/checkpoint.h"
#include "families/forward_family.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "tests/fixtures.h"
#include "tests/safetensors_builder.h"
#include "tests/synthetic_dataset.h"
#include "verify/parity.h"
#include "verify/report_file.h"

namespace fairport {
namespace {

namespace fs = std::filesystem;
using ::fairport::testing::FixturePath;
using ::fairport::testing::SyntheticDataset;
using ::fairport::testing::TempDir;

constexpr double kTolerance = 1e-4;

// A converted MMS fixture and its reference files, one per language (one
// for a classifier).
struct Converted {
  std::string dir;
  std::vector<std::string> languages;
  std::vector<std::string> references;
};

Converted ConvertAndReference(const std::string& variant,
                              const Dataset& dataset) {
  ConversionOptions options;
  options.checkpoint_path = FixturePath(variant + "/checkpoint.pt");
  options.output_dir = TempDir() + "/mms_parity_" + variant;
  options.overwrite = true;
  if (variant == "mms_lid")
    options.dict_path = FixturePath("mms_lid/dict.lang.txt");
  absl::StatusOr<ConversionSummary> converted = Convert(options);
  EXPECT_TRUE(converted.ok()) << converted.status();
  absl::StatusOr<FairseqCheckpoint> checkpoint =
      FairseqCheckpoint::Load(options.checkpoint_path);
  EXPECT_TRUE(checkpoint.ok()) << checkpoint.status();
  absl::StatusOr<LoadedModel> original = LoadFairseqModel(*checkpoint);
  EXPECT_TRUE(original.ok()) << original.status();
  Converted c{options.output_dir, original->languages, {}};
  std::vector<std::string> languages = c.languages;
  if (languages.empty()) languages.push_back("");
  for (const std::string& language : languages) {
    PassOptions pass;
    pass.language = language;
    const std::string path = absl::StrCat(options.output_dir, ".", language,
                                          ".reference.safetensors");
    absl::StatusOr<std::string> written =
        WriteReference(options.checkpoint_path, dataset, path, pass);
    EXPECT_TRUE(written.ok()) << written.status();
    c.references.push_back(path);
  }
  return c;
}

// A copy of the converted directory, to damage.
std::string CopyOf(const std::string& dir, const std::string& name) {
  const std::string out = TempDir() + "/" + name;
  fs::remove_all(out);
  fs::copy(dir, out);
  return out;
}

// Rewrites `file` with `edit` applied to its float32 tensors by name.
void EditTensors(const std::string& file,
                 const std::function<void(testing::SafetensorsSpec&)>& edit) {
  absl::StatusOr<testing::SafetensorsSpec> spec =
      testing::ReadSafetensorsSpec(file);
  ASSERT_TRUE(spec.ok()) << spec.status();
  edit(*spec);
  std::ofstream(file, std::ios::binary) << testing::BuildSafetensors(*spec);
}

class MmsParityTest : public ::testing::TestWithParam<const char*> {};

TEST_P(MmsParityTest, HonestConversionPassesForEveryLanguage) {
  const std::string variant = GetParam();
  const Dataset dataset = SyntheticDataset();
  const Converted c = ConvertAndReference(variant, dataset);
  absl::StatusOr<ParityReport> report =
      CheckParityOfReferences(c.dir, dataset, c.references, kTolerance);
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_TRUE(report->passed()) << ReportMarkdown(*report);
  ASSERT_EQ(report->languages_size(), static_cast<int>(c.languages.size()));
  const std::string markdown = ReportMarkdown(*report);
  for (int i = 0; i < report->languages_size(); ++i) {
    const ParityReport& l = report->languages(i);
    EXPECT_EQ(l.language(), c.languages[i]);
    EXPECT_TRUE(l.passed());
    EXPECT_EQ(l.utterances_size(), static_cast<int>(dataset.utterances.size()));
    EXPECT_NE(markdown.find("## " + l.language() + ": passed"),
              std::string::npos);
    for (const UtteranceParity& u : l.utterances())
      EXPECT_EQ(u.reference_text(), u.converted_text()) << u.id();
    std::printf("%s %s: parity max abs diff %.2e\n", variant.c_str(),
                l.language().c_str(), l.overall().max_abs_diff());
  }
  if (c.languages.empty()) {
    // Language ID: each side names the label it predicts.
    EXPECT_TRUE(report->classifier());
    EXPECT_EQ(std::vector<std::string>(report->converted_labels().begin(),
                                       report->converted_labels().end()),
              (std::vector<std::string>{"eng", "fra", "deu", "cmn", "hin"}));
    for (const UtteranceParity& u : report->utterances()) {
      EXPECT_FALSE(u.reference_text().empty()) << u.id();
      EXPECT_EQ(u.reference_text(), u.converted_text()) << u.id();
    }
    EXPECT_NE(markdown.find("label (reference / converted)"),
              std::string::npos);
    std::printf("%s: parity max abs diff %.2e\n", variant.c_str(),
                report->overall().max_abs_diff());
  }
}

INSTANTIATE_TEST_SUITE_P(Mms, MmsParityTest,
                         ::testing::Values("mms_adapter_ctc",
                                           "mms_adapter_subset",
                                           "mms_adapter_merged", "mms_lid"));

TEST(MmsParityDamageTest, AdapterFilesOfTwoLanguagesExchangedFail) {
  const Dataset dataset = SyntheticDataset();
  const Converted c = ConvertAndReference("mms_adapter_ctc", dataset);
  const std::string dir = CopyOf(c.dir, "mms_adapters_exchanged");
  fs::rename(dir + "/adapter.eng.safetensors", dir + "/swap");
  fs::rename(dir + "/adapter.fra.safetensors",
             dir + "/adapter.eng.safetensors");
  fs::rename(dir + "/swap", dir + "/adapter.fra.safetensors");
  absl::StatusOr<ParityReport> report =
      CheckParityOfReferences(dir, dataset, c.references, kTolerance);
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_FALSE(report->passed());
  ASSERT_EQ(report->languages_size(), 3);
  EXPECT_FALSE(report->languages(0).passed());  // eng
  EXPECT_FALSE(report->languages(1).passed());  // fra
  EXPECT_TRUE(report->languages(2).passed());   // yor
  // The adapters act after each layer: the first layer's states part.
  EXPECT_EQ(report->first_divergence().stage(), "eng: encoder layer 1");
  std::printf("exchanged: eng %.3g, fra %.3g\n",
              report->languages(0).overall().max_abs_diff(),
              report->languages(1).overall().max_abs_diff());
}

TEST(MmsParityDamageTest, ALanguageWithoutReferenceFails) {
  const Dataset dataset = SyntheticDataset();
  const Converted c = ConvertAndReference("mms_adapter_subset", dataset);
  absl::StatusOr<ParityReport> report =
      CheckParityOfReferences(c.dir, dataset, {c.references[0]}, kTolerance);
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_FALSE(report->passed());
  EXPECT_TRUE(report->languages(0).passed());
  EXPECT_NE(
      report->not_run_reason().find("no reference outputs for " +
                                    c.languages[1] + " (the checkpoint's)"),
      std::string::npos)
      << report->not_run_reason();
  // Two references of one language are refused.
  absl::StatusOr<ParityReport> twice = CheckParityOfReferences(
      c.dir, dataset, {c.references[0], c.references[0]}, kTolerance);
  EXPECT_FALSE(twice.ok());
}

TEST(MmsParityDamageTest, ClassifierRowsPermutedFail) {
  const Dataset dataset = SyntheticDataset();
  const Converted c = ConvertAndReference("mms_lid", dataset);
  const std::string dir = CopyOf(c.dir, "mms_lid_rows_permuted");
  EditTensors(dir + "/model.safetensors", [](testing::SafetensorsSpec& spec) {
    for (const char* name : {"classifier.weight", "classifier.bias"}) {
      testing::TensorSpec* t = spec.Find(name);
      ASSERT_NE(t, nullptr) << name;
      const size_t row = t->bytes.size() / t->shape[0];
      std::swap_ranges(t->bytes.begin(), t->bytes.begin() + row,
                       t->bytes.begin() + row);
    }
  });
  absl::StatusOr<ParityReport> report =
      CheckParityOfReferences(dir, dataset, c.references, kTolerance);
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_FALSE(report->passed());
  EXPECT_GT(report->overall().max_abs_diff(), kTolerance);
  std::printf("classifier rows 0/1 exchanged: %.3g\n",
              report->overall().max_abs_diff());
}

TEST(MmsParityDamageTest, Id2LabelRotatedFails) {
  const Dataset dataset = SyntheticDataset();
  const Converted c = ConvertAndReference("mms_lid", dataset);
  const std::string dir = CopyOf(c.dir, "mms_lid_labels_rotated");
  nlohmann::json config = ::fairport::testing::ReadJson(dir + "/config.json");
  nlohmann::json rotated, inverse;
  const int n = static_cast<int>(config["id2label"].size());
  for (int i = 0; i < n; ++i) {
    const std::string label = config["id2label"][std::to_string((i + 1) % n)];
    rotated[std::to_string(i)] = label;
    inverse[label] = i;
  }
  config["id2label"] = rotated;
  config["label2id"] = inverse;
  std::ofstream(dir + "/config.json") << DumpJson(config, 2);
  absl::StatusOr<ParityReport> report =
      CheckParityOfReferences(dir, dataset, c.references, kTolerance);
  ASSERT_TRUE(report.ok()) << report.status();
  // The logits agree; the labels they name do not.
  EXPECT_LT(report->overall().max_abs_diff(), kTolerance);
  EXPECT_FALSE(report->passed());
  EXPECT_NE(FailedParitySummary(*report).find("the reference predicts"),
            std::string::npos)
      << FailedParitySummary(*report);
}

}  // namespace
}  // namespace fairport
