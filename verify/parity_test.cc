// The parity check end to end: it passes a correct conversion, catches a
// damaged one, and refuses audio it cannot use.
#include "verify/parity.h"

#include <sndfile.h>
#include <sys/stat.h>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <functional>

#include "converter/conversion.h"
#include "datasets/synthetic.h"
#include "formats/safetensors.h"
#include "gtest/gtest.h"
#include "tests/fixtures.h"

namespace fairport {
namespace {

using ::fairport::testing::FixturePath;
using ::fairport::testing::Slurp;
using ::fairport::testing::TempDir;

std::string WriteWav(const std::string& name, int rate,
                     const std::vector<float>& samples) {
  const std::string path = TempDir() + "/" + name;
  SF_INFO info{};
  info.samplerate = rate;
  info.channels = 1;
  info.format = SF_FORMAT_WAV | SF_FORMAT_FLOAT;
  SNDFILE* f = sf_open(path.c_str(), SFM_WRITE, &info);
  sf_writef_float(f, samples.data(), samples.size());
  sf_close(f);
  return path;
}

class ParityTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    std::vector<std::string> files;
    for (const auto& [id, samples] : SyntheticUtterances())
      files.push_back(WriteWav(id + ".wav", 16000, samples));
    absl::StatusOr<Dataset> dataset = LoadAudioFiles(files);
    ASSERT_TRUE(dataset.ok()) << dataset.status();
    dataset_ = new Dataset(*std::move(dataset));
    model_dir_ = new std::string(TempDir() + "/parity_model");
    ConversionOptions options;
    options.checkpoint_path = FixturePath("finetuned/checkpoint.pt");
    options.dict_path = FixturePath("finetuned/dict.ltr.txt");
    options.output_dir = *model_dir_;
    options.overwrite = true;
    ASSERT_TRUE(Convert(options).ok());
    reference_ = new std::string(TempDir() + "/reference.safetensors");
    ASSERT_TRUE(
        WriteReference(options.checkpoint_path, *dataset_, *reference_).ok());
  }

  // A copy of the converted directory whose model.safetensors `damage` edits.
  static std::string Damaged(
      const std::string& name,
      const std::function<void(const SafetensorsFile&, std::string&)>& damage) {
    const std::string dir = TempDir() + "/damaged_" + name;
    ::mkdir(dir.c_str(), 0755);
    for (const char* f :
         {"config.json", "preprocessor_config.json", "vocab.json"}) {
      std::ofstream(dir + "/" + f, std::ios::binary)
          << Slurp(*model_dir_ + "/" + f);
    }
    absl::StatusOr<SafetensorsFile> file =
        SafetensorsFile::Open(*model_dir_ + "/model.safetensors");
    std::string bytes = Slurp(*model_dir_ + "/model.safetensors");
    damage(*file, bytes);
    std::ofstream(dir + "/model.safetensors", std::ios::binary) << bytes;
    return dir;
  }

  // A copy of the converted directory whose model.safetensors holds the
  // tensors `edit` leaves of (name, dtype, shape, bytes).
  struct Tensor {
    std::string name;
    DType dtype;
    std::vector<int64_t> shape;
    std::string bytes;
  };
  static std::string Rewritten(
      const std::string& name,
      const std::function<void(std::vector<Tensor>&)>& edit) {
    const std::string dir =
        Damaged(name, [](const SafetensorsFile&, std::string&) {});
    absl::StatusOr<SafetensorsFile> file =
        SafetensorsFile::Open(*model_dir_ + "/model.safetensors");
    std::vector<Tensor> tensors;
    for (const SafetensorsEntry& e : file->entries()) {
      tensors.push_back(
          {e.name, e.dtype, e.shape, std::string(file->Bytes(e))});
    }
    edit(tensors);
    SafetensorsLayout layout;
    for (const Tensor& t : tensors) layout.Add(t.name, t.dtype, t.shape);
    std::string bytes = layout.Header();
    for (const Tensor& t : tensors) bytes += t.bytes;
    std::ofstream(dir + "/model.safetensors",
                  std::ios::binary | std::ios::trunc)
        << bytes;
    return dir;
  }

  static Dataset* dataset_;
  static std::string* model_dir_;
  static std::string* reference_;
};

