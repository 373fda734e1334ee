// The two data2vec-audio forward passes (eval mode, CPU, float32), written
// independently on purpose so that parity between them proves a conversion:
//
//  - FairseqData2VecAudio follows fairseq's modules (Data2VecAudioModel,
//    ConvFeatureExtractionModel, TransformerEncoder, MultiheadAttention,
//    Wav2VecEncoder) and reads the ORIGINAL state dict under its names;
//  - HfData2VecAudio follows transformers' Data2VecAudioModel /
//    Data2VecAudioForCTC and reads HF names.
//
// Where the originals differ (T,B,C versus B,T,C layout, fairseq's padding
// of the sequence to a multiple of 2, -inf versus finfo.min masking), each
// follows its own. See ../shared/notes/model-structure.md, section 1.
#ifndef FAIRPORT_FAMILIES_DATA2VEC_AUDIO_FORWARD_H_
#define FAIRPORT_FAMILIES_DATA2VEC_AUDIO_FORWARD_H_

#include <map>
#include <string>
#include <vector>

#include "families/data2vec_audio/config.h"
#include "torch/torch.h"

namespace fairport::data2vec_audio {

using Weights = std::map<std::string, torch::Tensor>;

struct ForwardOutput {
  // (B, T, C) final hidden states, or (B, T, V) CTC logits.
  torch::Tensor output;
  // (B, T, C) output of every encoder layer.
  std::vector<torch::Tensor> layers;
  // (B, T) number of valid frames per utterance.
  torch::Tensor valid_frames;
};

// Frames the conv feature extractor makes of `samples` samples.
int64_t FramesFor(const Architecture& arch, int64_t samples);

class FairseqData2VecAudio {
 public:
  // `weights` under fairseq names (with the w2v_encoder.w2v_model. prefix
  // for CTC models), float32. Throws c10::Error on a missing weight.
  FairseqData2VecAudio(Architecture arch, Weights weights,
                       int64_t required_seq_len_multiple = 2);
  // `source` (B, L) float; `padding_mask` (B, L) bool, true = pad, or
  // undefined for an unpadded batch.
  ForwardOutput Forward(const torch::Tensor& source,
                        const torch::Tensor& padding_mask) const;

 private:
  const torch::Tensor& W(const std::string& name) const;
  torch::Tensor Layer(int64_t l, const torch::Tensor& x,
                      const torch::Tensor& key_padding_mask) const;

  Architecture arch_;
  Weights weights_;
  std::string prefix_;
  int64_t required_seq_len_multiple_;
};

class HfData2VecAudio {
 public:
  // `weights` under transformers' names, float32.
  HfData2VecAudio(Architecture arch, Weights weights);
  // `input_values` (B, L); `attention_mask` (B, L) long, 1 = valid, or
  // undefined.
  ForwardOutput Forward(const torch::Tensor& input_values,
                        const torch::Tensor& attention_mask) const;

  Weights& weights() { return weights_; }

 private:
  const torch::Tensor& W(const std::string& name) const;
  torch::Tensor Layer(int64_t l, const torch::Tensor& h,
                      const torch::Tensor& additive_mask) const;

  Architecture arch_;
  Weights weights_;
  std::string prefix_;
};

}  // namespace fairport::data2vec_audio

#endif  // FAIRPORT_FAMILIES_DATA2VEC_AUDIO_FORWARD_H_
