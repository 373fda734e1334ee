// What `reference` computes from the ORIGINAL model and parity compares
// against, and its file: safetensors with "output", "valid_frames" and
// "stages.<i>" (named in the metadata's "stages"), provenance in the
// metadata. The reader takes the file as hostile: every entry's dtype,
// rank and shape is checked against what parity needs before it is used.
#ifndef FAIRPORT_VERIFY_REFERENCE_OUTPUTS_H_
#define FAIRPORT_VERIFY_REFERENCE_OUTPUTS_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "families/forward_family.h"
#include "torch/torch.h"

namespace fairport {

struct ReferenceOutputs {
  torch::Tensor output;              // (B, T, C) float
  torch::Tensor valid_frames;        // (B) long, each in [0, T]
  std::vector<ForwardStage> stages;  // each (B, T, C_s) float
  // checkpoint_sha256, dataset_sha256, model_kind, output ("logits" or
  // "last_hidden_state"), frame_counting, utterances (ids, comma-joined).
  std::map<std::string, std::string> metadata;

  // The metadata value, or "" when absent.
  std::string Meta(const std::string& key) const;
};

absl::Status WriteReferenceFile(const ReferenceOutputs& reference,
                                const std::string& path);

// Reads and validates a reference file made on the dataset whose SHA-256
// is `dataset_sha256`, of `utterances` utterances.
absl::StatusOr<ReferenceOutputs> ReadReferenceFile(
    const std::string& path, const std::string& dataset_sha256,
    int64_t utterances);

}  // namespace fairport

#endif  // FAIRPORT_VERIFY_REFERENCE_OUTPUTS_H_
