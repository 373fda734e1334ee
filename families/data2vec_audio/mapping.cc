#include "families/data2vec_audio/mapping.h"

#include <algorithm>

#include "absl/strings/str_cat.h"

namespace fairport::data2vec_audio {
namespace {

// One line per tensor; `#` is a layer index carried across. Kept one rule
// a line so it can be checked against model-structure.md.
// clang-format off
constexpr WeightRule kWeightRules[] = {
    {"feature_extractor.conv_layers.#.0.weight", "feature_extractor.conv_layers.#.conv.weight"},
    {"feature_extractor.conv_layers.#.0.bias", "feature_extractor.conv_layers.#.conv.bias"},
    {"feature_extractor.conv_layers.#.2.1.weight", "feature_extractor.conv_layers.#.layer_norm.weight"},
    {"feature_extractor.conv_layers.#.2.1.bias", "feature_extractor.conv_layers.#.layer_norm.bias"},
    {"layer_norm.weight", "feature_projection.layer_norm.weight"},
    {"layer_norm.bias", "feature_projection.layer_norm.bias"},
    {"post_extract_proj.weight", "feature_projection.projection.weight"},
    {"post_extract_proj.bias", "feature_projection.projection.bias"},
    {"encoder.pos_conv.#.0.weight", "encoder.pos_conv_embed.layers.#.conv.weight"},
    {"encoder.pos_conv.#.0.bias", "encoder.pos_conv_embed.layers.#.conv.bias"},
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

// Fine-tuned (wav2vec_ctc) names: the encoder under a prefix, plus the head.
constexpr char kCtcEncoderPrefix[] = "w2v_encoder.w2v_model.";
constexpr char kHfCtcEncoderPrefix[] = "data2vec_audio.";
constexpr WeightRule kCtcHeadRules[] = {
    {"w2v_encoder.proj.weight", "lm_head.weight"},
    {"w2v_encoder.proj.bias", "lm_head.bias"},
};

// Training-only weights that transformers' model has no place for.
constexpr SkipRule kSkipRules[] = {
    {"_ema.", "EMA teacher (_ema)"},
    {"final_proj.", "pretraining head (final_proj)"},
    {"quantizer.", "quantizer"},
    {"project_q.", "quantizer"},
    {"target_glu.", "pretraining head (target_glu)"},
};

}  // namespace

std::vector<HfParameter> ExpectedParameters(const Architecture& a) {
  const std::string p = a.ctc ? kHfCtcEncoderPrefix : "";
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
    add(l + "layer_norm.weight", {a.conv_dim[i]});
    add(l + "layer_norm.bias", {a.conv_dim[i]});
  }
  const int64_t last = a.conv_dim.back();
  add("feature_projection.layer_norm.weight", {last});
  add("feature_projection.layer_norm.bias", {last});
  add("feature_projection.projection.weight", {c, last});
  add("feature_projection.projection.bias", {c});
  for (int64_t j = 0; j < a.num_conv_pos_embeddings; ++j) {
    const std::string l =
        absl::StrCat("encoder.pos_conv_embed.layers.", j, ".conv.");
    add(l + "weight",
        {c, c / a.num_conv_pos_embedding_groups, a.conv_pos_kernel_size});
    add(l + "bias", {c});
  }
  add("encoder.layer_norm.weight", {c});
  add("encoder.layer_norm.bias", {c});
  AppendEncoderLayerParameters(p, a.num_hidden_layers, c, a.intermediate_size,
                               out);
  if (a.has_masked_spec_embed()) add("masked_spec_embed", {c});
  if (a.ctc) {
    out.push_back({"lm_head.weight", {a.vocab_size, c}});
    out.push_back({"lm_head.bias", {a.vocab_size}});
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
  table.model_name = "transformers' Data2VecAudio model";
  table.encoder_rules = kWeightRules;
  table.skip_rules = kSkipRules;
  if (kind == ModelKind::kCtc) {
    table.fairseq_prefix = kCtcEncoderPrefix;
    table.hf_prefix = kHfCtcEncoderPrefix;
    table.head_rules = kCtcHeadRules;
  }
  if (!arch.has_masked_spec_embed()) {
    table.dropped[table.hf_prefix + "masked_spec_embed"] =
        "mask embedding (masking disabled in config)";
  }
  table.expected = ExpectedParameters(arch);
  return MapByTable(checkpoint, table, strict);
}

}  // namespace fairport::data2vec_audio
