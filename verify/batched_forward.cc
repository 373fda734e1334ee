#include "verify/batched_forward.h"

#include <algorithm>
#include <utility>

#include "ATen/TensorOperators.h"
#include "ATen/ops/cat.h"
#include "ATen/ops/constant_pad_nd.h"
#include "ATen/ops/from_blob.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace fairport {
namespace {

struct BatchTensors {
  at::Tensor values;          // (batch, longest) float
  at::Tensor attention_mask;  // (batch, longest) long
};

BatchTensors MakeInputs(const Dataset& dataset, UtteranceRange range,
                        bool normalize) {
  std::vector<std::vector<float>> utterances;
  for (int64_t i = range.begin; i < range.end; ++i)
    utterances.push_back(dataset.utterances[i].samples);
  AudioBatch batch = MakeBatch(utterances, normalize);
  BatchTensors t;
  t.values = at::from_blob(batch.values.data(), {batch.batch, batch.max_length},
                           at::kFloat)
                 .clone();
  t.attention_mask = at::from_blob(batch.attention_mask.data(),
                                   {batch.batch, batch.max_length}, at::kLong)
                         .clone();
  return t;
}

}  // namespace

std::vector<UtteranceRange> SplitIntoBatches(int64_t utterances,
                                             int64_t batch_size) {
  if (batch_size <= 0 || batch_size > utterances) batch_size = utterances;
  std::vector<UtteranceRange> batches;
  for (int64_t begin = 0; begin < utterances; begin += batch_size)
    batches.push_back({begin, std::min(begin + batch_size, utterances)});
  return batches;
}

absl::Status CheckUtteranceLengths(const Dataset& dataset,
                                   const LoadedModel& model) {
  const int64_t field = model.receptive_field;
  for (const Utterance& u : dataset.utterances) {
    if (static_cast<int64_t>(u.samples.size()) < field) {
      return absl::InvalidArgumentError(absl::StrCat(
          u.path, ": ", u.samples.size(),
          " samples is shorter than the feature extractor's receptive "
          "field of ",
          field, " samples"));
    }
  }
  return absl::OkStatus();
}

at::Tensor StackPadded(const std::vector<at::Tensor>& parts) {
  if (parts.size() == 1) return parts[0];
  // A classifier's (b, C) rows have no frames to pad.
  if (parts[0].dim() == 2) return at::cat(parts, 0);
  int64_t frames = 0;
  for (const at::Tensor& p : parts) frames = std::max(frames, p.size(1));
  std::vector<at::Tensor> padded;
  for (const at::Tensor& p : parts) {
    padded.push_back(at::constant_pad_nd(p, {0, 0, 0, frames - p.size(1)}, 0));
  }
  return at::cat(padded, 0);
}

DatasetForward ForwardInBatches(const LoadedModel& model,
                                const Dataset& dataset,
                                const std::vector<UtteranceRange>& batches,
                                bool with_stages, const BatchMask& mask,
                                ProgressMeter* progress) {
  std::vector<at::Tensor> outputs;
  std::vector<at::Tensor> valid_frames;
  std::vector<std::vector<at::Tensor>> stages;  // [stage][batch]
  std::vector<std::string> stage_names;
  DatasetForward result;
  for (const UtteranceRange& range : batches) {
    BatchTensors inputs = MakeInputs(dataset, range, model.normalize);
    at::Tensor batch_mask =
        mask ? mask(range, inputs.attention_mask) : inputs.attention_mask;
    ForwardOutput out =
        model.pass->Forward(inputs.values, batch_mask, with_stages);
    for (int64_t b = 0; b < batch_mask.size(0); ++b)
      result.mask_samples.push_back(batch_mask[b].sum().item<int64_t>());
    outputs.push_back(std::move(out.output));
    valid_frames.push_back(std::move(out.valid_frames));
    if (stages.empty()) {
      stages.resize(out.stages.size());
      for (const ForwardStage& s : out.stages) stage_names.push_back(s.name);
    }
    // The same model makes the same stages for every batch.
    TORCH_CHECK(out.stages.size() == stages.size(), "batch of utterances ",
                range.begin, "..", range.end - 1, " makes ", out.stages.size(),
                " stages, the first batch ", stages.size());
    for (size_t s = 0; s < stages.size(); ++s)
      stages[s].push_back(std::move(out.stages[s].states));
    if (progress != nullptr) progress->Update(range.end);
  }
  result.output.output = StackPadded(outputs);
  result.output.valid_frames =
      valid_frames.size() == 1 ? valid_frames[0] : at::cat(valid_frames, 0);
  for (size_t s = 0; s < stages.size(); ++s)
    result.output.stages.push_back({stage_names[s], StackPadded(stages[s])});
  return result;
}

}  // namespace fairport
