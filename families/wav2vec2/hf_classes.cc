#include "families/wav2vec2/hf_classes.h"

#include <vector>

#include "families/wav2vec2_encoder/hf_classes.h"

namespace fairport::wav2vec2 {
namespace {

using T = HfFieldType;
using U = HfFieldUse;

constexpr char kW[] = "modeling_wav2vec2.py";

// Wav2Vec2Model's rows beyond the encoder's: the adapter stack.
constexpr HfConfigField kAdapterStack[] = {
    {"add_adapter", "false", T::kAny, U::kRefusedUnless, kW, "[false, null]",
     "add an adapter stack after the encoder"},
    // Read only with add_adapter (Wav2Vec2Adapter, the CTC head's width).
    {"adapter_kernel_size", "3", T::kAny, U::kNoEffectInEval, kW},
    {"adapter_stride", "2", T::kAny, U::kNoEffectInEval, kW},
    {"num_adapter_layers", "3", T::kAny, U::kNoEffectInEval, kW},
    {"output_hidden_size", "null", T::kAny, U::kNoEffectInEval, kW},
};

// Wav2Vec2ForPreTraining's quantizer and projections: their shapes are
// checked; the loss-only fields change nothing without
// sampled_negative_indices.
constexpr HfConfigField kPreTrainingHead[] = {
    {"num_codevector_groups", "2", T::kInt, U::kImplemented, kW},
    {"num_codevectors_per_group", "320", T::kInt, U::kImplemented, kW},
    {"codevector_dim", "256", T::kInt, U::kImplemented, kW},
    {"proj_codevector_dim", "256", T::kInt, U::kImplemented, kW},
    {"feat_quantizer_dropout", "0.0", T::kProbability, U::kNoEffectInEval, kW},
    {"contrastive_logits_temperature", "0.1", T::kAny, U::kNoEffectInEval, kW},
    {"diversity_loss_weight", "0.1", T::kAny, U::kNoEffectInEval, kW},
};

}  // namespace

// The config.json fields each class reads (the tables in verify/README.md,
// row for row), as transformers v4.40.2 reads them.
absl::Span<const HfClassFields> Wav2Vec2Classes() {
  static const auto* kEncoder =
      new std::vector<HfConfigField>(wav2vec2_encoder::EncoderFields(kW));
  static const auto* kCtcHead =
      new std::vector<HfConfigField>(wav2vec2_encoder::CtcHeadFields(kW));
  static const auto* kClassifierHead = new std::vector<HfConfigField>(
      wav2vec2_encoder::ClassifierHeadFields(kW));
  static const auto* kFields = new std::vector<HfConfigField>[4] {
    JoinHfFields({*kEncoder, kAdapterStack, HfPreTrainedModelFields()}),
        JoinHfFields({*kEncoder, kAdapterStack, kPreTrainingHead,
                      HfPreTrainedModelFields()}),
        JoinHfFields(
            {*kEncoder, kAdapterStack, *kCtcHead, HfPreTrainedModelFields()}),
        JoinHfFields({*kEncoder, kAdapterStack, *kClassifierHead,
                      HfPreTrainedModelFields()}),
  };
  static const HfClassFields kClasses[] = {
      {"Wav2Vec2Model", kFields[0]},
      {"Wav2Vec2ForPreTraining", kFields[1]},
      {"Wav2Vec2ForCTC", kFields[2]},
      {"Wav2Vec2ForSequenceClassification", kFields[3]},
  };
  return kClasses;
}

}  // namespace fairport::wav2vec2
