// parity_gate: passes (exit 0) only when a parity report says the
// conversion passed. Reads the fairport.ParityReport through its JSON
// mapping, never by searching its text. On a failed report it prints the
// report's Markdown table and exits 1. Arguments: the report's files (the
// .json and its .md, as a parity_report target gives them).
#include <cstdio>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "base/cli.h"
#include "base/files.h"
#include "base/status_macros.h"
#include "proto/parity_report.pb.h"
#include "verify/report_file.h"

namespace fairport {
namespace {

absl::Status Gate(const std::vector<std::string>& files) {
  std::string report_path;
  for (const std::string& f : files)
    if (absl::EndsWith(f, ".json")) report_path = f;
  if (report_path.empty()) ExitBadUsage("give the parity report's .json file");
  ASSIGN_OR_RETURN(std::string json, ReadFile(report_path));
  ASSIGN_OR_RETURN(ParityReport report, ParseParityReport(json, report_path));
  if (!report.passed()) {
    absl::StatusOr<std::string> markdown =
        ReadFile(ReportMarkdownPath(report_path));
    if (markdown.ok()) std::fputs(markdown->c_str(), stdout);
    return absl::FailedPreconditionError(
        absl::StrCat(report_path, ": ", FailedParitySummary(report)));
  }
  if (report.utterances().empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(report_path, ": the report compares no utterance"));
  }
  std::printf(
      "parity passed: %s (%d utterances, max abs diff %g, tolerance %g)\n",
      report_path.c_str(), report.utterances_size(),
      report.overall().max_abs_diff(), report.atol());
  return absl::OkStatus();
}

int Main(int argc, char** argv) {
  std::vector<std::string> files =
      ParseFlagsOrExit(argc, argv, "parity_gate parity.json [parity.md]");
  absl::Status status = Gate(files);
  return status.ok() ? 0 : ReportError(status);
}

}  // namespace
}  // namespace fairport

int main(int argc, char** argv) {
  return fairport::RunTool(argc, argv, fairport::Main);
}
