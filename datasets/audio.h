// Reference audio: WAV (PCM 16/24/32-bit, float) and FLAC through
// libsndfile, as mono 16 kHz float samples, and batches of it padded and
// normalised exactly as transformers' Wav2Vec2FeatureExtractor does.
#ifndef FAIRPORT_DATASETS_AUDIO_H_
#define FAIRPORT_DATASETS_AUDIO_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace fairport {

inline constexpr int kSampleRate = 16000;

struct AudioReadOptions {
  // Without it, audio at another rate is an error.
  bool resample = false;
};

// Mono samples at 16 kHz. Errors name the file: unreadable, not mono, not
// 16 kHz (unless resampling), empty.
absl::StatusOr<std::vector<float>> ReadAudio(
    const std::string& path, const AudioReadOptions& options = {});

struct AudioBatch {
  int64_t batch = 0;
  int64_t max_length = 0;
  std::vector<float> values;  // (batch, max_length), right-padded with 0
  std::vector<int64_t> attention_mask;  // (batch, max_length), 1 = valid sample
  std::vector<int64_t> lengths;
};

// Right-pads `utterances` into one batch. With `normalize`, each utterance
// becomes zero-mean, unit-variance over its valid samples (eps 1e-7), as
// Wav2Vec2FeatureExtractor.zero_mean_unit_var_norm computes it.
AudioBatch MakeBatch(const std::vector<std::vector<float>>& utterances,
                     bool normalize);

}  // namespace fairport

#endif  // FAIRPORT_DATASETS_AUDIO_H_
