// The forward passes of a family (LibTorch), behind the registry, for
// verify/ and bench/.
//
// The two passes must be able to disagree: LoadFairseq builds its model
// from the checkpoint's own fairseq config and weights, as fairseq builds
// it; LoadHf builds its model from the converted directory alone, reading
// config.json field by field as transformers reads it. Neither uses the
// converter's config inference. Each refuses a config value it does not
// implement.
#ifndef FAIRPORT_FAMILIES_FORWARD_FAMILY_H_
#define FAIRPORT_FAMILIES_FORWARD_FAMILY_H_

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "ATen/core/Tensor.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "fairseq/checkpoint.h"

namespace fairport {

// What both sides compute on the way to the output, in this order, so
// that parity can name the first stage where a conversion goes wrong: the
// conv feature extractor's frames, the feature projection (fairseq's
// layer_norm and post_extract_proj), the encoder's input (the positional
// convolution added, and the encoder LayerNorm of a post-LN model), then
// each encoder layer's output.
inline constexpr char kFeatureExtractorStage[] = "feature extractor";
inline constexpr char kFeatureProjectionStage[] = "feature projection";
inline constexpr char kEncoderInputStage[] = "encoder input";
// "encoder layer 1" ... "encoder layer N".
std::string EncoderLayerStage(int64_t layer);

struct ForwardStage {
  std::string name;
  at::Tensor states;  // (B, T, C) with zeros at padded frames
};

struct ForwardOutput {
  // (B, T, C) final hidden states, (B, T, V) CTC logits, or (B, C) the
  // logits of an utterance classifier (LoadedModel::classifier).
  at::Tensor output;
  // Every stage's states, if asked for.
  std::vector<ForwardStage> stages;
  // (B) number of valid frames per utterance.
  at::Tensor valid_frames;

  // The states of encoder layer `layer` (1-based), or an undefined tensor.
  at::Tensor Layer(int64_t layer) const;
};

class ForwardPass {
 public:
  virtual ~ForwardPass() = default;
  // `input` (B, L) float, raw or normalised as the model expects;
  // `attention_mask` (B, L) long, 1 = valid sample, or undefined for an
  // unpadded batch. LibTorch errors are thrown as c10::Error.
  virtual ForwardOutput Forward(const at::Tensor& input,
                                const at::Tensor& attention_mask,
                                bool with_stages) const = 0;
  // 2*M*N*K of every matrix product and convolution on the valid frames of
  // utterances of these lengths (for benchmarks).
  virtual double ValidFrameFlops(const std::vector<int64_t>& samples) const = 0;
  // The fewest samples from which the conv feature extractor makes `frames`
  // frames (frames >= 1).
  virtual int64_t SamplesForFrames(int64_t frames) const = 0;
  // The frames the conv-length formula gives `samples` valid samples.
  virtual int64_t FramesForSamples(int64_t samples) const = 0;
};

// A weight the HF side's model.safetensors and transformers' class disagree
// on (transformers' from_pretrained: "Some weights of the model checkpoint
// were not used" / "Some weights of X were not initialized").
struct WeightFinding {
  enum class Kind { kUnused, kMissing };
  Kind kind;
  std::string name;
  bool changes_output = false;  // a missing weight the eval forward reads
  std::string consequence;      // transformers' consequence, for people
};

// How a model counts the valid frames of a padded utterance.
inline constexpr char kConvLengthFormula[] = "conv-length formula";

struct LoadedModel {
  // Null when the model cannot run as transformers would run it (a weight
  // its forward reads is missing: see weight_findings).
  std::unique_ptr<ForwardPass> pass;
  bool ctc = false;
  int64_t vocab_size = 0;       // CTC head rows (0 without one)
  bool normalize = false;       // input normalised per utterance
  int64_t receptive_field = 0;  // samples the first frame needs
  // fairseq side: e.g. "pretrained data2vec_audio"; HF side: the
  // transformers class, e.g. "Data2VecAudioForCTC".
  std::string description;
  std::string model_type;  // config.json's, e.g. "data2vec-audio"
  // kConvLengthFormula (transformers, and most fairseq models: frames of
  // the valid samples), or how else the model counts them.
  std::string frame_counting = kConvLengthFormula;
  // An utterance classifier (e.g. MMS language ID): output (B, C), one row
  // of logits per utterance; `labels` names the C columns when the side's
  // files name them (fairseq: the pickled label dictionary; HF: id2label).
  bool classifier = false;
  std::vector<std::string> labels;
  // Models with per-language adapters (MMS): every language the side's
  // files hold (fairseq: the corpus keys; HF: the adapter.<lang> files),
  // and the one this pass runs ("" for a model without languages).
  std::vector<std::string> languages;
  std::string language;
  // HF side: weights in model.safetensors transformers' class would not use,
  // and weights it has that the file lacks (transformers initialises them
  // randomly), each with transformers' consequence.
  std::vector<WeightFinding> weight_findings;
};

class ForwardFamily {
 public:
  virtual ~ForwardFamily() = default;
  // The same name as the family's ModelFamily.
  virtual absl::string_view name() const = 0;
  virtual absl::string_view model_type() const = 0;
  // Whether the checkpoint's model belongs to this family (the same answer
  // as its ModelFamily's, without linking the conversion side).
  virtual bool Claims(const FairseqCheckpoint& checkpoint) const = 0;
  // `language` chooses a model's per-language adapters (fairseq's corpus
  // key; "" the first language); an error for a model without them.
  virtual absl::StatusOr<LoadedModel> LoadFairseq(
      const FairseqCheckpoint& checkpoint,
      const std::string& language) const = 0;
  // `pass` is null when a weight the eval forward reads is missing (see
  // weight_findings); a weight of the wrong shape is an error. `language`
  // loads adapter.<language>.safetensors over model.safetensors, as
  // transformers' from_pretrained(target_lang=...) does; "" runs
  // model.safetensors as it is.
  virtual absl::StatusOr<LoadedModel> LoadHf(
      const std::string& model_dir, const std::string& language) const = 0;
};

// Returns true so that it can initialise a static. A name registered twice
// ends the program with a message (family_table.h).
bool RegisterForwardFamily(std::unique_ptr<ForwardFamily> family);

// The fairseq-structured model of the checkpoint's family: an error when no
// family claims the checkpoint, or when several do (naming each). The
// forward registry is separate from the conversion registry
// (families/registry.h) so that reference outputs do not depend on the
// mapping code.
absl::StatusOr<LoadedModel> LoadFairseqModel(
    const FairseqCheckpoint& checkpoint, const std::string& language = "");

// The HF-structured model of a converted directory, by its config.json's
// model_type.
absl::StatusOr<LoadedModel> LoadHfModel(const std::string& model_dir,
                                        const std::string& language = "");

// A (B, samples) long sample mask from which `pass` counts `frames[b]`
// valid frames in row b: the row's first SamplesForFrames(frames[b])
// samples (none for 0 frames). Throws c10::Error when a row would need
// more than `samples`.
at::Tensor SampleMaskForFrames(const ForwardPass& pass,
                               const at::Tensor& frames, int64_t samples);

}  // namespace fairport

#define FAIRPORT_REGISTER_FORWARD_FAMILY(Class)           \
  [[maybe_unused]] static const bool kRegistered##Class = \
      ::fairport::RegisterForwardFamily(std::make_unique<Class>())

#endif  // FAIRPORT_FAMILIES_FORWARD_FAMILY_H_
