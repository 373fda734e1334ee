// What every family's forward passes share, once per side: the
// conv-length formula as each original computes it, and the Transformer
// encoder layer:
// fairseq's TransformerSentenceEncoderLayer for the fairseq passes and
// transformers' Wav2Vec2EncoderLayer (which Data2VecAudio and Hubert copy)
// for the HF passes, on packed (N, C) frames (ops/packed.h). The two stay
// separate implementations, each after its original, so that parity
// between the passes still proves a conversion.
#ifndef FAIRPORT_FAMILIES_COMMON_PASSES_ENCODER_LAYERS_H_
#define FAIRPORT_FAMILIES_COMMON_PASSES_ENCODER_LAYERS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "ATen/core/Tensor.h"
#include "families/common/passes/weights.h"
#include "families/forward_family.h"
#include "ops/activation.h"
#include "ops/packed.h"

namespace fairport {

// One side's weights by name; a missing one throws c10::Error naming the
// side ("fairseq weight '...' is missing").
class NamedWeights {
 public:
  NamedWeights(Weights weights, const char* side)
      : weights_(std::move(weights)), side_(side) {}
  const at::Tensor& operator()(const std::string& name) const;
  // Throws c10::Error unless the weight has `shape`, where LibTorch would
  // take another (transformers refuses a checkpoint of the wrong shape).
  void CheckShape(const std::string& name, c10::IntArrayRef shape) const;
  const Weights& all() const { return weights_; }

 private:
  Weights weights_;
  const char* side_;
};

// Keeps a pass's stages (ForwardOutput::stages), padded to `frames`, when
// they were asked for.
class StageRecorder {
 public:
  StageRecorder(bool on, const ops::Packing& packing, int64_t frames,
                ForwardOutput& out)
      : on_(on), packing_(packing), frames_(frames), out_(out) {}
  // `packed` (N, C) valid frames.
  void operator()(std::string name, const at::Tensor& packed) const {
    if (on_)
      out_.stages.push_back({std::move(name), packing_.Pad(packed, frames_)});
  }

 private:
  bool on_;
  const ops::Packing& packing_;
  int64_t frames_;
  ForwardOutput& out_;
};

// _get_feat_extract_output_lengths of (B) long sample counts, as fairseq
// computes it (floor of the float (L - k) / s + 1, layer by layer) and as
// transformers does (integer floor division); clamped at 0.
at::Tensor FairseqOutputLengths(at::Tensor samples,
                                const std::vector<int64_t>& kernels,
                                const std::vector<int64_t>& strides);
at::Tensor HfOutputLengths(at::Tensor samples,
                           const std::vector<int64_t>& kernels,
                           const std::vector<int64_t>& strides);

// T of a padded batch of rows of `samples` samples: the frames the conv
// stack makes of them. Throws c10::Error ("N samples make no frame") when
// it makes none, which HuBERT's L // T and the outputs cannot take.
int64_t PaddedBatchFrames(const std::vector<int64_t>& kernels,
                          const std::vector<int64_t>& strides, int64_t samples);

// TransformerSentenceEncoderLayer with fairseq's MultiheadAttention under
// `prefix` ("...encoder.layers.<l>."): post-LN, or pre-LN when
// `layer_norm_first`; the key padding mask is attention within each
// utterance.
at::Tensor FairseqEncoderLayer(const NamedWeights& w, const std::string& prefix,
                               int64_t heads, ops::Activation activation_fn,
                               bool layer_norm_first, const at::Tensor& x,
                               const ops::Packing& packing);

// Wav2Vec2EncoderLayer (post-LN) or Wav2Vec2EncoderLayerStableLayerNorm
// (pre-LN, `stable`) under `prefix`, LayerNorms with config.layer_norm_eps;
// the additive attention mask is attention within each utterance.
at::Tensor HfEncoderLayer(const NamedWeights& w, const std::string& prefix,
                          int64_t heads, ops::Activation hidden_act,
                          double layer_norm_eps, bool stable,
                          const at::Tensor& h, const ops::Packing& packing);

}  // namespace fairport

#endif  // FAIRPORT_FAMILIES_COMMON_PASSES_ENCODER_LAYERS_H_