Dataset* ParityTest::dataset_ = nullptr;
std::string* ParityTest::model_dir_ = nullptr;
std::string* ParityTest::reference_ = nullptr;

size_t DataOffset(const SafetensorsFile& file, const std::string& name) {
  const std::string bytes = Slurp(file.path());
  uint64_t header = 0;
  for (int i = 7; i >= 0; --i)
    header = header << 8 | static_cast<uint8_t>(bytes[i]);
  return 8 + header + file.Find(name)->begin;
}

TEST_F(ParityTest, CorrectConversionPasses) {
  absl::StatusOr<ParityReport> report =
      CheckParity(*model_dir_, *dataset_, *reference_, 1e-4);
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_TRUE(report->passed());
  EXPECT_LT(report->overall().max_abs_diff(), 1e-5);
  ASSERT_EQ(report->utterances_size(), 3);
  for (const UtteranceParity& u : report->utterances())
    EXPECT_EQ(u.reference_text(), u.converted_text());
  // A CTC model's stages are compared too: the extractor, the projection,
  // the encoder's input and its three layers.
  ASSERT_EQ(report->stages_size(), 6);
  EXPECT_EQ(report->stages(1).name(), "feature projection");
  EXPECT_EQ(report->stages(5).name(), "encoder layer 3");
  for (const Difference& d : report->stages())
    EXPECT_LT(d.max_abs_diff(), 1e-5) << d.name();
  EXPECT_FALSE(report->has_first_divergence());
  EXPECT_EQ(ReportJson(*report), ReportJson(*CheckParity(*model_dir_, *dataset_,
                                                         *reference_, 1e-4)));
}

TEST_F(ParityTest, CatchesTwoHeadsSwappedInTheValueProjection) {
  const std::string dir =
      Damaged("heads", [](const SafetensorsFile& f, std::string& bytes) {
        const size_t at = DataOffset(
            f, "data2vec_audio.encoder.layers.0.attention.v_proj.weight");
        const size_t head_bytes = 8 * 40 * 4;  // head_dim 8 rows of 40 floats
        std::swap_ranges(bytes.begin() + at, bytes.begin() + at + head_bytes,
                         bytes.begin() + at + head_bytes);
      });
  absl::StatusOr<ParityReport> report =
      CheckParity(dir, *dataset_, *reference_, 1e-4);
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_FALSE(report->passed());
  EXPECT_GT(report->overall().max_abs_diff(), 1e-3);
  EXPECT_EQ(report->first_divergence().stage(), "encoder layer 1");
  EXPECT_EQ(report->first_divergence().index(), 4);
  EXPECT_EQ(report->first_divergence().stages(), 6);
}

TEST_F(ParityTest, CatchesOneBiasZeroed) {
  const std::string dir =
      Damaged("bias", [](const SafetensorsFile& f, std::string& bytes) {
        const std::string name =
            "data2vec_audio.encoder.layers.1.feed_forward.output_dense.bias";
        std::memset(bytes.data() + DataOffset(f, name), 0,
                    f.Find(name)->end - f.Find(name)->begin);
      });
  absl::StatusOr<ParityReport> report =
      CheckParity(dir, *dataset_, *reference_, 1e-4);
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_FALSE(report->passed());
  // Layer 1 (0-based) is the second: the stages before it agree.
  EXPECT_EQ(report->first_divergence().stage(), "encoder layer 2");
  EXPECT_LT(report->stages(3).max_abs_diff(), 1e-5);
  EXPECT_NE(ReportMarkdown(*report).find(
                "The converted model diverges from stage 5 of 6, encoder "
                "layer 2"),
            std::string::npos)
      << ReportMarkdown(*report);
}

TEST_F(ParityTest, CatchesQueryAndKeyProjectionsExchanged) {
  const std::string dir =
      Damaged("qk", [](const SafetensorsFile& f, std::string& bytes) {
        for (const char* param : {"weight", "bias"}) {
          const std::string q =
              std::string("data2vec_audio.encoder.layers.0.attention.q_proj.") +
              param;
          const std::string k =
              std::string("data2vec_audio.encoder.layers.0.attention.k_proj.") +
              param;
          const size_t n = f.Find(q)->end - f.Find(q)->begin;
          std::swap_ranges(bytes.begin() + DataOffset(f, q),
                           bytes.begin() + DataOffset(f, q) + n,
                           bytes.begin() + DataOffset(f, k));
        }
      });
  absl::StatusOr<ParityReport> report =
      CheckParity(dir, *dataset_, *reference_, 1e-4);
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_FALSE(report->passed());
}

