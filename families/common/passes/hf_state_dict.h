// The state_dict a transformers class has for a config, against the
// tensors of a converted directory's model.safetensors, as transformers'
// from_pretrained compares them: a tensor the class lacks is unused (a
// warning), a parameter the file lacks is initialised randomly (a
// warning), a shape that differs is an error ("size mismatch"). HF-pass
// side only: written from transformers' modules, not from the converter's
// mapping, so that the two can disagree.
#ifndef FAIRPORT_FAMILIES_COMMON_PASSES_HF_STATE_DICT_H_
#define FAIRPORT_FAMILIES_COMMON_PASSES_HF_STATE_DICT_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "families/common/passes/weights.h"
#include "families/forward_family.h"

namespace fairport {

struct HfStateDictEntry {
  std::string name;
  std::vector<int64_t> shape;
  bool read_in_eval = true;  // whether the eval forward parity runs reads it
  // Another spelling transformers' loader maps onto `name` (weight norm's
  // parametrizations.weight.original0/1 for weight_g/weight_v), or "".
  std::string alias;
};

// The parameters of a Transformer encoder layer (Wav2Vec2EncoderLayer and
// the classes copied from it) under `prefix` ("encoder.layers.3.").
void AppendHfEncoderLayer(const std::string& prefix, int64_t hidden,
                          int64_t intermediate,
                          std::vector<HfStateDictEntry>& out);

// nn.Linear / nn.LayerNorm / nn.Conv1d parameters under `prefix`.
void AppendHfLinear(const std::string& prefix, int64_t in, int64_t out_features,
                    bool read, std::vector<HfStateDictEntry>& out);
void AppendHfNorm(const std::string& prefix, int64_t channels,
                  std::vector<HfStateDictEntry>& out);

// Compares `weights` (model.safetensors at `file`) with `expected` of
// `hf_class`; renames an aliased weight in `weights` to its expected name.
absl::StatusOr<std::vector<WeightFinding>> CompareHfWeights(
    const std::vector<HfStateDictEntry>& expected, const std::string& hf_class,
    const std::string& file, Weights& weights);

// Whether any finding is a missing weight the eval forward reads.
bool ChangesOutput(const std::vector<WeightFinding>& findings);

}  // namespace fairport

#endif  // FAIRPORT_FAMILIES_COMMON_PASSES_HF_STATE_DICT_H_
