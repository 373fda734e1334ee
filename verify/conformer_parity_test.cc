// Parity end to end for the wav2vec2-conformer fixtures: an honest
// conversion passes on a padded batch, and each damage a conformer
// conversion can suffer (conformer.md section 3: BatchNorm running
// statistics exchanged or reset, pos_bias_u / pos_bias_v swapped, the
// wrong position type in config.json) fails.
#include <sys/stat.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <fstream>
#include <functional>

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

constexpr double kTolerance = 1e-4;

// A converted conformer and the fairseq reference outputs on the dataset.
struct Converted {
  std::string dir;
  std::string reference;
};

Converted ConvertAndReference(const std::string& variant,
                              const Dataset& dataset) {
  ConversionOptions options;
  options.checkpoint_path = FixturePath(variant + "/checkpoint.pt");
  options.output_dir = TempDir() + "/conformer_parity_" + variant;
  options.overwrite = true;
  const std::string dict = FixturePath(variant + "/dict.ltr.txt");
  if (!Slurp(dict).empty()) options.dict_path = dict;
  absl::StatusOr<ConversionSummary> converted = Convert(options);
  EXPECT_TRUE(converted.ok()) << converted.status();
  const std::string reference = options.output_dir + ".reference.safetensors";
  absl::StatusOr<std::string> ref =
      WriteReference(options.checkpoint_path, dataset, reference);
  EXPECT_TRUE(ref.ok()) << ref.status();
  return {options.output_dir, reference};
}

// A copy of `dir` named `name` whose config.json and model.safetensors
// went through `edit_config` and `edit_weights` (tensor name -> its
// writable float32 values).
using WeightEdit = std::function<void(
    const std::function<float*(const std::string&, int64_t*)>& tensor)>;

std::string Damaged(const std::string& dir, const std::string& name,
                    const std::function<void(nlohmann::json&)>& edit_config,
                    const WeightEdit& edit_weights) {
  const std::string out = TempDir() + "/" + name;
  ::mkdir(out.c_str(), 0755);
  for (const char* f : {"preprocessor_config.json", "vocab.json"})
    std::ofstream(out + "/" + f, std::ios::binary) << Slurp(dir + "/" + f);
  nlohmann::json config = ReadJson(dir + "/config.json");
  if (edit_config) edit_config(config);
  std::ofstream(out + "/config.json") << DumpJson(config, 2);
  std::string bytes = Slurp(dir + "/model.safetensors");
  absl::StatusOr<SafetensorsFile> file =
      SafetensorsFile::Open(dir + "/model.safetensors");
  EXPECT_TRUE(file.ok()) << file.status();
  uint64_t header = 0;
  for (int i = 7; i >= 0; --i)
    header = header << 8 | static_cast<uint8_t>(bytes[i]);
  if (edit_weights) {
    edit_weights([&](const std::string& tensor, int64_t* count) -> float* {
      const SafetensorsEntry* e = file->Find(tensor);
      EXPECT_NE(e, nullptr) << tensor;
      EXPECT_EQ(e->dtype, DType::kF32) << tensor;
      *count = e->numel();
      return reinterpret_cast<float*>(bytes.data() + 8 + header + e->begin);
    });
  }
  std::ofstream(out + "/model.safetensors", std::ios::binary) << bytes;
  return out;
}

class ConformerParityTest : public ::testing::TestWithParam<const char*> {};

TEST_P(ConformerParityTest, HonestConversionPasses) {
  const std::string variant = GetParam();
  const Dataset dataset = SyntheticDataset();
  const Converted c = ConvertAndReference(variant, dataset);
  absl::StatusOr<ParityReport> report =
      CheckParity(c.dir, dataset, c.reference, kTolerance);
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_TRUE(report->passed()) << ReportMarkdown(*report);
  EXPECT_LT(report->overall().max_abs_diff(), 1e-5);
  EXPECT_EQ(report->comparison_reason(), "");
  std::printf("%s: parity max abs diff %.2e\n", variant.c_str(),
              report->overall().max_abs_diff());
}

INSTANTIATE_TEST_SUITE_P(
    Conformer, ConformerParityTest,
    ::testing::ValuesIn(::fairport::testing::kConformerVariants));

constexpr char kLayer0[] = "wav2vec2_conformer.encoder.layers.0.";
constexpr char kLayer1[] = "wav2vec2_conformer.encoder.layers.1.";

struct Damage {
  const char* name;
  std::function<void(nlohmann::json&)> config;
  WeightEdit weights;
};

