// Reference outputs (fairseq-structured forward on the original weights)
// and the parity check of a converted directory against them.
#ifndef FAIRPORT_VERIFY_PARITY_H_
#define FAIRPORT_VERIFY_PARITY_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "base/progress.h"
#include "datasets/dataset.h"
#include "proto/parity_report.pb.h"
#include "verify/reference_outputs.h"

namespace fairport {

// How the passes run the dataset.
struct PassOptions {
  // Utterances per padded batch (verify/batched_forward.h). ComputeReference:
  // 0 runs the dataset as one batch. CompareWithReference: 0 runs the
  // reference's batches; any other number must make the same batches, or
  // the comparison is refused.
  int64_t batch_size = 0;
  // Where each pass shows its progress over the utterances (nowhere unless
  // set).
  ProgressOutput progress;
  // ComputeReference: the corpus key (language) whose adapters a model
  // with per-language adapters runs; "" the first.
  std::string language;
};

// Runs the original model (its fairseq config and weights only) on
// `dataset`: its output and every stage on the way, and the batch size
// when it ran more than one batch.
absl::StatusOr<ReferenceOutputs> ComputeReference(
    const std::string& checkpoint_path, const Dataset& dataset,
    const PassOptions& options = {});

// ComputeReference, written to `output` (verify/reference_outputs.h).
// Returns a one-line summary.
absl::StatusOr<std::string> WriteReference(const std::string& checkpoint_path,
                                           const Dataset& dataset,
                                           const std::string& output,
                                           const PassOptions& options = {});

// Runs the converted model in `model_dir` (its files only) on `dataset`,
// in the reference's batches, and compares it, stage by stage, with the
// reference outputs (`reference_name` names them in messages). A report
// that fails says where: the first stage beyond `atol`, or the weights
// transformers would initialise randomly that the forward reads.
absl::StatusOr<ParityReport> CompareWithReference(
    const std::string& model_dir, const Dataset& dataset,
    const ReferenceOutputs& reference, const std::string& reference_name,
    double atol, const PassOptions& options = {});

// CompareWithReference against a reference file.
absl::StatusOr<ParityReport> CheckParity(const std::string& model_dir,
                                         const Dataset& dataset,
                                         const std::string& reference_path,
                                         double atol,
                                         const PassOptions& options = {});

// CheckParity against several reference files: one per language of a
// model with per-language adapters (each compared with the converted
// directory plus that language's adapter file), reported as one report
// with a report per language, which passes only when every language of
// the checkpoint and every adapter file of the directory was checked and
// passed. A single reference without a language gives CheckParity's
// report.
absl::StatusOr<ParityReport> CheckParityOfReferences(
    const std::string& model_dir, const Dataset& dataset,
    const std::vector<std::string>& reference_paths, double atol,
    const PassOptions& options = {});

std::string ReportJson(const ParityReport& report);
std::string ReportMarkdown(const ParityReport& report);

}  // namespace fairport

#endif  // FAIRPORT_VERIFY_PARITY_H_
