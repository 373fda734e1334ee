// The seam between Fairport's tools and the model families it converts.
//
// A family (one package under families/) knows everything specific to one
// fairseq model family: which checkpoints are its own, the HF config it
// implies, the exact weight mapping, what transformers can represent, and
// (families/forward_family.h, LibTorch) both forward passes. The tools
// (converter/, verify/, pipelines/, bench/) reach families only through the
// registry (families/registry.h) and name none.
#ifndef FAIRPORT_FAMILIES_FAMILY_H_
#define FAIRPORT_FAMILIES_FAMILY_H_

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "fairseq/checkpoint.h"
#include "formats/dtype.h"
#include "nlohmann/json.hpp"

namespace fairport {

enum class ModelKind {
  kPretrained,  // the encoder alone
  kCtc,         // a fine-tuned CTC head over the encoder
  // A classifier over the mean-pooled encoder output (MMS language ID,
  // fairseq's wav2vec_classification); its labels are config.json's
  // id2label.
  kSequenceClassification,
};

// One language of a model whose adapters and CTC head are chosen by
// language (MMS, families/wav2vec2_encoder/attn_adapters.h): what the
// converter needs to name its files and find its vocabulary.
struct Language {
  // The corpus key, e.g. "eng": a safe file-name part (the file is
  // adapter.<name>.safetensors) and a vocab.json key.
  std::string name;
  // Rows of the language's CTC head: its dictionary size.
  int64_t head_rows = 0;
  // The language's dictionary (fairseq symbols by index) as the checkpoint
  // pickles it in a task_state, and where; empty when the checkpoint holds
  // none (the converter then reads --dict_path).
  std::vector<std::string> symbols;
  std::string symbols_source;
};

struct InferredConfig {
  ModelKind kind;
  nlohmann::json hf_config;  // config.json
  nlohmann::json preprocessor_config;
  // For the summary, what the checkpoint could not give: each fairseq
  // default used for a field its config lacks ("cfg.model.conv_pos missing:
  // fairseq default 128"), and one line listing the config.json fields
  // written at transformers' defaults.
  std::vector<std::string> defaulted;
};

// A tensor transformers' model needs that the checkpoint does not hold,
// made by the family (e.g. an identity projection where fairseq has none).
struct GeneratedTensor {
  DType dtype;
  std::vector<int64_t> shape;
  std::string bytes;  // little-endian, `dtype`
};

struct MappedTensor {
  std::string hf_name;
  std::string fairseq_name;  // what it came from, for people
  const TensorRef* tensor;   // nullptr for a generated tensor
  std::shared_ptr<const GeneratedTensor> generated;
  // A view the family made of a checkpoint tensor (one language's row of
  // an adapter stacked for all of them); `tensor` points at it.
  std::shared_ptr<const TensorRef> view;

  DType dtype() const {
    return tensor != nullptr ? tensor->storage->dtype : generated->dtype;
  }
  const std::vector<int64_t>& shape() const {
    return tensor != nullptr ? tensor->shape : generated->shape;
  }
  int64_t numel() const {
    int64_t n = 1;
    for (int64_t d : shape()) n *= d;
    return n;
  }
};

struct WeightMapping {
  std::vector<MappedTensor> tensors;  // sorted by hf_name
  // Training-only fairseq weights left out, by category.
  std::map<std::string, std::vector<std::string>> skipped;
  // Weights neither mapped nor known to be training-only (non-strict mode).
  std::vector<std::string> unmapped;
  // What the summary must tell, e.g. a generated tensor and why.
  std::vector<std::string> notes;
  // Safetensors files written next to model.safetensors, by file name
  // (e.g. "adapter.fra.safetensors": one language's adapters and head, as
  // transformers' load_adapter reads them), each sorted by hf_name. The
  // converter writes them without knowing what they hold.
  std::map<std::string, std::vector<MappedTensor>> extra_files;
};

// A synthetic checkpoint: the family's real layout and config, random
// weights (the embedded default, pipeline tests, benchmarks).
struct SyntheticOptions {
  // "tiny", "base", "large", or "1b" / "2b" (XLS-R shapes; a family may
  // not have them).
  std::string size = "base";
  bool ctc = false;
  DType dtype = DType::kF32;
  bool adam_state = false;  // last_optimizer_state with Adam moments
  uint64_t seed = 1;
  // MMS shapes, for a family that has them: a CTC model with an attention
  // adapter per language in every layer (ctc must be set), or a
  // language-ID classifier over these labels.
  std::vector<std::string> languages;
  std::vector<std::string> labels;
};

class ModelFamily {
 public:
  virtual ~ModelFamily() = default;

