// The --dataset and --resample flags `reference` and `parity` share, and the
// dataset they name.
#ifndef FAIRPORT_VERIFY_DATASET_FLAGS_H_
#define FAIRPORT_VERIFY_DATASET_FLAGS_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "datasets/dataset.h"

namespace fairport {

// The dataset --dataset names (a manifest), or the audio `files` given as
// arguments; relative paths resolve as the user typed them (under
// `bazel run` too).
absl::StatusOr<Dataset> DatasetFromFlags(std::vector<std::string> files);

}  // namespace fairport

#endif  // FAIRPORT_VERIFY_DATASET_FLAGS_H_
