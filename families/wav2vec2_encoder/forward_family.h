// The forward passes of a family built on wav2vec 2.0's encoder, behind the
// forward registry (families/forward_family.h): the family passes its
// Flavor and the transformers classes its HF side reads (families/wav2vec2
// and families/hubert register theirs).
#ifndef FAIRPORT_FAMILIES_WAV2VEC2_ENCODER_FORWARD_FAMILY_H_
#define FAIRPORT_FAMILIES_WAV2VEC2_ENCODER_FORWARD_FAMILY_H_

#include <memory>

#include "absl/types/span.h"
#include "families/common/passes/hf_class_config.h"
#include "families/forward_family.h"
#include "families/wav2vec2_encoder/flavor.h"

namespace fairport::wav2vec2_encoder {

// `flavor` and `classes` outlive the family (static tables).
std::unique_ptr<ForwardFamily> MakeForwardFamily(
    const Flavor& flavor, absl::Span<const HfClassFields> classes);

// FairseqFrames::kAllSamplesPadded, as the reports name it.
inline constexpr char kAllSamplesPaddedCounting[] =
    "fairseq's forward_padding_mask (HubertModel): a frame is padding only "
    "when all of its L // T samples are";

}  // namespace fairport::wav2vec2_encoder

#endif  // FAIRPORT_FAMILIES_WAV2VEC2_ENCODER_FORWARD_FAMILY_H_
