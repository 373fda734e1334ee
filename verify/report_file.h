// The parity report as files (no LibTorch): its JSON read back through
// protobuf's JSON mapping, and the Markdown twin beside it. The parity
// tool writes them; the parity gate, package and publish read them.
#ifndef FAIRPORT_VERIFY_REPORT_FILE_H_
#define FAIRPORT_VERIFY_REPORT_FILE_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "proto/parity_report.pb.h"

namespace fairport {

// parity.json -> parity.md (any other name gets ".md" appended).
std::string ReportMarkdownPath(const std::string& json_path);

// A fairport.ParityReport from its JSON; unknown fields are refused.
// Errors name `path`.
absl::StatusOr<ParityReport> ParseParityReport(absl::string_view json,
                                               const std::string& path);

// "parity FAILED (max abs diff X, tolerance Y; the converted model
// diverges from ...)": what a failed report says, in one line.
std::string FailedParitySummary(const ParityReport& report);

// "diverges from stage 2 of 7, feature projection: max abs diff ..." for a
// report with a first_divergence.
std::string DivergenceText(const ParityReport& report);

}  // namespace fairport

#endif  // FAIRPORT_VERIFY_REPORT_FILE_H_
