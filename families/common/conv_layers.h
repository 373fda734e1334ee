// Parses fairseq's `conv_feature_layers`, a string holding a Python
// expression such as "[(512, 10, 5)] + [(512, 3, 2)] * 4 + [(512, 2, 2)] * 2",
// without evaluating it. The grammar: list literals of int 3-tuples joined
// by `+`, each optionally repeated by `* int` (or `int *`).
#ifndef FAIRPORT_FAMILIES_COMMON_CONV_LAYERS_H_
#define FAIRPORT_FAMILIES_COMMON_CONV_LAYERS_H_

#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace fairport {

struct ConvLayer {
  int64_t dim;
  int64_t kernel;
  int64_t stride;
};

absl::StatusOr<std::vector<ConvLayer>> ParseConvFeatureLayers(
    absl::string_view text);

// Samples the first output frame of a stack of unpadded convolutions sees.
int64_t ConvReceptiveField(const std::vector<int64_t>& kernels,
                           const std::vector<int64_t>& strides);
// Frames the stack makes of `samples` samples (0 when too short): the
// conv-length formula of fairseq's and transformers'
// _get_feat_extract_output_lengths.
int64_t ConvOutputFrames(const std::vector<int64_t>& kernels,
                         const std::vector<int64_t>& strides, int64_t samples);
// The fewest samples that make `frames` frames (frames >= 1), or INT64_MAX
// when that does not fit (a hostile stack or frame count).
int64_t ConvInputSamples(const std::vector<int64_t>& kernels,
                         const std::vector<int64_t>& strides, int64_t frames);

}  // namespace fairport

#endif  // FAIRPORT_FAMILIES_COMMON_CONV_LAYERS_H_
