// What the families' synthetic checkpoints share: a fairseq checkpoint in
// the real torch.save layout (cfg, model, optimizer history, optionally
// Adam state) with deterministic weights, and fairseq's letter
// dictionary. Each family gives its tensors and its cfg.
#ifndef FAIRPORT_FAMILIES_COMMON_CONVERT_SYNTHETIC_H_
#define FAIRPORT_FAMILIES_COMMON_CONVERT_SYNTHETIC_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "formats/dtype.h"
#include "nlohmann/json.hpp"

namespace fairport {

// How a tensor's deterministic values are drawn. kStepCount: an int64
// buffer (BatchNorm's num_batches_tracked) holding the training steps;
// kRotaryFrequencies: fairseq's rotary inv_freq, 1 / 10000^(2i / d) for the
// d / 2 entries, in the file's dtype.
enum class Init { kUniform, kGain, kBias, kStepCount, kRotaryFrequencies };

struct SyntheticParam {
  std::string name;
  std::vector<int64_t> shape;
  Init init;
  int64_t fan_in;
  // A buffer (running statistics, step counter, frequencies): in the model
  // dict, but no optimizer state.
  bool buffer = false;
};

struct SyntheticFile {
  bool ctc = false;
  // The symbols of a target dictionary fairseq pickles in task_state (a
  // classifier's labels), or none: task_state stays {}.
  std::vector<std::string> task_dictionary;
  DType dtype = DType::kF32;
  bool adam_state = false;  // last_optimizer_state with Adam moments
  uint64_t seed = 1;
};

// An error for a family without MMS shapes asked for languages or labels
// (SyntheticOptions::languages, ::labels).
absl::Status RefuseMmsShapes(const std::vector<std::string>& languages,
                             const std::vector<std::string>& labels,
                             absl::string_view family);

// The 29 letters of the fairseq LibriSpeech letter dictionary, in the
// "<token> <count>" format of dict.ltr.txt.
std::string LetterDictionary();
// Its symbols with fairseq's four specials: the CTC head's rows.
int64_t LetterVocabularySize();

// fairseq's TransformerSentenceEncoderLayer tensors of `layers` layers
// (encoder.layers.<l>.*), appended to `params` in the order fairseq's
// state dict holds them.
void AppendEncoderLayers(int64_t layers, int64_t embed, int64_t ffn,
                         std::vector<SyntheticParam>& params);

// What wav2vec 2.0's Wav2Vec2Model stores before its encoder layers
// (mask_emb, the conv feature extractor with the GroupNorm of layer 0 or a
// LayerNorm per layer, post_extract_proj when the conv width is not the
// model width, the weight-normed positional convolution), in fairseq's
// state-dict order.
struct Wav2Vec2FrontEnd {
  std::vector<int64_t> conv_dim, conv_kernel;
  bool conv_bias = false;
  bool layer_norm_extractor = false;
  int64_t embed = 768;
  int64_t conv_pos = 128;
  int64_t conv_pos_groups = 16;
};
void AppendWav2Vec2FrontEnd(const Wav2Vec2FrontEnd& front,
                            std::vector<SyntheticParam>& params);

absl::Status WriteSyntheticTorchSave(const std::vector<SyntheticParam>& params,
                                     const nlohmann::ordered_json& cfg,
                                     const SyntheticFile& file,
                                     const std::string& path);

}  // namespace fairport

#endif  // FAIRPORT_FAMILIES_COMMON_CONVERT_SYNTHETIC_H_
