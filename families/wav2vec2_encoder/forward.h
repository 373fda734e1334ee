// The two wav2vec 2.0 / HuBERT forward passes (eval mode, CPU, float32),
// written independently so that parity between them proves a conversion:
//
//  - FairseqWav2Vec2 follows fairseq's Wav2Vec2Model / HubertModel
//    (ConvFeatureExtractionModel, TransformerEncoder, Wav2VecEncoder /
//    HubertEncoder for CTC) on the ORIGINAL state dict under its names;
//  - HfWav2Vec2 follows transformers' Wav2Vec2Model / HubertModel (and the
//    ForCTC / ForPreTraining heads around them) on HF names.
//
// Both compute the valid frames of a padded batch only (see ops/packed.h),
// with two things the padded batch changes and both originals do: the
// GroupNorm of a "default" extractor normalises over the WHOLE padded row,
// padding included, so its statistics are taken over the padded row; and
// HuBERT's fairseq model counts a frame as valid unless all of its samples
// are padding (forward_padding_mask), which gives MORE valid frames than
// the conv-length formula transformers uses. Those extra frames are
// computed from the padded samples, as fairseq computes them.
#ifndef FAIRPORT_FAMILIES_WAV2VEC2_ENCODER_FORWARD_H_
#define FAIRPORT_FAMILIES_WAV2VEC2_ENCODER_FORWARD_H_

#include <string>
#include <vector>

#include "ATen/core/Tensor.h"
#include "families/common/passes/conv_feature_extractor.h"
#include "families/common/passes/encoder_layers.h"
#include "families/common/passes/hf_files.h"
#include "families/common/passes/weights.h"
#include "families/forward_family.h"
#include "families/wav2vec2_encoder/config.h"
#include "ops/activation.h"
#include "ops/packed.h"

namespace fairport::wav2vec2_encoder {

using ::fairport::ForwardOutput;
using ::fairport::Weights;

class FairseqWav2Vec2 {
 public:
  // What fairseq builds beyond the Architecture: `activation_fn` the
  // encoder layers' (the extractor and positional convolution always use
  // GELU), whether it built post_extract_proj, the adapters' adp_act_fn and
  // the classifier's pooling activation_fn.
  struct Options {
    ops::Activation activation_fn = ops::Activation::kGelu;
    bool has_projection = false;
    ops::Activation adapter_activation = ops::Activation::kRelu;
    ops::Activation pooling_activation = ops::Activation::kLinear;
  };
  // `weights` under fairseq names (w2v_encoder.w2v_model. prefixed for
  // fine-tuned models), float32, each adapter tensor already the chosen
  // corpus key's row. Throws c10::Error on a missing weight.
  FairseqWav2Vec2(Architecture arch, Options options, Weights weights);
  const Architecture& arch() const { return arch_; }
  // `source` (B, L) float; `padding_mask` (B, L) bool, true = pad, or
  // undefined for an unpadded batch.
  ForwardOutput Forward(const at::Tensor& source,
                        const at::Tensor& padding_mask,
                        bool with_stages = true) const;

 private:
  Architecture arch_;
  Options options_;
  NamedWeights w_;
  std::string prefix_;
  FairseqConvFeatureExtractor extractor_;
  // Weight weight_g * weight_v / ||weight_v||, padding K / 2.
  ops::ChannelsLastGroupedConv1d pos_conv_;
};

class HfWav2Vec2 {
 public:
  using Activations = HfActivations;
  // `weights` under transformers' names, float32; the positional conv as
  // weight_g / weight_v (PyTorch < 2.1) or parametrizations.weight.original0
  // / original1 (PyTorch >= 2.1).
  HfWav2Vec2(Architecture arch, Activations activations, Weights weights);
  const Architecture& arch() const { return arch_; }
  // `input_values` (B, L); `attention_mask` (B, L) long, 1 = valid, or
  // undefined.
  ForwardOutput Forward(const at::Tensor& input_values,
                        const at::Tensor& attention_mask,
                        bool with_stages = true) const;

 private:
  Architecture arch_;
  Activations activations_;
  NamedWeights w_;
  std::string prefix_;
  HfConvFeatureEncoder extractor_;
  ops::ChannelsLastGroupedConv1d pos_conv_;  // weight-normed, padding K / 2
};

// torch.nn.utils.weight_norm(conv, dim=2)'s weight: g * v / ||v||, the norm
// over the output and input channels of each kernel position.
at::Tensor WeightNormWeight(const at::Tensor& g, const at::Tensor& v);

}  // namespace fairport::wav2vec2_encoder

#endif  // FAIRPORT_FAMILIES_WAV2VEC2_ENCODER_FORWARD_H_
