// audit: checks a Hugging Face model directory written by anyone (the Hub,
// transformers' own conversion scripts, Fairport) against the fairseq
// checkpoint it came from, in one command: the original model's outputs
// (fairseq-structured pass on the checkpoint alone), the directory's
// (HF-structured pass on its files alone), and the same parity report and
// exit status as `parity` (0 passed, 3 failed, 1 bad input, 2 bad usage).
#include <cstdint>
#include <cstdio>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "base/cli.h"
#include "base/files.h"
#include "base/progress.h"
#include "base/user_path.h"
#include "ops/openmp.h"
#include "verify/batched_forward.h"
#include "verify/dataset_flags.h"
#include "verify/parity.h"
#include "verify/report_file.h"

ABSL_FLAG(std::string, checkpoint_path, "",
          "the fairseq checkpoint.pt the directory claims to hold");
ABSL_FLAG(std::string, model_dir, "", "Hugging Face model directory to audit");
ABSL_FLAG(
    std::string, output, "",
    "parity report to write (JSON; a Markdown table is written beside it)");
ABSL_FLAG(std::string, reference_output, "",
          "also keep the original model's outputs here (safetensors)");
ABSL_FLAG(double, atol, 1e-4, "largest absolute difference that passes");
ABSL_FLAG(bool, fail_on_mismatch, true, "exit 3 when parity fails");
ABSL_FLAG(int64_t, batch_size, fairport::kDefaultBatchSize,
          "utterances per padded batch, in the dataset's order, for both "
          "passes (0: the whole dataset as one batch)");

namespace {

constexpr int kExitParityFailed = 3;

int Main(int argc, char** argv) {
  using namespace fairport;
  ops::UsePassiveOpenMpWaits(argv);
  std::vector<std::string> files = ParseFlagsOrExit(
      argc, argv,
      "audit --checkpoint_path=checkpoint.pt --model_dir=DIR "
      "--output=audit.json [--dataset=manifest.json | audio files]");
  const std::string checkpoint =
      ResolveUserPath(absl::GetFlag(FLAGS_checkpoint_path));
  const std::string model_dir = ResolveUserPath(absl::GetFlag(FLAGS_model_dir));
  const std::string output = ResolveUserPath(absl::GetFlag(FLAGS_output));
  const std::string reference_output =
      ResolveUserPath(absl::GetFlag(FLAGS_reference_output));
  if (checkpoint.empty() || model_dir.empty() || output.empty()) {
    ExitBadUsage("--checkpoint_path, --model_dir and --output are required");
  }
  if (!(absl::GetFlag(FLAGS_atol) > 0)) ExitBadUsage("--atol must be positive");
  PassOptions options;
  options.batch_size = absl::GetFlag(FLAGS_batch_size);
  if (options.batch_size < 0) ExitBadUsage("--batch_size must be 0 or more");
  options.progress = ProgressOutput::Stderr();
  absl::StatusOr<Dataset> dataset = DatasetFromFlagsOrDefault(files, argv[0]);
  if (!dataset.ok()) return ReportError(dataset.status());
  absl::StatusOr<ReferenceOutputs> reference =
      ComputeReference(checkpoint, *dataset, options);
  if (!reference.ok()) return ReportError(reference.status());
  if (!reference_output.empty()) {
    if (absl::Status written = WriteReferenceFile(*reference, reference_output);
        !written.ok())
      return ReportError(written);
  }
  absl::StatusOr<ParityReport> report =
      CompareWithReference(model_dir, *dataset, *reference, checkpoint,
                           absl::GetFlag(FLAGS_atol), options);
  if (!report.ok()) return ReportError(report.status());
  const std::string markdown = ReportMarkdown(*report);
  for (const auto& [path, text] :
       {std::pair{output, ReportJson(*report)},
        std::pair{ReportMarkdownPath(output), markdown}}) {
    if (absl::Status written = WriteFileAtomically(path, text); !written.ok())
      return ReportError(written);
  }
  std::fputs(markdown.c_str(), stdout);
  if (!report->passed() && absl::GetFlag(FLAGS_fail_on_mismatch)) {
    std::fprintf(stderr, "audit: error: %s: %s\n", model_dir.c_str(),
                 FailedParitySummary(*report).c_str());
    return kExitParityFailed;
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) { return fairport::RunTool(argc, argv, Main); }
