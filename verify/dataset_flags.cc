#include "verify/dataset_flags.h"

#include <cstdlib>
#include <filesystem>

#include "absl/flags/flag.h"
#include "absl/status/status.h"
#include "base/user_path.h"

ABSL_FLAG(std::string, dataset, "",
          "dataset manifest (JSON); or give audio files as arguments");
ABSL_FLAG(bool, resample, false,
          "resample audio that is not 16 kHz instead of refusing it");

namespace fairport {

absl::StatusOr<Dataset> DatasetFromFlags(std::vector<std::string> files) {
  for (std::string& f : files) f = ResolveUserPath(f);
  AudioReadOptions options;
  options.resample = absl::GetFlag(FLAGS_resample);
  return LoadDataset(ResolveUserPath(absl::GetFlag(FLAGS_dataset)), files,
                     options);
}

absl::StatusOr<Dataset> DatasetFromFlagsOrDefault(
    std::vector<std::string> files, const std::string& argv0) {
  if (!files.empty() || !absl::GetFlag(FLAGS_dataset).empty())
    return DatasetFromFlags(std::move(files));
  constexpr char kDefault[] = "/fairport/datasets/default/manifest.json";
  std::vector<std::string> candidates;
  if (const char* dir = std::getenv("RUNFILES_DIR"); dir != nullptr && *dir)
    candidates.push_back(std::string(dir) + kDefault);
  candidates.push_back(argv0 + ".runfiles" + kDefault);
  for (const std::string& manifest : candidates) {
    std::error_code error;
    if (std::filesystem::is_regular_file(manifest, error))
      return LoadDatasetManifest(manifest);
  }
  return absl::InvalidArgumentError(
      "no dataset given, and the bundled default set is not in this "
      "binary's runfiles (run it with `bazel run`, or give "
      "--dataset=manifest.json or audio files)");
}

}  // namespace fairport
