// Parity end to end for every wav2vec 2.0 and HuBERT fixture: an honest
// conversion passes on a padded batch, a damaged one fails, and for HuBERT
// (whose fairseq model counts a padded utterance's frames differently from
// transformers) the report says what it compared and why.
#include <sys/stat.h>

#include <algorithm>
#include <fstream>

#include "base/json.h"
#include "converter/conversion.h"
#include "formats/safetensors.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "tests/fixtures.h"
#include "tests/synthetic_dataset.h"
#include "verify/parity.h"

namespace fairport {
namespace {

using ::fairport::testing::FixturePath;
using ::fairport::testing::ReadJson;
using ::fairport::testing::Slurp;
using ::fairport::testing::SyntheticDataset;
using ::fairport::testing::TempDir;

// A copy of `dir` with two tensors of model.safetensors exchanged (same
// shape): a conversion that mapped them the wrong way round.
std::string WithTensorsExchanged(const std::string& dir, const std::string& a,
                                 const std::string& b) {
  const std::string out = dir + "_damaged";
  ::mkdir(out.c_str(), 0755);
  for (const char* f :
       {"config.json", "preprocessor_config.json", "vocab.json"})
    std::ofstream(out + "/" + f, std::ios::binary) << Slurp(dir + "/" + f);
  absl::StatusOr<SafetensorsFile> file =
      SafetensorsFile::Open(dir + "/model.safetensors");
  EXPECT_TRUE(file.ok()) << file.status();
  std::string bytes = Slurp(dir + "/model.safetensors");
  uint64_t header = 0;
  for (int i = 7; i >= 0; --i)
    header = header << 8 | static_cast<uint8_t>(bytes[i]);
  const SafetensorsEntry* x = file->Find(a);
  const SafetensorsEntry* y = file->Find(b);
  EXPECT_TRUE(x != nullptr && y != nullptr && x->shape == y->shape);
  std::swap_ranges(bytes.begin() + 8 + header + x->begin,
                   bytes.begin() + 8 + header + x->end,
                   bytes.begin() + 8 + header + y->begin);
  std::ofstream(out + "/model.safetensors", std::ios::binary) << bytes;
  return out;
}

class FamilyParityTest : public ::testing::TestWithParam<const char*> {};

TEST_P(FamilyParityTest, HonestConversionPassesAndDamagedOneFails) {
  const std::string variant = GetParam();
  const bool hubert = variant.rfind("hubert", 0) == 0;
  const Dataset dataset = SyntheticDataset();
  ConversionOptions options;
  options.checkpoint_path = FixturePath(variant + "/checkpoint.pt");
  options.output_dir = TempDir() + "/family_parity_" + variant;
  options.overwrite = true;
  const bool ctc = variant.find("finetuned") != std::string::npos;
  if (ctc) options.dict_path = FixturePath(variant + "/dict.ltr.txt");
  absl::StatusOr<ConversionSummary> converted = Convert(options);
  ASSERT_TRUE(converted.ok()) << converted.status();
  const std::string reference = options.output_dir + ".reference.safetensors";
  absl::StatusOr<std::string> ref =
      WriteReference(options.checkpoint_path, dataset, reference);
  ASSERT_TRUE(ref.ok()) << ref.status();

  absl::StatusOr<ParityReport> report =
      CheckParity(options.output_dir, dataset, reference, 1e-4);
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_TRUE(report->passed()) << ReportMarkdown(*report);
  EXPECT_LT(report->overall().max_abs_diff(), 1e-5);
  int64_t extended = 0;
  for (size_t b = 0; b < dataset.utterances.size(); ++b) {
    const UtteranceParity& u = report->utterances(b);
    if (u.mask_samples() >
        static_cast<int64_t>(dataset.utterances[b].samples.size()))
      ++extended;
  }
  if (hubert) {
    // The batch is padded, and fairseq HuBERT counts more frames for its
    // shorter utterances than the conv-length formula: the report says so.
    EXPECT_GT(extended, 0);
    EXPECT_NE(report->comparison_reason().find("forward_padding_mask"),
              std::string::npos)
        << report->comparison_reason();
    EXPECT_NE(ReportMarkdown(*report).find("Why: the reference model counts"),
              std::string::npos);
  } else {
    EXPECT_EQ(extended, 0);
    EXPECT_EQ(report->comparison_reason(), "");
  }
  std::printf("%s: parity max abs diff %.2e; %s\n", variant.c_str(),
              report->overall().max_abs_diff(),
              report->comparison_reason().c_str());

  const std::string prefix =
      ctc ? (hubert ? "hubert." : "wav2vec2.") : (hubert ? "" : "wav2vec2.");
  const std::string damaged = WithTensorsExchanged(
      options.output_dir, prefix + "encoder.layers.0.attention.q_proj.weight",
      prefix + "encoder.layers.0.attention.k_proj.weight");
  absl::StatusOr<ParityReport> bad =
      CheckParity(damaged, dataset, reference, 1e-4);
  ASSERT_TRUE(bad.ok()) << bad.status();
  EXPECT_FALSE(bad->passed());
  EXPECT_GT(bad->overall().max_abs_diff(), 1e-4);
}

INSTANTIATE_TEST_SUITE_P(
    Families, FamilyParityTest,
    ::testing::ValuesIn(::fairport::testing::kFamilyVariants));

// A HuBERT conversion whose config.json says another conv stride makes other
// frames: extending the mask cannot make it agree, and it fails.
TEST(HubertParityTest, WrongFrameGeometryFails) {
  const Dataset dataset = SyntheticDataset();
  ConversionOptions options;
  options.checkpoint_path = FixturePath("hubert_pretrained/checkpoint.pt");
  options.output_dir = TempDir() + "/hubert_stride";
  options.overwrite = true;
  ASSERT_TRUE(Convert(options).ok());
  const std::string reference = TempDir() + "/hubert_stride.reference";
  ASSERT_TRUE(WriteReference(options.checkpoint_path, dataset, reference).ok());
  nlohmann::json config = ReadJson(options.output_dir + "/config.json");
  config["conv_stride"][3] = 3;
  std::ofstream(options.output_dir + "/config.json") << DumpJson(config, 2);
  absl::StatusOr<ParityReport> report =
      CheckParity(options.output_dir, dataset, reference, 1e-4);
  EXPECT_TRUE(!report.ok() || !report->passed());
}

}  // namespace
}  // namespace fairport
