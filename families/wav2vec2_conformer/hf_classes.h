// transformers v4.40.2's Wav2Vec2Conformer classes as the HF pass builds
// them: the config.json fields each class reads and the state_dict each
// has for a config. HF-pass side: written from
// modeling_wav2vec2_conformer.py, not from the converter's mapping.
#ifndef FAIRPORT_FAMILIES_WAV2VEC2_CONFORMER_HF_CLASSES_H_
#define FAIRPORT_FAMILIES_WAV2VEC2_CONFORMER_HF_CLASSES_H_

#include <vector>

#include "absl/types/span.h"
#include "families/common/passes/hf_class_config.h"
#include "families/common/passes/hf_state_dict.h"
#include "families/wav2vec2_conformer/config.h"

namespace fairport::wav2vec2_conformer {

// Wav2Vec2ConformerModel, Wav2Vec2ConformerForPreTraining,
// Wav2Vec2ConformerForCTC.
absl::Span<const HfClassFields> HfClasses();

// Every parameter and persistent buffer of the class `arch` describes,
// with whether the eval forward parity runs reads it. BatchNorm's
// num_batches_tracked is left out: the HF pass reads no integer buffer.
std::vector<HfStateDictEntry> HfStateDict(const Architecture& arch);

}  // namespace fairport::wav2vec2_conformer

#endif  // FAIRPORT_FAMILIES_WAV2VEC2_CONFORMER_HF_CLASSES_H_
