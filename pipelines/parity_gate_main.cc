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
  // A report over languages (a model with per-language adapters) passes
  // only when each language's does, each having compared utterances.
  for (const ParityReport& language : report.languages()) {
    if (!language.passed() || language.utterances().empty()) {
      return absl::InvalidArgumentError(absl::StrCat(
          report_path, ": the report says passed, but its language '",
          language.language(), "' ",
          language.passed() ? "compares no utterance" : "failed"));
    }
  }
  const int utterances = report.languages().empty()
                             ? report.utterances_size()
                             : report.languages(0).utterances_size();
  if (utterances == 0) {
    return absl::InvalidArgumentError(
        absl::StrCat(report_path, ": the report compares no utterance"));
  }
  std::printf(
      "parity passed: %s (%d utterances%s, max abs diff %g, tolerance %g)\n",
      report_path.c_str(), utterances,
      report.languages().empty()
          ? ""
          : absl::StrCat(" in each of ", report.languages_size(), " languages")
                .c_str(),
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
