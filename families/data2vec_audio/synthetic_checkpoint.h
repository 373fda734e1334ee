// Writes synthetic fairseq data2vec-audio checkpoints in the real torch.save
// layout, with a real-looking fairseq cfg, deterministic weights and (for
// CTC models) a letter dictionary: the embedded default, and real-size
// checkpoints for benchmarks. Nothing here is a trained model.
#ifndef FAIRPORT_FAMILIES_DATA2VEC_AUDIO_SYNTHETIC_CHECKPOINT_H_
#define FAIRPORT_FAMILIES_DATA2VEC_AUDIO_SYNTHETIC_CHECKPOINT_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "families/common/convert/synthetic.h"
#include "formats/dtype.h"

namespace fairport::data2vec_audio {

struct SyntheticSpec {
  int64_t layers = 12;
  int64_t embed = 768;
  int64_t ffn = 3072;
  int64_t heads = 12;
  std::string conv_feature_layers =
      "[(512, 10, 5)] + [(512, 3, 2)] * 4 + [(512,2,2)] * 2";
  int64_t conv_pos = 95;
  int64_t pos_conv_depth = 5;
  int64_t conv_pos_groups = 16;
  bool conv_bias = false;
  bool ctc = false;
  DType dtype = DType::kF32;
  bool adam_state = false;  // last_optimizer_state with Adam moments
  uint64_t seed = 1;

  static SyntheticSpec Base();
  static SyntheticSpec Large();
  static SyntheticSpec Tiny();  // the embedded default's architecture
};

absl::Status WriteSyntheticCheckpoint(const SyntheticSpec& spec,
                                      const std::string& path);

}  // namespace fairport::data2vec_audio

#endif  // FAIRPORT_FAMILIES_DATA2VEC_AUDIO_SYNTHETIC_CHECKPOINT_H_
