// Synthetic fairseq wav2vec2-conformer checkpoints in the real torch.save
// layout, with a real-looking fairseq cfg and deterministic weights: the
// family's release pipelines in the suite and real-size checkpoints for
// benchmarks. Every size is pre-LN (layer_norm_first, what transformers can
// represent): tiny with rotary positions (depthwise kernel 7), base and
// large with relative positions (kernel 31; large with the LayerNorm
// extractor, conv bias and normalised input). Nothing here is trained.
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
