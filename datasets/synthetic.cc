#include "datasets/synthetic.h"

#include <cmath>
#include <cstdint>

#include "datasets/audio.h"

namespace fairport {

std::vector<std::pair<std::string, std::vector<float>>> SyntheticUtterances() {
  const double pi = std::acos(-1.0);
  std::vector<float> chirp(kSampleRate * 3 / 2);
  for (size_t i = 0; i < chirp.size(); ++i) {
    // 100 Hz to 4 kHz linear sweep.
    const double t = static_cast<double>(i) / kSampleRate;
    const double duration = static_cast<double>(chirp.size()) / kSampleRate;
    chirp[i] = static_cast<float>(
        0.5 *
        std::sin(2 * pi * (100 * t + (4000 - 100) * t * t / (2 * duration))));
  }
  std::vector<float> noise(kSampleRate);
  uint32_t state = 12345;
  for (float& x : noise) {
    state = state * 1664525u + 1013904223u;
    x = static_cast<float>(state >> 8) / static_cast<float>(1 << 24) * 0.6f -
        0.3f;
  }
  std::vector<float> silence(kSampleRate / 2, 0.0f);
  return {{"chirp", chirp}, {"noise", noise}, {"silence", silence}};
}

}  // namespace fairport
