#include "families/wav2vec2_encoder/mapping.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "families/common/convert/conv_feature_weights.h"
#include "families/common/convert/quantizer_head.h"
#include "families/wav2vec2_encoder/attn_adapters.h"

namespace fairport::wav2vec2_encoder {
namespace {

// One line per tensor; `#` is a layer index carried across.
// clang-format off
constexpr WeightRule kEncoderRules[] = {
    {"encoder.pos_conv.0.weight_g", "encoder.pos_conv_embed.conv.weight_g"},
    {"encoder.pos_conv.0.weight_v", "encoder.pos_conv_embed.conv.weight_v"},
    {"encoder.pos_conv.0.bias", "encoder.pos_conv_embed.conv.bias"},
    {"encoder.layer_norm.weight", "encoder.layer_norm.weight"},
    {"encoder.layer_norm.bias", "encoder.layer_norm.bias"},
    {"encoder.layers.#.self_attn.q_proj.weight", "encoder.layers.#.attention.q_proj.weight"},
    {"encoder.layers.#.self_attn.q_proj.bias", "encoder.layers.#.attention.q_proj.bias"},
    {"encoder.layers.#.self_attn.k_proj.weight", "encoder.layers.#.attention.k_proj.weight"},
    {"encoder.layers.#.self_attn.k_proj.bias", "encoder.layers.#.attention.k_proj.bias"},
    {"encoder.layers.#.self_attn.v_proj.weight", "encoder.layers.#.attention.v_proj.weight"},
    {"encoder.layers.#.self_attn.v_proj.bias", "encoder.layers.#.attention.v_proj.bias"},
    {"encoder.layers.#.self_attn.out_proj.weight", "encoder.layers.#.attention.out_proj.weight"},
    {"encoder.layers.#.self_attn.out_proj.bias", "encoder.layers.#.attention.out_proj.bias"},
    {"encoder.layers.#.self_attn_layer_norm.weight", "encoder.layers.#.layer_norm.weight"},
    {"encoder.layers.#.self_attn_layer_norm.bias", "encoder.layers.#.layer_norm.bias"},
    {"encoder.layers.#.fc1.weight", "encoder.layers.#.feed_forward.intermediate_dense.weight"},
    {"encoder.layers.#.fc1.bias", "encoder.layers.#.feed_forward.intermediate_dense.bias"},
    {"encoder.layers.#.fc2.weight", "encoder.layers.#.feed_forward.output_dense.weight"},
    {"encoder.layers.#.fc2.bias", "encoder.layers.#.feed_forward.output_dense.bias"},
    {"encoder.layers.#.final_layer_norm.weight", "encoder.layers.#.final_layer_norm.weight"},
    {"encoder.layers.#.final_layer_norm.bias", "encoder.layers.#.final_layer_norm.bias"},
    {"mask_emb", "masked_spec_embed"},
};
// clang-format on

constexpr WeightRule kCtcHeadRules[] = {
    {"w2v_encoder.proj.weight", "lm_head.weight"},
    {"w2v_encoder.proj.bias", "lm_head.bias"},
};

// wav2vec_classification's MeanPoolingFast (wav2vec2_classification.py:
// 213-226) -> Wav2Vec2ForSequenceClassification (mms.md section 6).
constexpr WeightRule kClassifierHeadRules[] = {
    {"pooling_layer.linear.weight", "projector.weight"},
    {"pooling_layer.linear.bias", "projector.bias"},
    {"pooling_layer.projection.weight", "classifier.weight"},
    {"pooling_layer.projection.bias", "classifier.bias"},
};

constexpr char kCtcEncoderPrefix[] = "w2v_encoder.w2v_model.";

}  // namespace

std::vector<HfParameter> ExpectedParameters(const Architecture& a) {
  const std::string p = a.hf_prefix();
  const int64_t c = a.hidden_size;
  std::vector<HfParameter> out;
  auto add = [&](std::string name, std::vector<int64_t> shape) {
    out.push_back({p + name, std::move(shape)});
  };
  AppendConvFeatureParameters(p,
                              {a.conv_dim, a.conv_kernel, a.conv_bias,
                               a.group_norm, a.feat_proj_layer_norm, c},
                              out);
  add("encoder.pos_conv_embed.conv.weight_g", {1, 1, a.pos_conv_kernel});
  add("encoder.pos_conv_embed.conv.weight_v",
      {c, c / a.pos_conv_groups, a.pos_conv_kernel});
  add("encoder.pos_conv_embed.conv.bias", {c});
  add("encoder.layer_norm.weight", {c});
  add("encoder.layer_norm.bias", {c});
  AppendEncoderLayerParameters(p, a.num_hidden_layers, c, a.intermediate_size,
                               out);
  if (a.has_masked_spec_embed()) add("masked_spec_embed", {c});
  if (a.ctc && a.adapter_attn_dim == 0) {
    out.push_back({"lm_head.weight", {a.vocab_size, c}});
    out.push_back({"lm_head.bias", {a.vocab_size}});
  }
  if (a.classification) {
    out.push_back({"projector.weight", {a.classifier_proj_size, c}});
    out.push_back({"projector.bias", {a.classifier_proj_size}});
    out.push_back(
        {"classifier.weight", {a.num_labels, a.classifier_proj_size}});
    out.push_back({"classifier.bias", {a.num_labels}});
  }
  if (a.pretraining_head) {
    AppendQuantizerHeadParameters({a.codevector_groups, a.codevectors_per_group,
                                   a.codevector_dim, a.proj_codevector_dim},
                                  c, a.conv_dim.back(), out);
  }
  std::sort(out.begin(), out.end(),
            [](const HfParameter& x, const HfParameter& y) {
              return x.name < y.name;
            });
  return out;
}

absl::StatusOr<WeightMapping> MapWeights(const FairseqCheckpoint& checkpoint,
                                         ModelKind kind,
                                         const Architecture& arch, bool strict,
                                         const std::string& language) {
  ASSIGN_OR_RETURN(std::optional<AttnAdapterConfig> adapters,
                   AttnAdaptersOf(checkpoint, *arch.flavor, kind));
  const int64_t adapter_dim = adapters.has_value() ? adapters->dim : 0;
  if (arch.adapter_attn_dim != adapter_dim) {
    return absl::InvalidArgumentError(absl::StrCat(
        checkpoint.path(), ": config.json's adapter_attn_dim is ",
        arch.adapter_attn_dim == 0 ? "null"
                                   : absl::StrCat(arch.adapter_attn_dim),
        ", but the checkpoint's adapters are ",
        adapters.has_value() ? absl::StrCat(adapter_dim, " wide (adp_dim)")
                             : "absent (layer_type is not trf_adp)"));
  }
  if (!adapters.has_value() && !language.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        checkpoint.path(), ": language '", language,
        "' asked for, but the model has no per-language adapters"));
  }
  WeightTable table;
  table.model_name =
      absl::StrCat("transformers' ", arch.flavor->hf_name, " model");
  static const auto* kRules = new std::vector<WeightRule>(
      JoinWeightRules({ConvFeatureRules(), kEncoderRules}));
  table.encoder_rules = *kRules;
  table.skip_rules = arch.flavor->training_only;
  table.hf_prefix = arch.hf_prefix();
  if (kind == ModelKind::kCtc) {
    table.fairseq_prefix = kCtcEncoderPrefix;
    table.head_rules = kCtcHeadRules;
  } else if (kind == ModelKind::kSequenceClassification) {
    table.fairseq_prefix = kCtcEncoderPrefix;
    table.head_rules = kClassifierHeadRules;
  } else if (arch.pretraining_head) {
    table.head_rules = QuantizerHeadRules();
  }
  if (!arch.has_masked_spec_embed()) {
    table.dropped[table.hf_prefix + "masked_spec_embed"] =
        "mask embedding (masking disabled in config)";
  }
  table.expected = ExpectedParameters(arch);
  FillIdentityProjection(checkpoint, arch.conv_dim.back(), arch.hidden_size,
                         table);
  if (!adapters.has_value()) return MapByTable(checkpoint, table, strict);
  for (const std::string& name : AdapterFairseqNames(*adapters))
    table.mapped_elsewhere.insert(name);
  ASSIGN_OR_RETURN(WeightMapping mapping,
                   MapByTable(checkpoint, table, strict));
  RETURN_IF_ERROR(MapAttnAdapters(checkpoint, *adapters, arch.hidden_size,
                                  arch.hf_prefix(), arch.vocab_size, language,
                                  mapping));
  return mapping;
}

}  // namespace fairport::wav2vec2_encoder
