#include "datasets/audio.h"

#include <samplerate.h>
#include <sndfile.h>

#include <algorithm>
#include <cmath>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace fairport {

absl::StatusOr<std::vector<float>> ReadAudio(const std::string& path,
                                             const AudioReadOptions& options) {
  SF_INFO info{};
  SNDFILE* file = sf_open(path.c_str(), SFM_READ, &info);
  if (file == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": cannot read audio: ", sf_strerror(nullptr)));
  }
  std::vector<float> samples(static_cast<size_t>(info.frames) *
                             std::max(info.channels, 1));
  sf_count_t read = sf_readf_float(file, samples.data(), info.frames);
  sf_close(file);
  if (read != info.frames) {
    return absl::DataLossError(absl::StrCat(
        path, ": read ", read, " of ", info.frames, " frames (truncated?)"));
  }
  if (info.channels != 1) {
    return absl::InvalidArgumentError(absl::StrCat(
        path, ": ", info.channels,
        " channels; reference audio must be mono (downmix it first)"));
  }
  if (samples.empty())
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": the audio is empty"));
  if (info.samplerate != kSampleRate) {
    if (!options.resample) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, ": sampled at ", info.samplerate,
                       " Hz; the models expect 16000 Hz (resample it, or pass "
                       "--resample)"));
    }
    const double ratio = static_cast<double>(kSampleRate) / info.samplerate;
    std::vector<float> out(
        static_cast<size_t>(std::ceil(samples.size() * ratio)) + 16);
    SRC_DATA data{};
    data.data_in = samples.data();
    data.input_frames = static_cast<long>(samples.size());
    data.data_out = out.data();
    data.output_frames = static_cast<long>(out.size());
    data.src_ratio = ratio;
    int error = src_simple(&data, SRC_SINC_BEST_QUALITY, 1);
    if (error != 0) {
      return absl::InternalError(
          absl::StrCat(path, ": resampling failed: ", src_strerror(error)));
    }
    out.resize(data.output_frames_gen);
    samples = std::move(out);
  }
  return samples;
}

AudioBatch MakeBatch(const std::vector<std::vector<float>>& utterances,
                     bool normalize) {
  AudioBatch batch;
  batch.batch = static_cast<int64_t>(utterances.size());
  for (const auto& u : utterances)
    batch.max_length = std::max<int64_t>(batch.max_length, u.size());
  batch.values.assign(batch.batch * batch.max_length, 0.0f);
  batch.attention_mask.assign(batch.batch * batch.max_length, 0);
  for (int64_t b = 0; b < batch.batch; ++b) {
    const std::vector<float>& u = utterances[b];
    batch.lengths.push_back(static_cast<int64_t>(u.size()));
    float* row = batch.values.data() + b * batch.max_length;
    std::copy(u.begin(), u.end(), row);
    std::fill_n(batch.attention_mask.data() + b * batch.max_length, u.size(),
                1);
    if (normalize && !u.empty()) {
      // (x - mean) / sqrt(var + 1e-7) over the valid part, population variance.
      double sum = 0;
      for (float x : u) sum += x;
      const double mean = sum / u.size();
      double squares = 0;
      for (float x : u) squares += (x - mean) * (x - mean);
      const double scale = 1.0 / std::sqrt(squares / u.size() + 1e-7);
      for (size_t i = 0; i < u.size(); ++i)
        row[i] = static_cast<float>((u[i] - mean) * scale);
    }
  }
  return batch;
}

}  // namespace fairport
