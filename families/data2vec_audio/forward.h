// The two data2vec-audio forward passes (eval mode, CPU, float32), written
// independently on purpose so that parity between them proves a conversion:
//
//  - FairseqData2VecAudio follows fairseq's modules (Data2VecAudioModel,
//    ConvFeatureExtractionModel, TransformerEncoder, MultiheadAttention,
//    Wav2VecEncoder) and reads the ORIGINAL state dict under its names;
//  - HfData2VecAudio follows transformers' Data2VecAudioModel /
//    Data2VecAudioForCTC and reads HF names.
//
// Where the originals differ (e.g. fairseq's SamePad against transformers'
// Data2VecAudioPadLayer for even kernels), each follows its own.
//
// Both compute only the valid frames of a padded batch, packed (see
// ops/packed.h): each utterance's convolutions run on its own samples,
// attention stays within the utterance, and the positional convolution
// sees exactly the zero-padded batch the originals compute on. So every
// valid frame gets the value the original computes for it in that batch,
// at the cost of the valid frames alone; padded frames of the outputs are
// zero (the originals leave values there that no one reads).
#ifndef FAIRPORT_FAMILIES_DATA2VEC_AUDIO_FORWARD_H_
#define FAIRPORT_FAMILIES_DATA2VEC_AUDIO_FORWARD_H_

#include <map>
#include <string>
#include <vector>

#include "ATen/core/Tensor.h"
#include "families/common/passes/encoder_layers.h"
#include "families/common/passes/hf_files.h"
#include "families/common/passes/weights.h"
#include "families/data2vec_audio/config.h"
#include "families/forward_family.h"
#include "ops/activation.h"
#include "ops/packed.h"

namespace fairport::data2vec_audio {

using ::fairport::ForwardOutput;
using ::fairport::Weights;

class FairseqData2VecAudio {
 public:
  // `weights` under fairseq names (with the w2v_encoder.w2v_model. prefix
  // for CTC models), float32; `activation_fn` the encoder layers' (the
  // feature extractor and positional convolution always use GELU). Throws
  // c10::Error on a missing weight.
  FairseqData2VecAudio(Architecture arch, ops::Activation activation_fn,
                       Weights weights);
  // `source` (B, L) float; `padding_mask` (B, L) bool, true = pad, or
  // undefined for an unpadded batch.
  const Architecture& arch() const { return arch_; }
  ForwardOutput Forward(const at::Tensor& source,
                        const at::Tensor& padding_mask,
                        bool with_stages = true) const;

 private:
  Architecture arch_;
  ops::Activation activation_fn_;
  NamedWeights w_;
  std::string prefix_;
  std::vector<ops::ChannelsLastConv1d> feature_convs_;
  std::vector<ops::ChannelsLastGroupedConv1d> pos_convs_;  // padding K / 2
};

class HfData2VecAudio {
 public:
  using Activations = HfActivations;
  // `weights` under transformers' names, float32.
  HfData2VecAudio(Architecture arch, Activations activations, Weights weights);
  // `input_values` (B, L); `attention_mask` (B, L) long, 1 = valid, or
  // undefined.
  const Architecture& arch() const { return arch_; }
  ForwardOutput Forward(const at::Tensor& input_values,
                        const at::Tensor& attention_mask,
                        bool with_stages = true) const;

 private:
  Architecture arch_;
  Activations activations_;
  NamedWeights w_;
  std::string prefix_;
  std::vector<ops::ChannelsLastConv1d> feature_convs_;
  std::vector<ops::ChannelsLastGroupedConv1d> pos_convs_;  // padding K / 2
};

}  // namespace fairport::data2vec_audio

#endif  // FAIRPORT_FAMILIES_DATA2VEC_AUDIO_FORWARD_H_
