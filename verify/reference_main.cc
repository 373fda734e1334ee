// reference: runs the ORIGINAL fairseq model (fairseq-structured forward
// pass on the checkpoint's own weights) on a dataset and writes the
// reference outputs that parity compares against.
#include <cstdio>

#include "absl/flags/flag.h"
#include "base/cli.h"
#include "base/user_path.h"
#include "ops/openmp.h"
#include "verify/dataset_flags.h"
#include "verify/parity.h"

ABSL_FLAG(std::string, checkpoint_path, "", "fairseq checkpoint.pt");
ABSL_FLAG(std::string, output, "", "reference outputs to write (safetensors)");

namespace {

int Main(int argc, char** argv) {
  using namespace fairport;
  ops::UsePassiveOpenMpWaits(argv);
  std::vector<std::string> files = ParseFlagsOrExit(
      argc, argv,
      "reference --checkpoint_path=checkpoint.pt --dataset=manifest.json "
      "--output=reference.safetensors");
  const std::string checkpoint =
      ResolveUserPath(absl::GetFlag(FLAGS_checkpoint_path));
  const std::string output = ResolveUserPath(absl::GetFlag(FLAGS_output));
  if (checkpoint.empty()) ExitBadUsage("--checkpoint_path is required");
  if (output.empty()) ExitBadUsage("--output is required");
  absl::StatusOr<Dataset> dataset = DatasetFromFlags(files);
  if (!dataset.ok()) return ReportError(dataset.status());
  absl::StatusOr<std::string> summary =
      WriteReference(checkpoint, *dataset, output);
  if (!summary.ok()) return ReportError(summary.status());
  std::printf("%s\n", summary->c_str());
  return 0;
}

}  // namespace

int main(int argc, char** argv) { return fairport::RunTool(argc, argv, Main); }
