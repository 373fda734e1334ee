// Synthetic fairseq wav2vec 2.0 / HuBERT checkpoints in the real torch.save
// layout, with a real-looking fairseq cfg and deterministic weights: the
// families' release pipelines in the suite, and real-size checkpoints for
// benchmarks (base: wav2vec2-base / hubert-base; large: the large-lv60
// layout, pre-LN with a LayerNorm extractor). Nothing here is trained.
#ifndef FAIRPORT_FAMILIES_WAV2VEC2_ENCODER_SYNTHETIC_CHECKPOINT_H_
#define FAIRPORT_FAMILIES_WAV2VEC2_ENCODER_SYNTHETIC_CHECKPOINT_H_

#include <string>

#include "absl/status/status.h"
#include "families/family.h"
#include "families/wav2vec2_encoder/config.h"

namespace fairport::wav2vec2_encoder {

absl::Status WriteSyntheticCheckpoint(const Flavor& flavor,
                                      const SyntheticOptions& options,
                                      const std::string& path);

std::string SyntheticDictionary();

}  // namespace fairport::wav2vec2_encoder

#endif  // FAIRPORT_FAMILIES_WAV2VEC2_ENCODER_SYNTHETIC_CHECKPOINT_H_
