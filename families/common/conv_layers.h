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

}  // namespace fairport

#endif  // FAIRPORT_FAMILIES_COMMON_CONV_LAYERS_H_
