// parity: runs the CONVERTED model (HF-structured forward pass on
// config.json + model.safetensors) on the same dataset as a reference file
// and reports how far apart they are. Exit status 3 when parity fails.
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "base/cli.h"
#include "base/files.h"
#include "base/progress.h"
#include "base/user_path.h"
#include "ops/openmp.h"
#include "verify/dataset_flags.h"
#include "verify/parity.h"
#include "verify/report_file.h"

ABSL_FLAG(std::string, model_dir, "", "converted Hugging Face model directory");
ABSL_FLAG(std::vector<std::string>, reference, {},
          "reference outputs written by `reference`; for a model with "
          "per-language adapters, one file per language, comma-separated "
          "(every language must be checked)");
ABSL_FLAG(
    std::string, output, "",
    "parity report to write (JSON; a Markdown table is written beside it)");
ABSL_FLAG(double, atol, 1e-4, "largest absolute difference that passes");
ABSL_FLAG(int64_t, batch_size, 0,
          "utterances per padded batch; 0 (the default): the reference's "
          "batches, which any other value must equal");
ABSL_FLAG(bool, fail_on_mismatch, true,
          "exit 3 when parity fails (pipelines turn this off and gate on the "
          "report instead)");

namespace {

constexpr int kExitParityFailed = 3;

}  // namespace

namespace {

int Main(int argc, char** argv) {
  using namespace fairport;
  ops::UsePassiveOpenMpWaits(argv);
  std::vector<std::string> files = ParseFlagsOrExit(
      argc, argv,
      "parity --model_dir=DIR --reference=reference.safetensors "
      "--dataset=manifest.json --output=parity.json");
  const std::string model_dir = ResolveUserPath(absl::GetFlag(FLAGS_model_dir));
  std::vector<std::string> references;
  for (const std::string& r : absl::GetFlag(FLAGS_reference))
    references.push_back(ResolveUserPath(r));
  const std::string output = ResolveUserPath(absl::GetFlag(FLAGS_output));
  if (model_dir.empty() || references.empty() || output.empty()) {
    ExitBadUsage("--model_dir, --reference and --output are required");
  }
  if (!(absl::GetFlag(FLAGS_atol) > 0)) ExitBadUsage("--atol must be positive");
  PassOptions options;
  options.batch_size = absl::GetFlag(FLAGS_batch_size);
  if (options.batch_size < 0) ExitBadUsage("--batch_size must be 0 or more");
  options.progress = ProgressOutput::Stderr();
  absl::StatusOr<Dataset> dataset = DatasetFromFlags(files);
  if (!dataset.ok()) return ReportError(dataset.status());
  absl::StatusOr<ParityReport> report = CheckParityOfReferences(
      model_dir, *dataset, references, absl::GetFlag(FLAGS_atol), options);
  if (!report.ok()) return ReportError(report.status());
  const std::string markdown = ReportMarkdown(*report);
  const std::string md_path = ReportMarkdownPath(output);
  for (const auto& [path, text] :
       {std::pair{output, ReportJson(*report)}, std::pair{md_path, markdown}}) {
    if (absl::Status written = WriteFileAtomically(path, text); !written.ok())
      return ReportError(written);
  }
  std::fputs(markdown.c_str(), stdout);
  if (!report->passed() && absl::GetFlag(FLAGS_fail_on_mismatch)) {
    std::fprintf(stderr, "parity: error: %s: %s\n", model_dir.c_str(),
                 FailedParitySummary(*report).c_str());
    return kExitParityFailed;
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) { return fairport::RunTool(argc, argv, Main); }
