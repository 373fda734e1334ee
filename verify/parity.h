// Reference outputs (fairseq-structured forward on the original weights)
// and the parity check of a converted directory against them.
#ifndef FAIRPORT_VERIFY_PARITY_H_
#define FAIRPORT_VERIFY_PARITY_H_

#include <string>

#include "absl/status/statusor.h"
#include "datasets/dataset.h"
#include "proto/parity_report.pb.h"

namespace fairport {

// Runs the original model on `dataset` and writes `output`
// (safetensors: "output", "layers.<l>" for pretrained models,
// "valid_frames"; provenance in its metadata). Returns a one-line summary.
absl::StatusOr<std::string> WriteReference(const std::string& checkpoint_path,
                                           const Dataset& dataset,
                                           const std::string& output);

// Runs the converted model in `model_dir` on `dataset` and compares with
// the reference file.
absl::StatusOr<ParityReport> CheckParity(const std::string& model_dir,
                                         const Dataset& dataset,
                                         const std::string& reference_path,
                                         double atol);

std::string ReportJson(const ParityReport& report);
std::string ReportMarkdown(const ParityReport& report);

}  // namespace fairport

#endif  // FAIRPORT_VERIFY_PARITY_H_
