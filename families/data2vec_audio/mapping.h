// The exact fairseq -> transformers weight mapping for data2vec audio
// (model-structure.md, section 2): a table of patterns in which `#` stands
// for a layer index, checked against the parameters the HF config implies.
#ifndef FAIRPORT_FAMILIES_DATA2VEC_AUDIO_MAPPING_H_
#define FAIRPORT_FAMILIES_DATA2VEC_AUDIO_MAPPING_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "fairseq/checkpoint.h"
#include "families/common/convert/weight_table.h"
#include "families/data2vec_audio/config.h"

namespace fairport::data2vec_audio {

// Every parameter transformers' Data2VecAudioModel / Data2VecAudioForCTC
// has for `arch`, sorted by name.
std::vector<HfParameter> ExpectedParameters(const Architecture& arch);

using ::fairport::HfParameter;
using ::fairport::MappedTensor;
using ::fairport::WeightMapping;

// Maps every fairseq tensor: each HF parameter is filled exactly once with
// the shape the config implies. In strict mode an unknown fairseq tensor is
// an error; otherwise it is listed in `unmapped`.
absl::StatusOr<WeightMapping> MapWeights(const FairseqCheckpoint& checkpoint,
                                         ModelKind kind,
                                         const Architecture& arch, bool strict);

}  // namespace fairport::data2vec_audio

#endif  // FAIRPORT_FAMILIES_DATA2VEC_AUDIO_MAPPING_H_
