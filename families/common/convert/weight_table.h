// An exact fairseq -> transformers weight table and the mapping it makes:
// patterns in which `#` stands for a layer index, checked against the
// parameters the HF config implies, each filled exactly once with the
// shape the config gives. Shared by the families; knows none of them.
#ifndef FAIRPORT_FAMILIES_COMMON_CONVERT_WEIGHT_TABLE_H_
#define FAIRPORT_FAMILIES_COMMON_CONVERT_WEIGHT_TABLE_H_

#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "fairseq/checkpoint.h"
#include "families/family.h"

namespace fairport {

struct WeightRule {
  const char* fairseq;
  const char* hf;
};

struct SkipRule {
  // Relative to the encoder model: a prefix, or a whole name in which `#`
  // stands for a layer index.
  const char* prefix;
  const char* category;
};

struct HfParameter {
  std::string name;
  std::vector<int64_t> shape;
  // An int64 buffer (BatchNorm's num_batches_tracked): filled only from an
  // int64 tensor, never cast. Every other parameter is floating point.
  bool integer = false;
};

struct WeightTable {
  // "transformers' Wav2Vec2 model", for messages.
  std::string model_name;
  // Encoder rules: fairseq names relative to the encoder (under
  // `fairseq_prefix`), HF names relative to its model (under `hf_prefix`).
  absl::Span<const WeightRule> encoder_rules;
  std::string fairseq_prefix;  // "w2v_encoder.w2v_model." for CTC models
  std::string hf_prefix;       // e.g. "wav2vec2." inside a head model
  // Head rules: full names on both sides (CTC head, pretraining head).
  absl::Span<const WeightRule> head_rules;
  // Training-only weights with no place in transformers' model.
  absl::Span<const SkipRule> skip_rules;
  // Every parameter of transformers' model, full names.
  std::vector<HfParameter> expected;
  // Full HF names that a fairseq tensor maps to but the config leaves out,
  // with the category the summary lists them under.
  std::map<std::string, std::string> dropped;
  // Parameters the checkpoint may lack, filled with a made tensor, and the
  // note that says so.
  struct Filler {
    std::shared_ptr<const GeneratedTensor> tensor;
    std::string note;
  };
  std::map<std::string, Filler> fill_missing;
  // Full fairseq names the family maps itself (one language's row of
  // stacked adapters, families/wav2vec2_encoder/attn_adapters.h): left
  // alone here, as are the HF parameters it fills (absent from `expected`).
  std::set<std::string> mapped_elsewhere;
};

// transformers' Wav2Vec2EncoderLayer parameters (Data2VecAudio's and
// Hubert's are copies) of `layers` layers under `prefix` +
// "encoder.layers.<l>.".
void AppendEncoderLayerParameters(const std::string& prefix, int64_t layers,
                                  int64_t hidden, int64_t intermediate,
                                  std::vector<HfParameter>& out);

// Matches `name` against `pattern`, collecting what each `#` stands for.
bool MatchPattern(absl::string_view pattern, absl::string_view name,
                  std::vector<std::string>& indices);

// Maps every fairseq tensor through `table`. In strict mode an unknown
// fairseq tensor is an error; otherwise it is listed in `unmapped`.
absl::StatusOr<WeightMapping> MapByTable(const FairseqCheckpoint& checkpoint,
                                         const WeightTable& table, bool strict);

// (rows, columns) identity matrix and a zero vector of `rows`, as `dtype`.
std::shared_ptr<const GeneratedTensor> IdentityMatrix(int64_t n, DType dtype);
std::shared_ptr<const GeneratedTensor> ZeroVector(int64_t n, DType dtype);
// A tensor of `shape` holding `value` everywhere, as `dtype`.
std::shared_ptr<const GeneratedTensor> FilledTensor(std::vector<int64_t> shape,
                                                    float value, DType dtype);

}  // namespace fairport

#endif  // FAIRPORT_FAMILIES_COMMON_CONVERT_WEIGHT_TABLE_H_
