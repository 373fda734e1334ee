// What `reference` computes from the ORIGINAL model and parity compares
// against, and its file, read as hostile input: every entry's dtype, shape
// and size and the metadata parity relies on are checked before any byte
// is copied.
//
// Entries: "output" F32 (B, T, C) with B the dataset's utterances and T, C
// at least 1, or (B, C) for an utterance classifier (metadata output
// "class_logits"), whose T is its stages'; "valid_frames" I64 (B) with
// 0 <= v <= T; "stages.<i>" F32 (B, T, C_i), numbered 0, 1, ... without
// gaps, named in order by the metadata's "stages" (';'-separated). Any
// other entry is refused.
// Metadata: dataset_sha256 (the dataset's), checkpoint_sha256 (64 hex
// digits), output ("logits", "last_hidden_state" or "class_logits") and
// model_kind are required; frame_counting is optional (absent: the
// conv-length formula), and so is batch_size (absent: the dataset ran as
// one padded batch; see verify/batched_forward.h), a positive integer when
// present; language (the adapters' corpus key, [A-Za-z0-9_-]+) with
// languages (all of the checkpoint's, comma-joined, the language among
// them), and labels (a classifier's, a JSON array of C strings) when the
// model has them.
#ifndef FAIRPORT_VERIFY_REFERENCE_OUTPUTS_H_
#define FAIRPORT_VERIFY_REFERENCE_OUTPUTS_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "ATen/core/Tensor.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "families/forward_family.h"

namespace fairport {

struct ReferenceOutputs {
  at::Tensor output;                 // (B, T, C) or a classifier's (B, C)
  at::Tensor valid_frames;           // (B) long, each in [0, T]
  std::vector<ForwardStage> stages;  // each (B, T, C_s) float
  // checkpoint_sha256, dataset_sha256, model_kind, output ("logits" or
  // "last_hidden_state"), frame_counting, utterances (ids, comma-joined),
  // batch_size (only when the dataset ran as more than one batch).
  std::map<std::string, std::string> metadata;
  // A classifier's labels, by class (written as metadata "labels").
  std::vector<std::string> labels;

  // The metadata value, or "" when absent.
  std::string Meta(const std::string& key) const;
};

// The metadata key of the utterances per padded batch.
inline constexpr char kBatchSizeKey[] = "batch_size";
// The metadata keys of the adapters' language and a classifier's labels,
// and the output kind of a classifier.
inline constexpr char kLanguageKey[] = "language";
// Every language of the checkpoint, comma-joined, beside kLanguageKey.
inline constexpr char kLanguagesKey[] = "languages";
inline constexpr char kLabelsKey[] = "labels";
inline constexpr char kClassLogits[] = "class_logits";

// The utterances per padded batch the outputs of a dataset of `utterances`
// utterances were computed in: metadata batch_size, or `utterances` (one
// batch) without it, and never more than `utterances`. An error when the
// metadata is not a positive integer.
absl::StatusOr<int64_t> ReferenceBatchSize(const ReferenceOutputs& reference,
                                           int64_t utterances);

absl::Status WriteReferenceFile(const ReferenceOutputs& reference,
                                const std::string& path);

// Reads and validates a reference file made on the dataset whose SHA-256
// is `dataset_sha256`, of `utterances` utterances.
absl::StatusOr<ReferenceOutputs> ReadReferenceFile(
    const std::string& path, const std::string& dataset_sha256,
    int64_t utterances);

}  // namespace fairport

#endif  // FAIRPORT_VERIFY_REFERENCE_OUTPUTS_H_
