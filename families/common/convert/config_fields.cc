#include "families/common/convert/config_fields.h"

#include <algorithm>
#include <map>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_join.h"
#include "base/json.h"
#include "base/status_macros.h"
#include "families/common/conv_layers.h"

namespace fairport {

absl::StatusOr<std::string> HfActivationName(const std::string& fairseq_name,
                                             const std::string& where) {
  static const auto* kHiddenAct = new std::map<std::string, std::string>{
      {"gelu", "gelu"},          {"gelu_accurate", "gelu_new"},
      {"gelu_fast", "gelu_new"}, {"relu", "relu"},
      {"tanh", "tanh"},          {"linear", "linear"},
      {"swish", "swish"},
  };
  auto act = kHiddenAct->find(fairseq_name);
  if (act == kHiddenAct->end()) {
    return absl::InvalidArgumentError(absl::StrCat(
        where, " is '", fairseq_name, "', which Fairport does not convert"));
  }
  return act->second;
}

absl::StatusOr<EncoderSizes> InferEncoderSizes(
    const ConfigView& enc, const std::string& where,
    std::vector<std::string>& defaulted) {
  EncoderSizes s;
  ASSIGN_OR_RETURN(
      std::string conv_text,
      StringOr(enc, "conv_feature_layers",
               "[(512, 10, 5)] + [(512, 3, 2)] * 4 + [(512,2,2)] + [(512,2,2)]",
               defaulted));
  absl::StatusOr<std::vector<ConvLayer>> conv =
      ParseConvFeatureLayers(conv_text);
  if (!conv.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(where, ".", conv.status().message()));
  }
  for (const ConvLayer& l : *conv) {
    s.conv_dim.push_back(l.dim);
    s.conv_kernel.push_back(l.kernel);
    s.conv_stride.push_back(l.stride);
  }
  ASSIGN_OR_RETURN(s.embed, IntOr(enc, "encoder_embed_dim", 768, defaulted));
  ASSIGN_OR_RETURN(s.layers, IntOr(enc, "encoder_layers", 12, defaulted));
  ASSIGN_OR_RETURN(s.heads,
                   IntOr(enc, "encoder_attention_heads", 12, defaulted));
  ASSIGN_OR_RETURN(s.ffn, IntOr(enc, "encoder_ffn_embed_dim", 3072, defaulted));
  return s;
}

void TransformersDefaults::Set(nlohmann::json& c, const char* key,
                               nlohmann::json value) {
  const std::string field = absl::StrCat(key, " = ", DumpJson(value));
  c[key] = std::move(value);
  // A family whose config class has another default sets it again.
  for (std::string& listed : fields_) {
    if (absl::StartsWith(listed, absl::StrCat(key, " = "))) {
      listed = field;
      return;
    }
  }
  fields_.push_back(field);
}

void TransformersDefaults::SetRead(nlohmann::json& c, const char* key,
                                   nlohmann::json value) {
  c[key] = std::move(value);
  const std::string prefix = absl::StrCat(key, " = ");
  fields_.erase(std::remove_if(fields_.begin(), fields_.end(),
                               [&](const std::string& listed) {
                                 return absl::StartsWith(listed, prefix);
                               }),
                fields_.end());
}

void TransformersDefaults::Note(std::vector<std::string>& defaulted) const {
  if (fields_.empty()) return;
  defaulted.push_back(
      absl::StrCat("transformers' defaults (not read from the checkpoint): ",
                   absl::StrJoin(fields_, ", ")));
}

namespace {

// transformers' CTC loss settings from fairseq's CtcCriterion, the
// criterion a fine-tuned checkpoint was trained with. fairseq sums each
// utterance's CTC loss (F.ctc_loss(reduction="sum")) and divides the
// batch's sum by the number of sentences (sentence_avg) or of target
// tokens: either way every utterance counts equally and only the batch's
// scale changes, which is transformers' "sum" up to a constant factor per
// batch. transformers' "mean" divides each utterance by its own target
// length, which fairseq never does, so "sum" is the faithful value whatever
// sentence_avg says.
absl::Status WriteCtcLossFields(const FairseqCheckpoint& checkpoint,
                                ModelKind kind, nlohmann::json& c,
                                TransformersDefaults& defaults,
                                std::vector<std::string>& defaulted) {
  if (kind != ModelKind::kCtc || checkpoint.criterion() != "ctc") {
    defaults.Set(c, "ctc_loss_reduction", "sum");
    defaults.Set(c, "ctc_zero_infinity", false);
    return absl::OkStatus();
  }
  c["ctc_loss_reduction"] = "sum";
  // CtcCriterionConfig.zero_infinity: False unless set.
  ASSIGN_OR_RETURN(
      c["ctc_zero_infinity"],
      BoolOr(checkpoint.criterion_config(), "zero_infinity", false, defaulted));
  return absl::OkStatus();
}

}  // namespace

