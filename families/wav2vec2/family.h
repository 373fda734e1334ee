// wav2vec 2.0 and HuBERT behind the family interface (families/family.h):
// the conversion side, without LibTorch. Registered as "wav2vec2" by this
// package and as "hubert" by families/hubert.
#ifndef FAIRPORT_FAMILIES_WAV2VEC2_FAMILY_H_
#define FAIRPORT_FAMILIES_WAV2VEC2_FAMILY_H_

#include <memory>

#include "families/family.h"
#include "families/wav2vec2/config.h"

namespace fairport::wav2vec2 {

std::unique_ptr<ModelFamily> MakeFamily(Variant variant);

}  // namespace fairport::wav2vec2

#endif  // FAIRPORT_FAMILIES_WAV2VEC2_FAMILY_H_
