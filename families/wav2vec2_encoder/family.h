// The conversion side of a family built on wav2vec 2.0's encoder, behind
// the family interface (families/family.h), without LibTorch: the family
// passes its Flavor (families/wav2vec2 and families/hubert register theirs).
#ifndef FAIRPORT_FAMILIES_WAV2VEC2_ENCODER_FAMILY_H_
#define FAIRPORT_FAMILIES_WAV2VEC2_ENCODER_FAMILY_H_

#include <memory>

#include "families/family.h"
#include "families/wav2vec2_encoder/flavor.h"

namespace fairport::wav2vec2_encoder {

// `flavor` outlives the family (a static).
std::unique_ptr<ModelFamily> MakeFamily(const Flavor& flavor);

}  // namespace fairport::wav2vec2_encoder

#endif  // FAIRPORT_FAMILIES_WAV2VEC2_ENCODER_FAMILY_H_
