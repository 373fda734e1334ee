// wav2vec 2.0's convolutional feature extractor, once per side, for the
// forward passes of the families built on it (wav2vec 2.0, HuBERT, the
// conformer): fairseq's ConvFeatureExtractionModel on fairseq names and
// transformers' Wav2Vec2FeatureEncoder on HF names, computing each
// utterance's valid frames only. The GroupNorm of a "default" extractor
// normalises over the WHOLE padded row, padding included, as both
// originals do on a padded batch.
#ifndef FAIRPORT_FAMILIES_COMMON_PASSES_CONV_FEATURE_EXTRACTOR_H_
#define FAIRPORT_FAMILIES_COMMON_PASSES_CONV_FEATURE_EXTRACTOR_H_

#include <cstdint>
#include <string>
#include <vector>

#include "ATen/core/Tensor.h"
#include "families/common/passes/encoder_layers.h"
#include "ops/activation.h"
#include "ops/packed.h"

namespace fairport {

struct ConvStack {
  std::vector<int64_t> dim, kernel, stride;
  bool bias = false;
  bool group_norm = true;  // GroupNorm after the first conv, else LayerNorms
};

// ConvFeatureExtractionModel under `prefix` ("" or
// "w2v_encoder.w2v_model."): mode=default, Conv1d -> Dropout ->
// Fp32GroupNorm(C, C) -> GELU for layer 0, then Conv1d -> Dropout -> GELU;
// mode=layer_norm, Conv1d -> Dropout -> Fp32LayerNorm -> GELU each.
class FairseqConvFeatureExtractor {
 public:
  // Throws c10::Error on a missing weight.
  FairseqConvFeatureExtractor(const NamedWeights& w, const std::string& prefix,
                              ConvStack stack);
  // `source` (B, L); utterance b's first packing.length(b) frames, (T_b, C).
  std::vector<at::Tensor> operator()(const at::Tensor& source,
                                     const ops::Packing& packing) const;

 private:
  ConvStack stack_;
  std::vector<ops::ChannelsLastConv1d> convs_;
  std::vector<at::Tensor> norm_weight_, norm_bias_;
};

// Wav2Vec2FeatureEncoder under `prefix`: Wav2Vec2GroupNormConvLayer then
// Wav2Vec2NoLayerNormConvLayer ("group"), or Wav2Vec2LayerNormConvLayer
// each ("layer"), with feat_extract_activation.
class HfConvFeatureEncoder {
 public:
  HfConvFeatureEncoder(const NamedWeights& w, const std::string& prefix,
                       ConvStack stack, ops::Activation activation);
  std::vector<at::Tensor> operator()(const at::Tensor& input_values,
                                     const ops::Packing& packing) const;

 private:
  ConvStack stack_;
  ops::Activation activation_;
  std::vector<ops::ChannelsLastConv1d> convs_;
  std::vector<at::Tensor> norm_weight_, norm_bias_;
};

}  // namespace fairport

#endif  // FAIRPORT_FAMILIES_COMMON_PASSES_CONV_FEATURE_EXTRACTOR_H_