  // The registry's key, e.g. "data2vec_audio".
  virtual absl::string_view name() const = 0;
  // config.json's model_type, e.g. "data2vec-audio".
  virtual absl::string_view model_type() const = 0;
  // Whether the checkpoint's model (cfg.model._name or args.arch, and for a
  // fine-tuned wrapper the encoder inside it) belongs to this family.
  virtual bool Claims(const FairseqCheckpoint& checkpoint) const = 0;
  // Pretrained, CTC or sequence classification; an error naming the model
  // for a wrapper this family does not convert.
  virtual absl::StatusOr<ModelKind> DetectKind(
      const FairseqCheckpoint& checkpoint) const = 0;
  // "wav2vec_ctc fine-tuned over data2vec_audio": for people.
  virtual std::string KindName(ModelKind kind) const = 0;
  // transformers' class, e.g. "Data2VecAudioForCTC".
  virtual std::string HfClass(ModelKind kind) const = 0;
  // Refuses what transformers' model cannot represent.
  virtual absl::Status CheckRepresentable(const FairseqCheckpoint& checkpoint,
                                          ModelKind kind) const = 0;
  // Rows of a CTC checkpoint's output projection: the dictionary size the
  // model was trained with.
  virtual absl::StatusOr<int64_t> CtcVocabularySize(
      const FairseqCheckpoint& checkpoint) const = 0;
  // config.json and preprocessor_config.json. `vocab_size` is the number of
  // dictionary symbols (CTC only).
  virtual absl::StatusOr<InferredConfig> InferConfig(
      const FairseqCheckpoint& checkpoint, ModelKind kind,
      std::optional<int64_t> vocab_size) const = 0;
  // The languages of a checkpoint whose adapters and CTC head are chosen
  // per language, in the checkpoint's order (the first is the default);
  // empty for a model with one set of weights. An error says why the
  // languages cannot be named (missing, repeated, unsafe as a file name).
  virtual absl::StatusOr<std::vector<Language>> Languages(
      const FairseqCheckpoint& checkpoint) const {
    return std::vector<Language>();
  }
  // Maps every fairseq tensor onto the parameters `hf_config` (read from
  // `config_source`) implies: each exactly once, shapes checked. In strict
  // mode an unknown fairseq tensor is an error; otherwise it is listed.
  // `language` (one of Languages(), "" when there are none) is the one
  // whose adapters and head go into model.safetensors; every language's go
  // into extra_files.
  virtual absl::StatusOr<WeightMapping> MapWeights(
      const FairseqCheckpoint& checkpoint, ModelKind kind,
      const nlohmann::json& hf_config, const std::string& config_source,
      bool strict, const std::string& language) const = 0;

  // Writes a synthetic checkpoint; an error for a size it does not know.
  virtual absl::Status WriteSyntheticCheckpoint(
      const SyntheticOptions& options, const std::string& path) const = 0;
  // dict.ltr.txt for a synthetic CTC checkpoint.
  virtual std::string SyntheticDictionary() const = 0;
};

}  // namespace fairport

#endif  // FAIRPORT_FAMILIES_FAMILY_H_
