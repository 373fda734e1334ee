// The exact fairseq -> transformers weight mapping for wav2vec2-conformer
// (conformer.md section 4): a table of patterns checked against the
// parameters the HF config implies.
#ifndef FAIRPORT_FAMILIES_WAV2VEC2_CONFORMER_MAPPING_H_
#define FAIRPORT_FAMILIES_WAV2VEC2_CONFORMER_MAPPING_H_

#include <vector>

#include "absl/status/statusor.h"
#include "fairseq/checkpoint.h"
#include "families/common/convert/weight_table.h"
#include "families/wav2vec2_conformer/config.h"

namespace fairport::wav2vec2_conformer {

// Every parameter and persistent buffer of transformers' model for
// `arch`, sorted by name.
std::vector<HfParameter> ExpectedParameters(const Architecture& arch);

// Maps every fairseq tensor. Where fairseq has no post_extract_proj the
// projection is the identity; a rotary model's one inv_freq is layer 0's,
// after checking that every layer stores the same values; BatchNorm's
// num_batches_tracked stays int64.
absl::StatusOr<WeightMapping> MapWeights(const FairseqCheckpoint& checkpoint,
                                         ModelKind kind,
                                         const Architecture& arch, bool strict);

}  // namespace fairport::wav2vec2_conformer

#endif  // FAIRPORT_FAMILIES_WAV2VEC2_CONFORMER_MAPPING_H_