TEST_F(ParityTest, ReportsATensorTransformersWouldNotUseAndStillPasses) {
  const std::string dir = Rewritten("extra", [](std::vector<Tensor>& t) {
    t.push_back(
        {"encoder.extra_head.weight", DType::kF32, {2}, std::string(8, '\0')});
  });
  absl::StatusOr<ParityReport> report =
      CheckParity(dir, *dataset_, *reference_, 1e-4);
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_TRUE(report->passed());
  ASSERT_EQ(report->weights_size(), 1);
  EXPECT_EQ(report->weights(0).name(), "encoder.extra_head.weight");
  EXPECT_EQ(report->weights(0).kind(), "unused");
  EXPECT_FALSE(report->weights(0).changes_output());
  EXPECT_NE(
      ReportMarkdown(*report).find("`encoder.extra_head.weight` (unused)"),
      std::string::npos)
      << ReportMarkdown(*report);
}

TEST_F(ParityTest, AMissingWeightTheForwardReadsFailsWithoutRunning) {
  const std::string missing =
      "data2vec_audio.feature_projection.projection.weight";
  const std::string dir = Rewritten("missing", [&](std::vector<Tensor>& t) {
    t.erase(std::remove_if(t.begin(), t.end(),
                           [&](const Tensor& x) { return x.name == missing; }),
            t.end());
  });
  absl::StatusOr<ParityReport> report =
      CheckParity(dir, *dataset_, *reference_, 1e-4);
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_FALSE(report->passed());
  EXPECT_TRUE(report->utterances().empty());
  ASSERT_EQ(report->weights_size(), 1);
  EXPECT_EQ(report->weights(0).name(), missing);
  EXPECT_EQ(report->weights(0).kind(), "missing");
  EXPECT_TRUE(report->weights(0).changes_output());
  EXPECT_NE(report->not_run_reason().find(missing), std::string::npos)
      << report->not_run_reason();
}

TEST_F(ParityTest, RefusesAudioShorterThanTheReceptiveField) {
  // kernels (10, 4, 4, 3), strides (5, 2, 2, 2): 10 + 5 * (4 - 1 + 2 * (4 - 1 +
  // 2 * (3 - 1))) = 95.
  absl::StatusOr<Dataset> tiny = LoadAudioFiles(
      {WriteWav("tiny.wav", 16000, std::vector<float>(20, 0.1f))});
  ASSERT_TRUE(tiny.ok());
  absl::StatusOr<std::string> r = WriteReference(
      FixturePath("finetuned/checkpoint.pt"), *tiny, TempDir() + "/r.st");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(
      r.status().message().find(
          "shorter than the feature extractor's receptive field of 95 samples"),
      std::string::npos)
      << r.status();
}

TEST_F(ParityTest, RefusesEmptyAndNon16kAudio) {
  absl::StatusOr<Dataset> empty =
      LoadAudioFiles({WriteWav("empty.wav", 16000, {})});
  ASSERT_FALSE(empty.ok());
  EXPECT_NE(empty.status().message().find("empty.wav: the audio is empty"),
            std::string::npos)
      << empty.status();
  absl::StatusOr<Dataset> slow = LoadAudioFiles(
      {WriteWav("8k.wav", 8000, std::vector<float>(8000, 0.1f))});
  ASSERT_FALSE(slow.ok());
  EXPECT_NE(slow.status().message().find("8k.wav: sampled at 8000 Hz"),
            std::string::npos)
      << slow.status();
}

TEST_F(ParityTest, RefusesAReferenceFromAnotherDataset) {
  absl::StatusOr<Dataset> other = LoadAudioFiles(
      {WriteWav("other.wav", 16000, std::vector<float>(4000, 0.2f))});
  ASSERT_TRUE(other.ok());
  absl::StatusOr<ParityReport> report =
      CheckParity(*model_dir_, *other, *reference_, 1e-4);
  ASSERT_FALSE(report.ok());
  EXPECT_NE(report.status().message().find("not on this one"),
            std::string::npos);
}

}  // namespace
}  // namespace fairport
