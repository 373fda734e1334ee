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

// DatasetFromFlags, or Fairport's bundled default set (datasets/default, in
// the runfiles of a binary that has it as data) when neither --dataset nor
// audio files name one. `argv0` locates the runfiles outside `bazel run`.
absl::StatusOr<Dataset> DatasetFromFlagsOrDefault(
    std::vector<std::string> files, const std::string& argv0);

}  // namespace fairport

#endif  // FAIRPORT_VERIFY_DATASET_FLAGS_H_
