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
#include "google/protobuf/util/json_util.h"
#include "proto/parity_report.pb.h"

namespace fairport {
namespace {

absl::Status Gate(const std::vector<std::string>& files) {
  std::string report_path;
  for (const std::string& f : files)
    if (absl::EndsWith(f, ".json")) report_path = f;
  if (report_path.empty()) ExitBadUsage("give the parity report's .json file");
  ASSIGN_OR_RETURN(std::string json, ReadFile(report_path));
  ParityReport report;
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = false;
  if (!google::protobuf::util::JsonStringToMessage(json, &report, options)
           .ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(report_path, ": not a fairport.ParityReport"));
  }
  if (report.utterances().empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(report_path, ": the report compares no utterance"));
  }
  if (!report.passed()) {
    std::string md_path = report_path.substr(0, report_path.size() - 5) + ".md";
    absl::StatusOr<std::string> markdown = ReadFile(md_path);
    if (markdown.ok()) std::fputs(markdown->c_str(), stdout);
    return absl::FailedPreconditionError(absl::StrCat(
        report_path, ": parity FAILED (max abs diff ",
        report.overall().max_abs_diff(), ", tolerance ", report.atol(), ")"));
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
