// transformers v4.40.2's wav2vec 2.0 and HuBERT classes as the HF pass
// builds them: the config.json fields each class reads (the tables in
// verify/README.md, row for row) and the state_dict each has for a config.
// HF-pass side: written from modeling_wav2vec2.py / modeling_hubert.py, not
// from the converter's mapping.
#ifndef FAIRPORT_FAMILIES_WAV2VEC2_HF_CLASSES_H_
#define FAIRPORT_FAMILIES_WAV2VEC2_HF_CLASSES_H_

#include <vector>

#include "absl/types/span.h"
#include "families/common/hf_class_config.h"
#include "families/common/hf_state_dict.h"
#include "families/wav2vec2/config.h"

namespace fairport::wav2vec2 {

// Wav2Vec2Model, Wav2Vec2ForPreTraining, Wav2Vec2ForCTC; HubertModel,
// HubertForCTC.
absl::Span<const HfClassFields> HfClasses(Variant variant);

// Every parameter of the class `arch` describes (no class here has
// persistent buffers), with whether the eval forward parity runs reads it.
std::vector<HfStateDictEntry> HfStateDict(const Architecture& arch);

}  // namespace fairport::wav2vec2

#endif  // FAIRPORT_FAMILIES_WAV2VEC2_HF_CLASSES_H_
