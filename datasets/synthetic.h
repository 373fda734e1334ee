// A deterministic synthetic set for tests: a chirp, white noise and
// silence, at 16 kHz.
#ifndef FAIRPORT_DATASETS_SYNTHETIC_H_
#define FAIRPORT_DATASETS_SYNTHETIC_H_

#include <string>
#include <utility>
#include <vector>

namespace fairport {

// (id, samples) pairs.
std::vector<std::pair<std::string, std::vector<float>>> SyntheticUtterances();

}  // namespace fairport

#endif  // FAIRPORT_DATASETS_SYNTHETIC_H_
