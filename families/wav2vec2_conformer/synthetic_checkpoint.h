// Synthetic fairseq wav2vec2-conformer checkpoints (the family's release
// pipelines and benchmarks).
#ifndef FAIRPORT_FAMILIES_WAV2VEC2_CONFORMER_SYNTHETIC_CHECKPOINT_H_
#define FAIRPORT_FAMILIES_WAV2VEC2_CONFORMER_SYNTHETIC_CHECKPOINT_H_

#include <string>

#include "absl/status/status.h"
#include "families/family.h"

namespace fairport::wav2vec2_conformer {

absl::Status WriteSyntheticCheckpoint(const SyntheticOptions& options,
                                      const std::string& path);

std::string SyntheticDictionary();

}  // namespace fairport::wav2vec2_conformer

#endif  // FAIRPORT_FAMILIES_WAV2VEC2_CONFORMER_SYNTHETIC_CHECKPOINT_H_
