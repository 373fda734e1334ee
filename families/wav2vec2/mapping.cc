#include "families/wav2vec2/mapping.h"

#include <algorithm>

#include "absl/strings/str_cat.h"

namespace fairport::wav2vec2 {
namespace {

// One line per tensor; `#` is a layer index carried across.
// clang-format off
constexpr WeightRule kEncoderRules[] = {
    {"feature_extractor.conv_layers.#.0.weight", "feature_extractor.conv_layers.#.conv.weight"},
    {"feature_extractor.conv_layers.#.0.bias", "feature_extractor.conv_layers.#.conv.bias"},
    // extractor_mode=layer_norm: Sequential(TransposeLast, LayerNorm, ...)
    {"feature_extractor.conv_layers.#.2.1.weight", "feature_extractor.conv_layers.#.layer_norm.weight"},
    {"feature_extractor.conv_layers.#.2.1.bias", "feature_extractor.conv_layers.#.layer_norm.bias"},
    // extractor_mode=default: the GroupNorm of layer 0 (HF names it layer_norm)
    {"feature_extractor.conv_layers.#.2.weight", "feature_extractor.conv_layers.#.layer_norm.weight"},
    {"feature_extractor.conv_layers.#.2.bias", "feature_extractor.conv_layers.#.layer_norm.bias"},
    {"layer_norm.weight", "feature_projection.layer_norm.weight"},
    {"layer_norm.bias", "feature_projection.layer_norm.bias"},
    {"post_extract_proj.weight", "feature_projection.projection.weight"},
    {"post_extract_proj.bias", "feature_projection.projection.bias"},
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

// Wav2Vec2ForPreTraining's head, at the top of both models.
constexpr WeightRule kPretrainingHeadRules[] = {
    {"quantizer.vars", "quantizer.codevectors"},
    {"quantizer.weight_proj.weight", "quantizer.weight_proj.weight"},
    {"quantizer.weight_proj.bias", "quantizer.weight_proj.bias"},
    {"project_q.weight", "project_q.weight"},
    {"project_q.bias", "project_q.bias"},
    {"final_proj.weight", "project_hid.weight"},
    {"final_proj.bias", "project_hid.bias"},
};
// clang-format on

constexpr WeightRule kCtcHeadRules[] = {
    {"w2v_encoder.proj.weight", "lm_head.weight"},
    {"w2v_encoder.proj.bias", "lm_head.bias"},
};

// Training-only weights that transformers' model has no place for.
constexpr SkipRule kSkipRules[] = {
    {"final_proj.", "pretraining head (final_proj)"},
    {"label_embs_concat", "HuBERT label embeddings (label_embs_concat)"},
    {"quantizer.", "quantizer"},
    {"project_q.", "quantizer"},
    {"target_glu.", "pretraining head (target_glu)"},
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
  for (size_t i = 0; i < a.conv_dim.size(); ++i) {
    const std::string l =
        absl::StrCat("feature_extractor.conv_layers.", i, ".");
    add(l + "conv.weight",
        {a.conv_dim[i], i == 0 ? 1 : a.conv_dim[i - 1], a.conv_kernel[i]});
    if (a.conv_bias) add(l + "conv.bias", {a.conv_dim[i]});
    if (!a.group_norm || i == 0) {
      add(l + "layer_norm.weight", {a.conv_dim[i]});
      add(l + "layer_norm.bias", {a.conv_dim[i]});
    }
  }
  const int64_t last = a.conv_dim.back();
  if (a.feat_proj_layer_norm) {
    add("feature_projection.layer_norm.weight", {last});
    add("feature_projection.layer_norm.bias", {last});
  }
  add("feature_projection.projection.weight", {c, last});
  add("feature_projection.projection.bias", {c});
  add("encoder.pos_conv_embed.conv.weight_g", {1, 1, a.pos_conv_kernel});
  add("encoder.pos_conv_embed.conv.weight_v",
      {c, c / a.pos_conv_groups, a.pos_conv_kernel});
  add("encoder.pos_conv_embed.conv.bias", {c});
  add("encoder.layer_norm.weight", {c});
  add("encoder.layer_norm.bias", {c});
  AppendEncoderLayerParameters(p, a.num_hidden_layers, c, a.intermediate_size,
                               out);
  if (a.has_masked_spec_embed()) add("masked_spec_embed", {c});
  if (a.ctc) {
    out.push_back({"lm_head.weight", {a.vocab_size, c}});
    out.push_back({"lm_head.bias", {a.vocab_size}});
  }
  if (a.pretraining_head) {
    const int64_t g = a.codevector_groups, v = a.codevectors_per_group;
    out.push_back({"quantizer.codevectors", {1, g * v, a.codevector_dim / g}});
    out.push_back({"quantizer.weight_proj.weight", {g * v, last}});
    out.push_back({"quantizer.weight_proj.bias", {g * v}});
    out.push_back(
        {"project_q.weight", {a.proj_codevector_dim, a.codevector_dim}});
    out.push_back({"project_q.bias", {a.proj_codevector_dim}});
    out.push_back({"project_hid.weight", {a.proj_codevector_dim, c}});
    out.push_back({"project_hid.bias", {a.proj_codevector_dim}});
  }
  std::sort(out.begin(), out.end(),
            [](const HfParameter& x, const HfParameter& y) {
              return x.name < y.name;
            });
  return out;
}

absl::StatusOr<WeightMapping> MapWeights(const FairseqCheckpoint& checkpoint,
                                         ModelKind kind,
                                         const Architecture& arch,
                                         bool strict) {
  WeightTable table;
  table.model_name =
      absl::StrCat("transformers' ", NamesOf(arch.variant).hf_name, " model");
  table.encoder_rules = kEncoderRules;
  table.skip_rules = kSkipRules;
  table.hf_prefix = arch.hf_prefix();
  if (kind == ModelKind::kCtc) {
    table.fairseq_prefix = kCtcEncoderPrefix;
    table.head_rules = kCtcHeadRules;
  } else if (arch.pretraining_head) {
    table.head_rules = kPretrainingHeadRules;
  }
  if (!arch.has_masked_spec_embed()) {
    table.dropped[table.hf_prefix + "masked_spec_embed"] =
        "mask embedding (masking disabled in config)";
  }
  table.expected = ExpectedParameters(arch);
  // fairseq builds post_extract_proj only when the conv width differs from
  // the model width; transformers always has the projection (its own
  // script leaves it at its random initialisation).
  const int64_t last = arch.conv_dim.back();
  if (last == arch.hidden_size &&
      checkpoint.FindTensor(table.fairseq_prefix +
                            "post_extract_proj.weight") == nullptr) {
    const TensorRef* norm =
        checkpoint.FindTensor(table.fairseq_prefix + "layer_norm.weight");
    const DType dtype = norm != nullptr && IsFloatingPoint(norm->storage->dtype)
                            ? norm->storage->dtype
                            : DType::kF32;
    const std::string note = absl::StrCat(
        "feature_projection.projection written as the identity (weight = I, "
        "bias = 0): fairseq has no post_extract_proj when the conv width (",
        last, ") is the model width");
    table.fill_missing[table.hf_prefix +
                       "feature_projection.projection.weight"] = {
        IdentityMatrix(last, dtype), note};
    table.fill_missing[table.hf_prefix + "feature_projection.projection.bias"] =
        {ZeroVector(last, dtype), note};
  }
  return MapByTable(checkpoint, table, strict);
}

}  // namespace fairport::wav2vec2
