#include "families/hubert/hf_classes.h"

#include <vector>

#include "families/wav2vec2_encoder/hf_classes.h"

namespace fairport::hubert {
namespace {

using T = HfFieldType;
using U = HfFieldUse;

constexpr char kH[] = "modeling_hubert.py";

constexpr HfConfigField kFeatureProjection[] = {
    {"feat_proj_layer_norm", "true", T::kBool, U::kImplemented, kH},
};

// HubertConfig defines no add_adapter; HubertForCTC still sizes lm_head by
// output_hidden_size when config.json sets it (hasattr).
constexpr HfConfigField kCtcHeadWidth[] = {
    {"add_adapter", "null", T::kAny, U::kRefusedUnless, kH, "[false, null]",
     "size lm_head's input by output_hidden_size"},
    {"output_hidden_size", "null", T::kAny, U::kNoEffectInEval, kH},
};

}  // namespace

// The config.json fields each class reads (the tables in verify/README.md,
// row for row), as transformers v4.40.2 reads them.
absl::Span<const HfClassFields> HubertClasses() {
  static const auto* kEncoder =
      new std::vector<HfConfigField>(wav2vec2_encoder::EncoderFields(kH));
  static const auto* kCtcHead =
      new std::vector<HfConfigField>(wav2vec2_encoder::CtcHeadFields(kH));
  static const auto* kFields = new std::vector<HfConfigField>[2] {
    JoinHfFields({*kEncoder, kFeatureProjection, HfPreTrainedModelFields()}),
        JoinHfFields({*kEncoder, kFeatureProjection, *kCtcHead, kCtcHeadWidth,
                      HfPreTrainedModelFields()}),
  };
  static const HfClassFields kClasses[] = {
      {"HubertModel", kFields[0]},
      {"HubertForCTC", kFields[1]},
  };
  return kClasses;
}

}  // namespace fairport::hubert
