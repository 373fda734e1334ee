#include "verify/report_file.h"

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/strip.h"
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

// Where the report says the two models part, in one sentence.
std::string DivergenceText(const ParityReport& report) {
  const Divergence& d = report.first_divergence();
  if (!d.reason().empty()) {
    return absl::StrFormat("diverges from stage %d of %d, %s: %s", d.index(),
                           d.stages(), d.stage(), d.reason());
  }
  return absl::StrFormat(
      "diverges from stage %d of %d, %s: max abs diff %.3g%s; every stage "
      "before it is within the tolerance",
      d.index(), d.stages(), d.stage(), d.max_abs_diff(),
      d.utterance().empty() ? "" : absl::StrCat(" (", d.utterance(), ")"));
}

namespace {

// The first utterance whose decoded text or predicted label differs.
std::string TextMismatch(const ParityReport& report) {
  for (const UtteranceParity& u : report.utterances()) {
    if (u.reference_text() == u.converted_text()) continue;
    return absl::StrCat("; ", u.id(), ": the reference ",
                        report.classifier() ? "predicts '" : "reads '",
                        u.reference_text(), "', the converted model '",
                        u.converted_text(), "'");
  }
  return "";
}

}  // namespace

std::string FailedParitySummary(const ParityReport& report) {
  std::string why;
  if (!report.not_run_reason().empty()) {
    why = absl::StrCat("; not run: ", report.not_run_reason());
  } else if (report.has_first_divergence()) {
    why = absl::StrCat("; the converted model ", DivergenceText(report));
  } else {
    why = TextMismatch(report);
    for (const ParityReport& l : report.languages()) {
      if (!why.empty()) break;
      if (const std::string m = TextMismatch(l); !m.empty())
        why = absl::StrCat("; ", l.language(), m);
    }
  }
  return absl::StrCat("parity FAILED (max abs diff ",
                      report.overall().max_abs_diff(), ", tolerance ",
                      report.atol(), why, ")");
}

}  // namespace fairport
