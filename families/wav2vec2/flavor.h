// wav2vec 2.0 on wav2vec 2.0's encoder (families/wav2vec2_encoder): its
// names, its pretraining head (the quantizer Wav2Vec2ForPreTraining holds)
// and Wav2Vec2Config's fields beyond the encoder's.
#ifndef FAIRPORT_FAMILIES_WAV2VEC2_FLAVOR_H_
#define FAIRPORT_FAMILIES_WAV2VEC2_FLAVOR_H_

#include "families/wav2vec2_encoder/flavor.h"

namespace fairport::wav2vec2 {

const wav2vec2_encoder::Flavor& Wav2Vec2Flavor();

}  // namespace fairport::wav2vec2

#endif  // FAIRPORT_FAMILIES_WAV2VEC2_FLAVOR_H_
