// What every family's LoadFairseq / LoadHf (families/forward_family.h) does
// alike around its own model: the LoadedModel's fields from an
// Architecture (any family's: conv stack, CTC head), the side's
// normalisation, the HF side's weight check against transformers' class,
// and the pass built behind ForwardPass.
#ifndef FAIRPORT_FAMILIES_COMMON_PASSES_LOADED_MODEL_H_
#define FAIRPORT_FAMILIES_COMMON_PASSES_LOADED_MODEL_H_

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "fairseq/checkpoint.h"
#include "families/common/conv_layers.h"
#include "families/common/passes/hf_state_dict.h"
#include "families/common/passes/model_pass.h"
#include "families/common/passes/weights.h"
#include "families/forward_family.h"
#include "ops/torch_errors.h"

namespace fairport {

// The fields an Architecture decides; `description` is the fairseq kind
// or the transformers class.
template <typename Architecture>
LoadedModel LoadedModelOf(const Architecture& a, std::string description,
                          absl::string_view model_type) {
  LoadedModel model;
  model.ctc = a.ctc;
  model.vocab_size = a.ctc ? a.vocab_size : 0;
  model.description = std::move(description);
  model.model_type = std::string(model_type);
  model.receptive_field = ConvReceptiveField(a.conv_kernel, a.conv_stride);
  return model;
}

// An error, naming `source`, when a model without per-language adapters
// is asked for a language.
absl::Status RefuseLanguage(const std::string& source,
                            const std::string& language);

// fairseq side: whether the task normalises each utterance
// (cfg.task.normalize; absent: no).
absl::Status ReadFairseqNormalize(const FairseqCheckpoint& checkpoint,
                                  LoadedModel& model);

// HF side: model.safetensors against transformers' `state_dict`, the
// findings into `model`. No weights when transformers would run on random
// ones (a weight the eval forward reads is missing): then there is no pass
// to compare.
absl::StatusOr<std::optional<Weights>> LoadHfWeights(
    const std::string& model_dir,
    const std::vector<HfStateDictEntry>& state_dict, LoadedModel& model);

// model.pass = ModelPass<Model>(mask, shape, args...), a LibTorch error
// (e.g. a missing weight) reported against `source`.
template <typename Model, typename... Args>
absl::Status BuildPass(const std::string& source, LoadedModel& model,
                       MaskConvention mask, EncoderShape shape,
                       Args&&... args) {
  return ops::CatchTorchErrors(source, [&] {
    model.pass = std::make_unique<ModelPass<Model>>(
        mask, std::move(shape), std::forward<Args>(args)...);
    return absl::OkStatus();
  });
}

}  // namespace fairport

#endif  // FAIRPORT_FAMILIES_COMMON_PASSES_LOADED_MODEL_H_
