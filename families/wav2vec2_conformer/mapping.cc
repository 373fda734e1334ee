#include "families/wav2vec2_conformer/mapping.h"

#include <algorithm>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "families/common/convert/conv_feature_weights.h"
#include "families/common/convert/quantizer_head.h"

namespace fairport::wav2vec2_conformer {
namespace {

// One line per tensor; `#` is a layer index carried across.
// clang-format off
constexpr WeightRule kEncoderRules[] = {
    {"encoder.pos_conv.0.weight_g", "encoder.pos_conv_embed.conv.weight_g"},
    {"encoder.pos_conv.0.weight_v", "encoder.pos_conv_embed.conv.weight_v"},
    {"encoder.pos_conv.0.bias", "encoder.pos_conv_embed.conv.bias"},
    {"encoder.layer_norm.weight", "encoder.layer_norm.weight"},
    {"encoder.layer_norm.bias", "encoder.layer_norm.bias"},
    // Every layer stores the same rotary frequencies; transformers keeps
    // one copy (the others are checked equal and skipped).
    {"encoder.layers.0.self_attn.rotary_emb.inv_freq", "encoder.embed_positions.inv_freq"},
    {"encoder.layers.#.ffn1.layer_norm.weight", "encoder.layers.#.ffn1_layer_norm.weight"},
    {"encoder.layers.#.ffn1.layer_norm.bias", "encoder.layers.#.ffn1_layer_norm.bias"},
    {"encoder.layers.#.ffn1.w_1.weight", "encoder.layers.#.ffn1.intermediate_dense.weight"},
    {"encoder.layers.#.ffn1.w_1.bias", "encoder.layers.#.ffn1.intermediate_dense.bias"},
    {"encoder.layers.#.ffn1.w_2.weight", "encoder.layers.#.ffn1.output_dense.weight"},
    {"encoder.layers.#.ffn1.w_2.bias", "encoder.layers.#.ffn1.output_dense.bias"},
    {"encoder.layers.#.self_attn_layer_norm.weight", "encoder.layers.#.self_attn_layer_norm.weight"},
    {"encoder.layers.#.self_attn_layer_norm.bias", "encoder.layers.#.self_attn_layer_norm.bias"},
    {"encoder.layers.#.self_attn.linear_q.weight", "encoder.layers.#.self_attn.linear_q.weight"},
    {"encoder.layers.#.self_attn.linear_q.bias", "encoder.layers.#.self_attn.linear_q.bias"},
    {"encoder.layers.#.self_attn.linear_k.weight", "encoder.layers.#.self_attn.linear_k.weight"},
    {"encoder.layers.#.self_attn.linear_k.bias", "encoder.layers.#.self_attn.linear_k.bias"},
    {"encoder.layers.#.self_attn.linear_v.weight", "encoder.layers.#.self_attn.linear_v.weight"},
    {"encoder.layers.#.self_attn.linear_v.bias", "encoder.layers.#.self_attn.linear_v.bias"},
    {"encoder.layers.#.self_attn.linear_out.weight", "encoder.layers.#.self_attn.linear_out.weight"},
    {"encoder.layers.#.self_attn.linear_out.bias", "encoder.layers.#.self_attn.linear_out.bias"},
    {"encoder.layers.#.self_attn.linear_pos.weight", "encoder.layers.#.self_attn.linear_pos.weight"},
    {"encoder.layers.#.self_attn.pos_bias_u", "encoder.layers.#.self_attn.pos_bias_u"},
    {"encoder.layers.#.self_attn.pos_bias_v", "encoder.layers.#.self_attn.pos_bias_v"},
    {"encoder.layers.#.conv_module.layer_norm.weight", "encoder.layers.#.conv_module.layer_norm.weight"},
    {"encoder.layers.#.conv_module.layer_norm.bias", "encoder.layers.#.conv_module.layer_norm.bias"},
    {"encoder.layers.#.conv_module.pointwise_conv1.weight", "encoder.layers.#.conv_module.pointwise_conv1.weight"},
    {"encoder.layers.#.conv_module.depthwise_conv.weight", "encoder.layers.#.conv_module.depthwise_conv.weight"},
    {"encoder.layers.#.conv_module.batch_norm.weight", "encoder.layers.#.conv_module.batch_norm.weight"},
    {"encoder.layers.#.conv_module.batch_norm.bias", "encoder.layers.#.conv_module.batch_norm.bias"},
    {"encoder.layers.#.conv_module.batch_norm.running_mean", "encoder.layers.#.conv_module.batch_norm.running_mean"},
    {"encoder.layers.#.conv_module.batch_norm.running_var", "encoder.layers.#.conv_module.batch_norm.running_var"},
    {"encoder.layers.#.conv_module.batch_norm.num_batches_tracked", "encoder.layers.#.conv_module.batch_norm.num_batches_tracked"},
    {"encoder.layers.#.conv_module.pointwise_conv2.weight", "encoder.layers.#.conv_module.pointwise_conv2.weight"},
    {"encoder.layers.#.ffn2.layer_norm.weight", "encoder.layers.#.ffn2_layer_norm.weight"},
    {"encoder.layers.#.ffn2.layer_norm.bias", "encoder.layers.#.ffn2_layer_norm.bias"},
    {"encoder.layers.#.ffn2.w_1.weight", "encoder.layers.#.ffn2.intermediate_dense.weight"},
    {"encoder.layers.#.ffn2.w_1.bias", "encoder.layers.#.ffn2.intermediate_dense.bias"},
    {"encoder.layers.#.ffn2.w_2.weight", "encoder.layers.#.ffn2.output_dense.weight"},
    {"encoder.layers.#.ffn2.w_2.bias", "encoder.layers.#.ffn2.output_dense.bias"},
    {"encoder.layers.#.final_layer_norm.weight", "encoder.layers.#.final_layer_norm.weight"},
    {"encoder.layers.#.final_layer_norm.bias", "encoder.layers.#.final_layer_norm.bias"},
    {"mask_emb", "masked_spec_embed"},
};
// clang-format on

constexpr WeightRule kCtcHeadRules[] = {
    {"w2v_encoder.proj.weight", "lm_head.weight"},
    {"w2v_encoder.proj.bias", "lm_head.bias"},
};

constexpr char kRotaryCopies[] = "rotary inv_freq of layers 1.. (layer 0's)";

// Training-only weights that transformers' model has no place for, and
// the rotary frequencies every layer after the first repeats.
constexpr SkipRule kSkipRules[] = {
    {"final_proj.", "pretraining head (final_proj)"},
    {"quantizer.", "quantizer"},
    {"project_q.", "quantizer"},
    {"target_glu.", "pretraining head (target_glu)"},
    {"encoder.layers.#.self_attn.rotary_emb.inv_freq", kRotaryCopies},
};

constexpr char kCtcEncoderPrefix[] = "w2v_encoder.w2v_model.";

// fairseq stores one inv_freq per layer and computes each layer with its
// own; transformers has one for all. Copying layer 0's is exact only when
// all are equal (they are: fairseq computes them alike and fp16 rounds
// them alike), so anything else is refused.
absl::Status CheckRotaryCopiesEqual(const FairseqCheckpoint& checkpoint,
                                    const std::string& prefix, int64_t layers) {
  const std::string first =
      prefix + "encoder.layers.0.self_attn.rotary_emb.inv_freq";
  const TensorRef* reference = checkpoint.FindTensor(first);
  if (reference == nullptr) return absl::OkStatus();  // reported as missing
  ASSIGN_OR_RETURN(EntryBytes expected,
                   checkpoint.archive().TensorBytes(*reference));
  for (int64_t l = 1; l < layers; ++l) {
    const std::string name = absl::StrCat(prefix, "encoder.layers.", l,
                                          ".self_attn.rotary_emb.inv_freq");
    const TensorRef* copy = checkpoint.FindTensor(name);
    if (copy == nullptr) continue;
    ASSIGN_OR_RETURN(EntryBytes bytes, checkpoint.archive().TensorBytes(*copy));
    if (copy->storage->dtype != reference->storage->dtype ||
        copy->shape != reference->shape || bytes.view() != expected.view()) {
      return absl::InvalidArgumentError(absl::StrCat(
          checkpoint.path(), ": '", name, "' differs from '", first,
          "': transformers' Wav2Vec2Conformer has one inv_freq for all "
          "layers and cannot represent per-layer rotary frequencies"));
    }
  }
  return absl::OkStatus();
}

}  // namespace

std::vector<HfParameter> ExpectedParameters(const Architecture& a) {
  const std::string p = a.hf_prefix();
  const int64_t c = a.hidden_size, f = a.intermediate_size;
  std::vector<HfParameter> out;
  auto add = [&](std::string name, std::vector<int64_t> shape) {
    out.push_back({p + name, std::move(shape)});
  };
  AppendConvFeatureParameters(
      p, {a.conv_dim, a.conv_kernel, a.conv_bias, a.group_norm, true, c}, out);
  add("encoder.pos_conv_embed.conv.weight_g", {1, 1, a.pos_conv_kernel});
  add("encoder.pos_conv_embed.conv.weight_v",
      {c, c / a.pos_conv_groups, a.pos_conv_kernel});
  add("encoder.pos_conv_embed.conv.bias", {c});
  add("encoder.layer_norm.weight", {c});
  add("encoder.layer_norm.bias", {c});
  if (a.positions == Positions::kRotary)
    add("encoder.embed_positions.inv_freq", {a.head_dim() / 2});
  for (int64_t l = 0; l < a.num_hidden_layers; ++l) {
    const std::string e = absl::StrCat("encoder.layers.", l, ".");
    for (const char* norm :
         {"ffn1_layer_norm.", "self_attn_layer_norm.",
          "conv_module.layer_norm.", "ffn2_layer_norm.", "final_layer_norm."}) {
      add(e + norm + "weight", {c});
      add(e + norm + "bias", {c});
    }
    for (const char* ffn : {"ffn1.", "ffn2."}) {
      add(e + ffn + "intermediate_dense.weight", {f, c});
      add(e + ffn + "intermediate_dense.bias", {f});
      add(e + ffn + "output_dense.weight", {c, f});
      add(e + ffn + "output_dense.bias", {c});
    }
    for (const char* linear :
         {"linear_q.", "linear_k.", "linear_v.", "linear_out."}) {
      add(e + "self_attn." + linear + "weight", {c, c});
      add(e + "self_attn." + linear + "bias", {c});
    }
    if (a.positions == Positions::kRelative) {
      add(e + "self_attn.linear_pos.weight", {c, c});
      add(e + "self_attn.pos_bias_u", {a.num_attention_heads, a.head_dim()});
      add(e + "self_attn.pos_bias_v", {a.num_attention_heads, a.head_dim()});
    }
    const std::string conv = e + "conv_module.";
    add(conv + "pointwise_conv1.weight", {2 * c, c, 1});
    add(conv + "depthwise_conv.weight", {c, 1, a.depthwise_kernel});
    for (const char* stat : {"weight", "bias", "running_mean", "running_var"})
      add(conv + "batch_norm." + stat, {c});
    out.push_back({p + conv + "batch_norm.num_batches_tracked", {}, true});
    add(conv + "pointwise_conv2.weight", {c, c, 1});
  }
  if (a.has_masked_spec_embed()) add("masked_spec_embed", {c});
  if (a.ctc) {
    out.push_back({"lm_head.weight", {a.vocab_size, c}});
    out.push_back({"lm_head.bias", {a.vocab_size}});
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
                                         const Architecture& arch,
                                         bool strict) {
  WeightTable table;
  table.model_name = "transformers' Wav2Vec2Conformer model";
  static const auto* kRules = new std::vector<WeightRule>(
      JoinWeightRules({ConvFeatureRules(), kEncoderRules}));
  table.encoder_rules = *kRules;
  table.skip_rules = kSkipRules;
  table.hf_prefix = arch.hf_prefix();
  if (kind == ModelKind::kCtc) {
    table.fairseq_prefix = kCtcEncoderPrefix;
    table.head_rules = kCtcHeadRules;
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
  RETURN_IF_ERROR(CheckRotaryCopiesEqual(checkpoint, table.fairseq_prefix,
                                         arch.num_hidden_layers));
  ASSIGN_OR_RETURN(WeightMapping mapping,
                   MapByTable(checkpoint, table, strict));
  auto copies = mapping.skipped.find(kRotaryCopies);
  if (copies != mapping.skipped.end()) {
    mapping.notes.push_back(absl::StrCat(
        "encoder.embed_positions.inv_freq is layer 0's stored rotary "
        "frequencies (as stored, not recomputed); the ",
        copies->second.size(), " copies of the other layers are equal"));
    mapping.skipped.erase(copies);
  }
  return mapping;
}

}  // namespace fairport::wav2vec2_conformer
