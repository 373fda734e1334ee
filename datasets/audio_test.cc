#include "datasets/audio.h"

#include <sndfile.h>

#include <cmath>

#include "datasets/dataset.h"
#include "datasets/synthetic.h"
#include "formats/npy.h"
#include "gtest/gtest.h"
#include "tests/fixtures.h"

namespace fairport {
namespace {

std::string WriteAudio(const std::string& name, int format, int rate,
                       int channels, const std::vector<float>& samples) {
  const std::string path = testing::TempDir() + "/" + name;
  SF_INFO info{};
  info.samplerate = rate;
  info.channels = channels;
  info.format = format;
  SNDFILE* f = sf_open(path.c_str(), SFM_WRITE, &info);
  EXPECT_NE(f, nullptr) << sf_strerror(nullptr);
  sf_writef_float(f, samples.data(), samples.size() / channels);
  sf_close(f);
  return path;
}

std::vector<float> Ramp(size_t n) {
  std::vector<float> v(n);
  for (size_t i = 0; i < n; ++i)
    v[i] = static_cast<float>(std::sin(0.01 * i) * 0.5);
  return v;
}

TEST(AudioTest, ReadsWavEncodingsAndFlacWithinTheirPrecision) {
  const std::vector<float> ramp = Ramp(4000);
  struct Case {
    const char* name;
    int format;
    double tolerance;
  } cases[] = {
      {"pcm16.wav", SF_FORMAT_WAV | SF_FORMAT_PCM_16, 1.0 / 32768},
      {"pcm24.wav", SF_FORMAT_WAV | SF_FORMAT_PCM_24, 1.0 / 8388608},
      {"pcm32.wav", SF_FORMAT_WAV | SF_FORMAT_PCM_32, 1e-7},
      {"float.wav", SF_FORMAT_WAV | SF_FORMAT_FLOAT, 0},
      {"flac16.flac", SF_FORMAT_FLAC | SF_FORMAT_PCM_16, 1.0 / 32768},
  };
  for (const Case& c : cases) {
    absl::StatusOr<std::vector<float>> read =
        ReadAudio(WriteAudio(c.name, c.format, 16000, 1, ramp));
    ASSERT_TRUE(read.ok()) << c.name << ": " << read.status();
    ASSERT_EQ(read->size(), ramp.size()) << c.name;
    double worst = 0;
    for (size_t i = 0; i < ramp.size(); ++i)
      worst = std::max(worst, std::abs(double((*read)[i]) - ramp[i]));
    EXPECT_LE(worst, c.tolerance) << c.name;
  }
}

TEST(AudioTest, RejectsOtherSampleRatesUnlessResamplingIsAsked) {
  const std::string path = WriteAudio(
      "22k.wav", SF_FORMAT_WAV | SF_FORMAT_PCM_16, 22050, 1, Ramp(22050));
  absl::StatusOr<std::vector<float>> read = ReadAudio(path);
  ASSERT_FALSE(read.ok());
  EXPECT_NE(read.status().message().find("22050 Hz"), std::string::npos)
      << read.status();
  EXPECT_NE(read.status().message().find(path), std::string::npos);
  AudioReadOptions resample;
  resample.resample = true;
  absl::StatusOr<std::vector<float>> resampled = ReadAudio(path, resample);
  ASSERT_TRUE(resampled.ok()) << resampled.status();
  EXPECT_NEAR(static_cast<double>(resampled->size()), 16000.0,
              2.0);  // one second either way
}

TEST(AudioTest, RejectsStereoAndEmptyAudio) {
  EXPECT_FALSE(
      ReadAudio(WriteAudio("stereo.wav", SF_FORMAT_WAV | SF_FORMAT_PCM_16,
                           16000, 2, Ramp(800)))
          .ok());
  absl::StatusOr<std::vector<float>> empty = ReadAudio(
      WriteAudio("empty.wav", SF_FORMAT_WAV | SF_FORMAT_PCM_16, 16000, 1, {}));
  ASSERT_FALSE(empty.ok());
  EXPECT_NE(empty.status().message().find("empty"), std::string::npos)
      << empty.status();
}

TEST(AudioTest, NormalisationMatchesTheFeatureExtractorOnTheFixtures) {
  absl::StatusOr<NpyArray> raw =
      ReadNpy(testing::FixturePath("inputs/batch_raw_audio.npy"));
  absl::StatusOr<NpyArray> lengths =
      ReadNpy(testing::FixturePath("inputs/batch_lengths.npy"));
  absl::StatusOr<NpyArray> expected =
      ReadNpy(testing::FixturePath("inputs/batch_input_values.npy"));
  absl::StatusOr<NpyArray> mask =
      ReadNpy(testing::FixturePath("inputs/batch_attention_mask.npy"));
  ASSERT_TRUE(raw.ok() && lengths.ok() && expected.ok() && mask.ok());
  const int64_t width = raw->shape[1];
  std::vector<std::vector<float>> utterances;
  for (int64_t b = 0; b < raw->shape[0]; ++b) {
    const int64_t n = static_cast<int64_t>(lengths->values[b]);
    utterances.emplace_back(raw->values.begin() + b * width,
                            raw->values.begin() + b * width + n);
  }
  AudioBatch batch = MakeBatch(utterances, /*normalize=*/true);
  ASSERT_EQ(batch.max_length, width);
  double worst = 0;
  for (size_t i = 0; i < batch.values.size(); ++i) {
    worst = std::max(worst, std::abs(batch.values[i] - expected->values[i]));
    EXPECT_EQ(batch.attention_mask[i], static_cast<int64_t>(mask->values[i]));
  }
  EXPECT_LT(worst, 1e-5);
}

TEST(AudioTest, BundledDefaultSetMatchesItsManifest) {
  absl::StatusOr<Dataset> set =
      LoadDatasetManifest("datasets/default/manifest.json");
  ASSERT_TRUE(set.ok()) << set.status();
  ASSERT_EQ(set->utterances.size(), 4u);
  EXPECT_EQ(set->utterances[3].text, "HELLO WORLD");
  for (const Utterance& u : set->utterances)
    EXPECT_GT(u.samples.size(), 8000u) << u.id;
  EXPECT_EQ(set->sha256.size(), 64u);
}

TEST(AudioTest, FileNameThatIsNotUtf8CannotBecomeAnId) {
  const std::string path = WriteAudio(
      "a\xff"
      "b.wav",
      SF_FORMAT_WAV | SF_FORMAT_FLOAT, 16000, 1, Ramp(8000));
  absl::StatusOr<Dataset> set = LoadAudioFiles({path});
  ASSERT_FALSE(set.ok());
  EXPECT_NE(set.status().message().find(
                "the utterance id taken from the file name is not valid UTF-8"),
            std::string::npos)
      << set.status();
}

TEST(AudioTest, SyntheticSetIsDeterministic) {
  auto a = SyntheticUtterances();
  auto b = SyntheticUtterances();
  ASSERT_EQ(a.size(), 3u);
  for (size_t i = 0; i < a.size(); ++i) EXPECT_EQ(a[i].second, b[i].second);
  AudioBatch silence = MakeBatch({a[2].second}, true);
  for (float x : silence.values) EXPECT_EQ(x, 0.0f);  // 0 / sqrt(0 + 1e-7)
}

TEST(AudioTest, Sha256OfKnownBytes) {
  EXPECT_EQ(Sha256Hex("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

}  // namespace
}  // namespace fairport