void Exchange(const std::function<float*(const std::string&, int64_t*)>& t,
              const std::string& a, const std::string& b) {
  int64_t n = 0, m = 0;
  float* x = t(a, &n);
  float* y = t(b, &m);
  ASSERT_EQ(n, m);
  std::swap_ranges(x, x + n, y);
}

std::vector<Damage> Damages() {
  return {
      {"bn_running_var_exchanged", nullptr,
       [](const auto& t) {
         Exchange(t,
                  std::string(kLayer0) + "conv_module.batch_norm.running_var",
                  std::string(kLayer1) + "conv_module.batch_norm.running_var");
       }},
      {"bn_running_var_reset", nullptr,
       [](const auto& t) {
         int64_t n = 0;
         float* v =
             t(std::string(kLayer0) + "conv_module.batch_norm.running_var", &n);
         std::fill(v, v + n, 1.0f);
       }},
      {"pos_bias_uv_swapped", nullptr,
       [](const auto& t) {
         for (const char* layer : {kLayer0, kLayer1}) {
           Exchange(t, std::string(layer) + "self_attn.pos_bias_u",
                    std::string(layer) + "self_attn.pos_bias_v");
         }
       }},
      {"rotary_position_type",
       [](nlohmann::json& c) { c["position_embeddings_type"] = "rotary"; },
       nullptr},
  };
}

class ConformerDamageTest : public ::testing::TestWithParam<int> {};

// On conformer_relpos_ctc, each damage alone fails parity.
TEST_P(ConformerDamageTest, DamagedConversionFails) {
  const Damage damage = Damages()[GetParam()];
  const Dataset dataset = SyntheticDataset();
  const Converted c = ConvertAndReference("conformer_relpos_ctc", dataset);
  const std::string damaged =
      Damaged(c.dir, damage.name, damage.config, damage.weights);
  absl::StatusOr<ParityReport> report =
      CheckParity(damaged, dataset, c.reference, kTolerance);
  // A refusal would be a failure too; these all load and compute.
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_FALSE(report->passed()) << damage.name;
  EXPECT_GT(report->overall().max_abs_diff(), 1e-3) << damage.name;
  std::printf("%s: parity max abs diff %.2e\n", damage.name,
              report->overall().max_abs_diff());
}

INSTANTIATE_TEST_SUITE_P(RelPosCtc, ConformerDamageTest,
                         ::testing::Range(0, 4));

// The rotary model with the frequencies recomputed instead of the stored
// fp16-rounded ones (transformers' __init__ values, what it keeps when the
// file has none): off by about 2e-4 (conformer.md section 3), and fails.
TEST(ConformerRotaryParityTest, RecomputedFrequenciesFailOnFloat16) {
  const Dataset dataset = SyntheticDataset();
  const Converted c = ConvertAndReference("conformer_rope_ctc_fp16", dataset);
  // Converted again as float32, so that the damage edits float32 values.
  ConversionOptions options;
  options.checkpoint_path =
      FixturePath("conformer_rope_ctc_fp16/checkpoint.pt");
  options.dict_path = FixturePath("conformer_rope_ctc_fp16/dict.ltr.txt");
  options.output_dir = TempDir() + "/rope_fp16_as_f32";
  options.overwrite = true;
  options.dtype = DType::kF32;
  ASSERT_TRUE(Convert(options).ok());
  const std::string damaged = Damaged(
      options.output_dir, "rope_recomputed", nullptr, [](const auto& t) {
        int64_t n = 0;
        float* f = t("wav2vec2_conformer.encoder.embed_positions.inv_freq", &n);
        // d_k = 2n: 1 / 10000^(2i / d_k), as transformers computes it.
        for (int64_t i = 0; i < n; ++i)
          f[i] = 1.0f / std::pow(10000.0f, static_cast<float>(2 * i) /
                                               static_cast<float>(2 * n));
      });
  absl::StatusOr<ParityReport> honest =
      CheckParity(options.output_dir, dataset, c.reference, kTolerance);
  ASSERT_TRUE(honest.ok()) << honest.status();
  EXPECT_TRUE(honest->passed()) << ReportMarkdown(*honest);
  absl::StatusOr<ParityReport> report =
      CheckParity(damaged, dataset, c.reference, kTolerance);
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_FALSE(report->passed());
  std::printf("rope fp16 with recomputed inv_freq: parity max abs diff %.2e\n",
              report->overall().max_abs_diff());
}

}  // namespace
}  // namespace fairport
