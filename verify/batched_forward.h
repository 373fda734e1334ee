// A forward pass over a whole dataset in padded batches of consecutive
// utterances, laid out as one padded batch of the dataset would be.
//
// A padded batch's outputs depend on its padding (fairseq's and
// transformers' GroupNorm over the padded row, the conformer's depthwise
// convolution reading padded frames, fairseq HuBERT counting a padded
// utterance's frames from its sample mask), so the reference pass and the
// parity pass must run the same batches: batch b holds utterances
// [b * batch_size, (b + 1) * batch_size), each right-padded to the batch's
// longest. The outputs are (B, T, C) over the whole dataset, T the most
// frames of any batch, each batch's rows zero past its own frames (padded
// frames are zero in every batch). With one batch they are exactly the
// pass's outputs on the dataset's padded batch.
#ifndef FAIRPORT_VERIFY_BATCHED_FORWARD_H_
#define FAIRPORT_VERIFY_BATCHED_FORWARD_H_

#include <cstdint>
#include <functional>
#include <vector>

#include "ATen/core/Tensor.h"
#include "absl/status/statusor.h"
#include "base/progress.h"
#include "datasets/dataset.h"
#include "families/forward_family.h"

namespace fairport {

// Utterances per batch when the tools are not told (--batch_size): the
// bundled default set and every test set run as one batch, as before
// batches existed; a large dataset runs in batches, showing progress and
// keeping each batch's activations small.
inline constexpr int64_t kDefaultBatchSize = 16;

// Utterances [begin, end) of the dataset.
struct UtteranceRange {
  int64_t begin = 0;
  int64_t end = 0;
};

// The batches of `utterances` utterances in `batch_size`s (the last may hold
// fewer); batch_size 0, or at least `utterances`, makes one batch.
std::vector<UtteranceRange> SplitIntoBatches(int64_t utterances,
                                             int64_t batch_size);

// An error naming the first utterance shorter than the model's receptive
// field (no frame can be made of it).
absl::Status CheckUtteranceLengths(const Dataset& dataset,
                                   const LoadedModel& model);

// The sample mask a batch runs with, from the batch and the mask the
// dataset gives it ((batch, longest) long, 1 = valid sample).
using BatchMask =
    std::function<at::Tensor(UtteranceRange, const at::Tensor& mask)>;

struct DatasetForward {
  ForwardOutput output;  // (B, T, C), its stages (B, T, C_s), valid frames
  std::vector<int64_t> mask_samples;  // valid samples each row ran with
};

// Runs `model`'s pass over `batches` of the dataset, telling `progress`
// (may be null) of each batch's utterances as they finish. `mask` may be
// empty (the dataset's sample mask). LibTorch errors are thrown as
// c10::Error.
DatasetForward ForwardInBatches(const LoadedModel& model,
                                const Dataset& dataset,
                                const std::vector<UtteranceRange>& batches,
                                bool with_stages, const BatchMask& mask,
                                ProgressMeter* progress);

// (b_i, t_i, C) tensors stacked into (sum b_i, max t_i, C), each zero past
// its own t_i; (b_i, C) tensors (a classifier's) concatenated; one tensor
// is returned as it is.
at::Tensor StackPadded(const std::vector<at::Tensor>& parts);

}  // namespace fairport

#endif  // FAIRPORT_VERIFY_BATCHED_FORWARD_H_
