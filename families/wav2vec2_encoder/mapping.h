// The exact fairseq -> transformers weight mapping for wav2vec 2.0 and
// HuBERT (families.md): a table of patterns checked against the
// parameters the HF config implies.
#ifndef FAIRPORT_FAMILIES_WAV2VEC2_ENCODER_MAPPING_H_
#define FAIRPORT_FAMILIES_WAV2VEC2_ENCODER_MAPPING_H_

#include <vector>

#include "absl/status/statusor.h"
#include "fairseq/checkpoint.h"
#include "families/common/convert/weight_table.h"
#include "families/wav2vec2_encoder/config.h"

namespace fairport::wav2vec2_encoder {

// Every parameter of transformers' model for `arch`, sorted by name.
std::vector<HfParameter> ExpectedParameters(const Architecture& arch);

// Maps every fairseq tensor; where fairseq has no post_extract_proj (the
// conv width is the model width), the projection transformers always has
// is written as the identity, and a note says so.
absl::StatusOr<WeightMapping> MapWeights(const FairseqCheckpoint& checkpoint,
                                         ModelKind kind,
                                         const Architecture& arch, bool strict);

}  // namespace fairport::wav2vec2_encoder

#endif  // FAIRPORT_FAMILIES_WAV2VEC2_ENCODER_MAPPING_H_
