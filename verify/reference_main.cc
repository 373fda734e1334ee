// reference: runs the ORIGINAL fairseq model (fairseq-structured forward
// pass on the checkpoint's own weights) on a dataset and writes the
// reference outputs that parity compares against.
#include <cstdint>
#include <cstdio>

#include "absl/flags/flag.h"
#include "base/cli.h"
#include "base/progress.h"
#include "base/user_path.h"
#include "ops/openmp.h"
#include "verify/batched_forward.h"
#include "verify/dataset_flags.h"
#include "verify/parity.h"

ABSL_FLAG(std::string, checkpoint_path, "", "fairseq checkpoint.pt");
ABSL_FLAG(std::string, output, "", "reference outputs to write (safetensors)");
ABSL_FLAG(std::string, language, "",
          "a model with per-language adapters (MMS): the language (corpus "
          "key) whose adapters run; default the first; the file records it");
ABSL_FLAG(int64_t, batch_size, fairport::kDefaultBatchSize,
          "utterances per padded batch, in the dataset's order (0: the whole "
          "dataset as one batch); the file records it, and parity runs the "
          "same batches");

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
  PassOptions options;
  options.batch_size = absl::GetFlag(FLAGS_batch_size);
  if (options.batch_size < 0) ExitBadUsage("--batch_size must be 0 or more");
  options.progress = ProgressOutput::Stderr();
  options.language = absl::GetFlag(FLAGS_language);
  absl::StatusOr<Dataset> dataset = DatasetFromFlags(files);
  if (!dataset.ok()) return ReportError(dataset.status());
  absl::StatusOr<std::string> summary =
      WriteReference(checkpoint, *dataset, output, options);
  if (!summary.ok()) return ReportError(summary.status());
  std::printf("%s\n", summary->c_str());
  return 0;
}

}  // namespace

int main(int argc, char** argv) { return fairport::RunTool(argc, argv, Main); }
