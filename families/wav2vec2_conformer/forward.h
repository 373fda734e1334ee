// The two wav2vec2-conformer forward passes (eval mode, CPU, float32),
// written independently so that parity between them proves a conversion:
//
//  - FairseqConformer follows fairseq's Wav2Vec2Model with a
//    ConformerEncoder (conformer_layer.py, espnet_multihead_attention.py,
//    Wav2VecEncoder for CTC) on the ORIGINAL state dict under its names;
//  - HfConformer follows transformers' Wav2Vec2ConformerModel (and the
//    ForCTC head; ForPreTraining runs as its base model) on HF names.
//
// Unlike wav2vec 2.0's, a conformer's padded utterance depends on its
// padding (conformer.md section 6): both originals zero the padded frames
// once at the encoder input and never again, the padded frames then carry
// values, and the depthwise convolution of the last valid frames reads
// them. So the encoder runs on the padded batch as it is (keys masked,
// every frame computed); only the conv feature extractor works on the
// valid frames (the frames it makes past them are zeroed before anything
// reads them). Outputs and stages hold zeros at padded frames.
#ifndef FAIRPORT_FAMILIES_WAV2VEC2_CONFORMER_FORWARD_H_
#define FAIRPORT_FAMILIES_WAV2VEC2_CONFORMER_FORWARD_H_

#include <string>
#include <vector>

#include "ATen/core/Tensor.h"
#include "families/common/passes/conv_feature_extractor.h"
#include "families/common/passes/encoder_layers.h"
#include "families/common/passes/hf_files.h"
#include "families/common/passes/weights.h"
#include "families/forward_family.h"
#include "families/wav2vec2_conformer/config.h"

namespace fairport::wav2vec2_conformer {

class FairseqConformer {
 public:
  // `weights` under fairseq names (w2v_encoder.w2v_model. prefixed for CTC
  // models), float32; `has_projection` whether fairseq built
  // post_extract_proj. Conformer layers are always swish. Throws
  // c10::Error on a missing weight.
  FairseqConformer(Architecture arch, bool has_projection, Weights weights);
  // `source` (B, L) float; `padding_mask` (B, L) bool, true = pad, or
  // undefined for an unpadded batch.
  ForwardOutput Forward(const at::Tensor& source,
                        const at::Tensor& padding_mask,
                        bool with_stages = true) const;

 private:
  Architecture arch_;
  bool has_projection_;
  NamedWeights w_;
  std::string prefix_;
  FairseqConvFeatureExtractor extractor_;
};

class HfConformer {
 public:
  // `weights` under transformers' names, float32. A rotary model without
  // encoder.embed_positions.inv_freq in its file uses the frequencies
  // transformers' __init__ computes from rotary_embedding_base.
  HfConformer(Architecture arch, HfActivations activations, Weights weights);
  // `input_values` (B, L); `attention_mask` (B, L) long, 1 = valid, or
  // undefined.
  ForwardOutput Forward(const at::Tensor& input_values,
                        const at::Tensor& attention_mask,
                        bool with_stages = true) const;

 private:
  Architecture arch_;
  HfActivations activations_;
  NamedWeights w_;
  std::string prefix_;
  HfConvFeatureEncoder extractor_;
  at::Tensor inv_freq_;  // rotary only
};

}  // namespace fairport::wav2vec2_conformer

#endif  // FAIRPORT_FAMILIES_WAV2VEC2_CONFORMER_FORWARD_H_
