// Either side's weights as float32 LibTorch tensors, for the forward
// passes: the ORIGINAL fairseq state dict under its names, or a converted
// directory's model.safetensors under transformers' names.
#ifndef FAIRPORT_FAMILIES_COMMON_PASSES_WEIGHTS_H_
#define FAIRPORT_FAMILIES_COMMON_PASSES_WEIGHTS_H_

#include <map>
#include <string>

#include "ATen/core/Tensor.h"
#include "absl/status/statusor.h"
#include "fairseq/checkpoint.h"
#include "formats/pickle.h"

namespace fairport {

using Weights = std::map<std::string, at::Tensor>;

// Every floating-point tensor of the checkpoint's model dict.
absl::StatusOr<Weights> FairseqWeights(const FairseqCheckpoint& checkpoint);

// Every floating-point tensor of a pickled dict of tensors inside the
// checkpoint (e.g. the released MMS layout's adapter[lang]["model"]);
// `where` names the dict in errors.
absl::StatusOr<Weights> FairseqDictWeights(const FairseqCheckpoint& checkpoint,
                                           const PickleValue& dict,
                                           const std::string& where);

// Every tensor of a safetensors file (BatchNorm's integer step counters
// skipped).
absl::StatusOr<Weights> SafetensorsWeights(const std::string& path);

// `model_dir`/model.safetensors.
std::string HfWeightsPath(const std::string& model_dir);

// Every tensor of HfWeightsPath(model_dir).
absl::StatusOr<Weights> HfWeights(const std::string& model_dir);

}  // namespace fairport

#endif  // FAIRPORT_FAMILIES_COMMON_PASSES_WEIGHTS_H_
