// wav2vec 2.0's and HuBERT's forward passes behind the forward registry
// (families/forward_family.h). Registered as "wav2vec2" by this package and
// as "hubert" by families/hubert.
#ifndef FAIRPORT_FAMILIES_WAV2VEC2_FORWARD_FAMILY_H_
#define FAIRPORT_FAMILIES_WAV2VEC2_FORWARD_FAMILY_H_

#include <memory>

#include "families/forward_family.h"
#include "families/wav2vec2/config.h"

namespace fairport::wav2vec2 {

std::unique_ptr<ForwardFamily> MakeForwardFamily(Variant variant);

// fairseq HuBERT's frame counting (forward_padding_mask), as the reports
// name it.
inline constexpr char kHubertFrameCounting[] =
    "fairseq HuBERT's forward_padding_mask: a frame is padding only when all "
    "of its L // T samples are";

}  // namespace fairport::wav2vec2

#endif  // FAIRPORT_FAMILIES_WAV2VEC2_FORWARD_FAMILY_H_
