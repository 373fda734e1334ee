#include "verify/report_file.h"

#include "absl/status/status.h"
#include "absl/strings/strip.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/util/json_util.h"

namespace fairport {

std::string ReportMarkdownPath(const std::string& json_path) {
  absl::string_view stem = json_path;
  absl::ConsumeSuffix(&stem, ".json");
  return absl::StrCat(stem, ".md");
}

absl::StatusOr<ParityReport> ParseParityReport(absl::string_view json,
                                               const std::string& path) {
  ParityReport report;
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = false;
  if (!google::protobuf::util::JsonStringToMessage(std::string(json), &report,
                                                   options)
           .ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": not a fairport.ParityReport"));
  }
  return report;
}

std::string FailedParitySummary(const ParityReport& report) {
  return absl::StrCat("parity FAILED (max abs diff ",
                      report.overall().max_abs_diff(), ", tolerance ",
                      report.atol(), ")");
}

}  // namespace fairport