absl::Status WriteSharedConfigFields(
    const FairseqCheckpoint& checkpoint, const ConfigView& enc, ModelKind kind,
    std::optional<int64_t> vocab_size, const EncoderSizes& sizes,
    bool conv_bias, const std::string& hidden_act, nlohmann::json& c,
    TransformersDefaults& defaults, std::vector<std::string>& defaulted) {
  c["hidden_size"] = sizes.embed;
  c["num_hidden_layers"] = sizes.layers;
  c["num_attention_heads"] = sizes.heads;
  c["intermediate_size"] = sizes.ffn;
  c["hidden_act"] = hidden_act;
  c["conv_dim"] = sizes.conv_dim;
  c["conv_kernel"] = sizes.conv_kernel;
  c["conv_stride"] = sizes.conv_stride;
  c["num_feat_extract_layers"] = static_cast<int64_t>(sizes.conv_dim.size());
  c["conv_bias"] = conv_bias;
  c["feat_extract_activation"] = "gelu";  // fairseq's extractor: always GELU
  c["layer_norm_eps"] = 1e-5;             // fairseq's LayerNorms: always 1e-5
  for (const TrainingField& f : kTrainingFields) {
    if (f.integer) {
      ASSIGN_OR_RETURN(
          c[f.hf],
          IntOr(enc, f.fairseq, static_cast<int64_t>(f.fallback), defaulted));
    } else {
      ASSIGN_OR_RETURN(c[f.hf],
                       NumberOr(enc, f.fairseq, f.fallback, defaulted));
    }
  }
  // fairseq's apply_mask: min_masks=2 over time, none over channels.
  c["mask_time_min_masks"] = 2;
  c["mask_feature_min_masks"] = 0;
  c["pad_token_id"] = 0;  // fairseq's <s>, the CTC blank, sits at index 0
  c["bos_token_id"] = 1;
  c["eos_token_id"] = 2;
  if (kind != ModelKind::kPretrained) {
    // The fine-tuning wrapper's dropout before its head (CTC projection or
    // classifier).
    ASSIGN_OR_RETURN(
        double final_dropout,
        NumberOr(checkpoint.model_config(), "final_dropout", 0.0, defaulted));
    c["final_dropout"] = final_dropout;
  } else {
    defaults.Set(c, "final_dropout", 0.1);
  }
  if (kind == ModelKind::kCtc) {
    c["vocab_size"] = vocab_size.value_or(32);
  } else {
    defaults.Set(c, "vocab_size", 32);  // no CTC head
  }
  RETURN_IF_ERROR(WriteCtcLossFields(checkpoint, kind, c, defaults, defaulted));
  defaults.Set(c, "classifier_proj_size", 256);
  defaults.Set(c, "initializer_range", 0.02);
  defaults.Set(c, "use_weighted_layer_sum", false);
  c["torch_dtype"] = "float32";
  c["transformers_version"] =
      "4.40.2";  // the release whose format this follows
  return absl::OkStatus();
}

void WriteAdapterDefaults(nlohmann::json& c, TransformersDefaults& defaults) {
  c["add_adapter"] = false;  // fairseq's encoders have no adapter
  defaults.Set(c, "adapter_kernel_size", 3);
  defaults.Set(c, "adapter_stride", 2);
  defaults.Set(c, "num_adapter_layers", 3);
  defaults.Set(c, "tdnn_dilation", {1, 2, 3, 1, 1});
  defaults.Set(c, "tdnn_dim", {512, 512, 512, 512, 1500});
  defaults.Set(c, "tdnn_kernel", {5, 3, 3, 1, 1});
  defaults.Set(c, "xvector_output_dim", 512);
}

absl::StatusOr<nlohmann::json> InferPreprocessorConfig(
    const FairseqCheckpoint& checkpoint, ModelKind kind,
    bool return_attention_mask, std::vector<std::string>& defaulted) {
  ASSIGN_OR_RETURN(bool normalize, BoolOr(checkpoint.task_config(), "normalize",
                                          false, defaulted));
  nlohmann::json p = nlohmann::json::object();
  p["do_normalize"] = normalize;
  p["feature_extractor_type"] = "Wav2Vec2FeatureExtractor";
  p["feature_size"] = 1;
  p["padding_side"] = "right";
  p["padding_value"] = 0;
  p["return_attention_mask"] = return_attention_mask;
  p["sampling_rate"] = 16000;
  if (kind == ModelKind::kCtc) p["processor_class"] = "Wav2Vec2Processor";
  return p;
}

}  // namespace fairport
