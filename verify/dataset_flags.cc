#include "verify/dataset_flags.h"

#include "absl/flags/flag.h"
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

}  // namespace fairport
