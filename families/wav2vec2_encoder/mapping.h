// The exact fairseq -> transformers weight mapping for wav2vec 2.0 and
// HuBERT (families.md): a table of patterns checked against the
// parameters the HF config implies.
#ifndef FAIRPORT_FAMILIES_WAV2VEC2_ENCODER_MAPPING_H_
#define FAIRPORT_FAMILIES_WAV2VEC2_ENCODER_MAPPING_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "fairseq/checkpoint.h"
#include "families/common/convert/weight_table.h"
#include "families/wav2vec2_encoder/config.h"

namespace fairport::wav2vec2_encoder {

// Every parameter of transformers' model for `arch`, sorted by name, but
// for the attention adapters and CTC head of an adapter model, which are
// placed per language (attn_adapters.h).
std::vector<HfParameter> ExpectedParameters(const Architecture& arch);

// Maps every fairseq tensor; where fairseq has no post_extract_proj (the
// conv width is the model width), the projection transformers always has
// is written as the identity, and a note says so. An adapter model's
// model.safetensors holds `language`'s adapters and head ("": the first
// language's), and every language's go into extra_files.
absl::StatusOr<WeightMapping> MapWeights(const FairseqCheckpoint& checkpoint,
                                         ModelKind kind,
                                         const Architecture& arch, bool strict,
                                         const std::string& language);

}  // namespace fairport::wav2vec2_encoder

#endif  // FAIRPORT_FAMILIES_WAV2VEC2_ENCODER_MAPPING_H_
