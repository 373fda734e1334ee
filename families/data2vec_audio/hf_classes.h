// transformers v4.40.2's Data2VecAudioModel and Data2VecAudioForCTC as the
// HF pass builds them: the config.json fields each reads (the tables in
// verify/README.md, row for row) and the state_dict each has for a config.
// HF-pass side: written from modeling_data2vec_audio.py, not from the
// converter's mapping.
#ifndef FAIRPORT_FAMILIES_DATA2VEC_AUDIO_HF_CLASSES_H_
#define FAIRPORT_FAMILIES_DATA2VEC_AUDIO_HF_CLASSES_H_

#include <vector>

#include "absl/types/span.h"
#include "families/common/passes/hf_class_config.h"
#include "families/common/passes/hf_state_dict.h"
#include "families/data2vec_audio/config.h"

namespace fairport::data2vec_audio {

absl::Span<const HfClassFields> HfClasses();

// Every parameter of the class `arch` describes (no persistent buffers),
// with whether the eval forward reads it.
std::vector<HfStateDictEntry> HfStateDict(const Architecture& arch);

}  // namespace fairport::data2vec_audio

#endif  // FAIRPORT_FAMILIES_DATA2VEC_AUDIO_HF_CLASSES_H_
