// The reference file that `reference` writes and `parity` reads, read as
// hostile input: every entry's dtype, shape and size and the metadata
// parity relies on are checked before any byte is copied.
//
// Entries: "output" F32 (B, T, C) with B the dataset's utterances and T, C
// at least 1; "valid_frames" I64 (B) with 0 <= v <= T; "layers.<l>" F32 of
// the output's shape, numbered 0, 1, ... without gaps. Any other entry is
// refused. Metadata: dataset_sha256 (the dataset's), checkpoint_sha256 (64
// hex digits), output ("logits" or "last_hidden_state") and model_kind are
// required;
// frame_counting is optional (absent: the conv-length formula); format and
// utterances are not read (dataset_sha256 identifies the dataset).
#ifndef FAIRPORT_VERIFY_REFERENCE_FILE_H_
#define FAIRPORT_VERIFY_REFERENCE_FILE_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "torch/torch.h"

namespace fairport {

struct ReferenceOutputs {
  torch::Tensor output;               // (B, T, C) float
  torch::Tensor valid_frames;         // (B) long
  std::vector<torch::Tensor> layers;  // layers.0, layers.1, ...: (B, T, C)
  // The file's metadata, with the required keys present and checked.
  std::map<std::string, std::string> metadata;
};

// The reference for the dataset of SHA-256 `dataset_sha256` and
// `utterances` utterances. Errors are one line naming `path` and the entry
// or metadata key; a reference made on another dataset is refused first.
absl::StatusOr<ReferenceOutputs> ReadReference(
    const std::string& path, const std::string& dataset_sha256,
    int64_t utterances);

}  // namespace fairport

#endif  // FAIRPORT_VERIFY_REFERENCE_FILE_H_
