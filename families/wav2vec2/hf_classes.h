// transformers' Wav2Vec2Model, Wav2Vec2ForPreTraining and Wav2Vec2ForCTC as
// the HF pass reads their config.json. HF-pass side.
#ifndef FAIRPORT_FAMILIES_WAV2VEC2_HF_CLASSES_H_
#define FAIRPORT_FAMILIES_WAV2VEC2_HF_CLASSES_H_

#include "absl/types/span.h"
#include "families/common/passes/hf_class_config.h"

namespace fairport::wav2vec2 {

absl::Span<const HfClassFields> Wav2Vec2Classes();

}  // namespace fairport::wav2vec2

#endif  // FAIRPORT_FAMILIES_WAV2VEC2_HF_CLASSES_H_
