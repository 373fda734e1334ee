// The weights of wav2vec 2.0's feature front end, shared by the families
// built on Wav2Vec2Model (wav2vec 2.0, HuBERT, the conformer): fairseq's
// ConvFeatureExtractionModel, layer_norm and post_extract_proj against
// transformers' feature_extractor and feature_projection (families.md).
// Conversion side: rules and parameters for a WeightTable.
#ifndef FAIRPORT_FAMILIES_COMMON_CONVERT_CONV_FEATURE_WEIGHTS_H_
#define FAIRPORT_FAMILIES_COMMON_CONVERT_CONV_FEATURE_WEIGHTS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/types/span.h"
#include "fairseq/checkpoint.h"
#include "families/common/convert/weight_table.h"

namespace fairport {

// One rule a tensor: conv layers (with their GroupNorm or LayerNorms), the
// feature LayerNorm and post_extract_proj.
absl::Span<const WeightRule> ConvFeatureRules();

// The rules of several tables, in order.
std::vector<WeightRule> JoinWeightRules(
    std::initializer_list<absl::Span<const WeightRule>> parts);

struct ConvFeatureShape {
  std::vector<int64_t> conv_dim, conv_kernel;
  bool conv_bias = false;
  bool group_norm = true;  // GroupNorm on the first conv only, else LayerNorms
  bool projection_layer_norm = true;  // HuBERT's feat_proj_layer_norm
  int64_t hidden_size = 0;
};

// feature_extractor.* and feature_projection.* under `prefix`.
void AppendConvFeatureParameters(const std::string& prefix,
                                 const ConvFeatureShape& shape,
                                 std::vector<HfParameter>& out);

// fairseq builds post_extract_proj only when the conv width differs from
// the model width; transformers always has the projection (its own scripts
// leave it at its random initialisation). Where the checkpoint has none,
// fills it with the identity and a zero bias in the feature LayerNorm's
// dtype, and the summary says so.
void FillIdentityProjection(const FairseqCheckpoint& checkpoint,
                            int64_t conv_width, int64_t hidden_size,
                            WeightTable& table);

}  // namespace fairport

#endif  // FAIRPORT_FAMILIES_COMMON_CONVERT_CONV_FEATURE_WEIGHTS_H_
