// wav2vec 2.0's pretraining head (quantizer, project_q, final_proj) as
// transformers' *ForPreTraining classes hold it (Wav2Vec2ForPreTraining,
// Wav2Vec2ConformerForPreTraining): whether a checkpoint has it, the
// config.json fields, the weight rules and the parameters. Conversion side.
#ifndef FAIRPORT_FAMILIES_COMMON_CONVERT_QUANTIZER_HEAD_H_
#define FAIRPORT_FAMILIES_COMMON_CONVERT_QUANTIZER_HEAD_H_

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "fairseq/checkpoint.h"
#include "families/common/convert/config_fields.h"
#include "families/common/convert/weight_table.h"
#include "families/family.h"
#include "nlohmann/json.hpp"

namespace fairport {

// Whether a pretrained checkpoint holds the quantizer over the features
// and both projections (fine-tuned checkpoints no longer do).
bool HasQuantizerHead(const FairseqCheckpoint& checkpoint, ModelKind kind);

// Refuses, through `refuse` (which names the field), a head transformers'
// single-layer quantizer cannot hold: quantizer_depth > 1, target_glu.
absl::Status CheckQuantizerHead(
    const ConfigView& enc,
    const std::function<absl::Status(absl::string_view)>& refuse);

// num_codevectors_per_group = latent_vars, num_codevector_groups =
// latent_groups, codevector_dim = latent_dim or final_dim,
// proj_codevector_dim = final_dim (the encoder width when 0), and the
// loss-only fields; the encoder config keeps them after fine-tuning too.
absl::Status WriteQuantizerConfigFields(const ConfigView& enc,
                                        int64_t hidden_size, nlohmann::json& c,
                                        TransformersDefaults& defaults,
                                        std::vector<std::string>& defaulted);

// quantizer.vars -> quantizer.codevectors, quantizer.weight_proj,
// project_q, final_proj -> project_hid: full names on both sides.
absl::Span<const WeightRule> QuantizerHeadRules();

struct QuantizerHeadShape {
  int64_t groups = 2;
  int64_t codevectors_per_group = 320;
  int64_t codevector_dim = 256;
  int64_t proj_codevector_dim = 256;
};

// The head's parameters at the top of the *ForPreTraining model.
void AppendQuantizerHeadParameters(const QuantizerHeadShape& head,
                                   int64_t hidden_size, int64_t conv_width,
                                   std::vector<HfParameter>& out);

}  // namespace fairport

#endif  // FAIRPORT_FAMILIES_COMMON_CONVERT_QUANTIZER_HEAD_H_
