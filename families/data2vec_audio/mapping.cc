#include "families/data2vec_audio/mapping.h"

#include <algorithm>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "base/status_macros.h"

namespace fairport::data2vec_audio {
namespace {

struct WeightRule {
  const char* fairseq;  // relative to the encoder model
  const char* hf;       // relative to Data2VecAudioModel
};

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

struct SkipRule {
  const char* prefix;  // relative to the encoder model
  const char* category;
};

// Training-only weights that transformers' model has no place for.
constexpr SkipRule kSkipRules[] = {
    {"_ema.", "EMA teacher (_ema)"},
    {"final_proj.", "pretraining head (final_proj)"},
    {"quantizer.", "quantizer"},
    {"project_q.", "quantizer"},
    {"target_glu.", "pretraining head (target_glu)"},
};

// Matches `name` against `pattern`, collecting the indices `#` stands for.
bool Match(absl::string_view pattern, absl::string_view name,
           std::vector<std::string>& indices) {
  std::vector<absl::string_view> p = absl::StrSplit(pattern, '.');
  std::vector<absl::string_view> n = absl::StrSplit(name, '.');
  if (p.size() != n.size()) return false;
  indices.clear();
  for (size_t i = 0; i < p.size(); ++i) {
    if (p[i] == "#") {
      if (n[i].empty() || !std::all_of(n[i].begin(), n[i].end(), ::isdigit))
        return false;
      indices.emplace_back(n[i]);
    } else if (p[i] != n[i]) {
      return false;
    }
  }
  return true;
}

std::string Fill(absl::string_view pattern,
                 const std::vector<std::string>& indices) {
  std::string out;
  size_t next = 0;
  for (char c : pattern) {
    if (c == '#') {
      out += indices[next++];
    } else {
      out.push_back(c);
    }
  }
  return out;
}

std::string Shape(const std::vector<int64_t>& shape) {
  return absl::StrCat("[", absl::StrJoin(shape, ", "), "]");
}

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
  for (int64_t l = 0; l < a.num_hidden_layers; ++l) {
    const std::string e = absl::StrCat("encoder.layers.", l, ".");
    for (const char* proj : {"q_proj", "k_proj", "v_proj", "out_proj"}) {
      add(absl::StrCat(e, "attention.", proj, ".weight"), {c, c});
      add(absl::StrCat(e, "attention.", proj, ".bias"), {c});
    }
    add(e + "layer_norm.weight", {c});
    add(e + "layer_norm.bias", {c});
    add(e + "feed_forward.intermediate_dense.weight", {a.intermediate_size, c});
    add(e + "feed_forward.intermediate_dense.bias", {a.intermediate_size});
    add(e + "feed_forward.output_dense.weight", {c, a.intermediate_size});
    add(e + "feed_forward.output_dense.bias", {c});
    add(e + "final_layer_norm.weight", {c});
    add(e + "final_layer_norm.bias", {c});
  }
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
  const std::string& path = checkpoint.path();
  absl::flat_hash_map<std::string, const HfParameter*> expected;
  std::vector<HfParameter> parameters = ExpectedParameters(arch);
  for (const HfParameter& p : parameters) expected[p.name] = &p;

  WeightMapping mapping;
  absl::flat_hash_map<std::string, std::string>
      filled_from;  // hf name -> fairseq name
  std::vector<std::string> indices;
  for (const NamedTensor& t : checkpoint.state_dict()) {
    const WeightRule* rule = nullptr;
    std::string hf_name;
    absl::string_view local = t.name;
    if (kind == ModelKind::kCtc) {
      for (const WeightRule& head : kCtcHeadRules) {
        if (t.name == head.fairseq) {
          rule = &head;
          hf_name = head.hf;
        }
      }
      if (rule == nullptr && !absl::ConsumePrefix(&local, kCtcEncoderPrefix))
        local = "";
    }
    if (rule == nullptr && !local.empty()) {
      for (const WeightRule& r : kWeightRules) {
        if (Match(r.fairseq, local, indices)) {
          rule = &r;
          hf_name =
              absl::StrCat(kind == ModelKind::kCtc ? kHfCtcEncoderPrefix : "",
                           Fill(r.hf, indices));
          break;
        }
      }
    }
    if (rule != nullptr &&
        hf_name == absl::StrCat(arch.ctc ? kHfCtcEncoderPrefix : "",
                                "masked_spec_embed") &&
        !arch.has_masked_spec_embed()) {
      mapping.skipped["mask embedding (masking disabled in config)"].push_back(
          t.name);
      continue;
    }
    if (rule == nullptr) {
      const SkipRule* skip = nullptr;
      for (const SkipRule& s : kSkipRules) {
        if (absl::StartsWith(local, s.prefix)) skip = &s;
      }
      if (skip != nullptr) {
        mapping.skipped[skip->category].push_back(t.name);
        continue;
      }
      if (strict) {
        return absl::InvalidArgumentError(absl::StrCat(
            path, ": tensor '", t.name,
            "' has no place in transformers' Data2VecAudio model "
            "(strict mode; --nostrict lists it and converts the rest)"));
      }
      mapping.unmapped.push_back(t.name);
      continue;
    }
    auto it = expected.find(hf_name);
    if (it == expected.end()) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, ": tensor '", t.name, "' maps to '", hf_name,
                       "', which the config does not have (layer counts or "
                       "conv_bias disagree with the weights)"));
    }
    if (it->second->shape != t.tensor->shape) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, ": shape mismatch: fairseq '", t.name, "' is ",
                       Shape(t.tensor->shape), " but HF '", hf_name, "' needs ",
                       Shape(it->second->shape), " from the config"));
    }
    auto [prev, inserted] = filled_from.emplace(hf_name, t.name);
    if (!inserted) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, ": '", hf_name, "' would be filled twice, from '",
                       prev->second, "' and '", t.name, "'"));
    }
    if (!IsFloatingPoint(t.tensor->storage->dtype)) {
      return absl::InvalidArgumentError(absl::StrCat(
          path, ": tensor '", t.name, "' is ",
          TorchName(t.tensor->storage->dtype), ", not floating point"));
    }
    mapping.tensors.push_back({hf_name, t.name, t.tensor});
  }
  for (const HfParameter& p : parameters) {
    if (!filled_from.contains(p.name)) {
      return absl::InvalidArgumentError(absl::StrCat(
          path, ": the checkpoint has no tensor for HF parameter '", p.name,
          "' ", Shape(p.shape),
          " (the config implies it; it would otherwise be initialised "
          "randomly)"));
    }
  }
  std::sort(mapping.tensors.begin(), mapping.tensors.end(),
            [](const MappedTensor& x, const MappedTensor& y) {
              return x.hf_name < y.hf_name;
            });
  return mapping;
}

}  // namespace fairport::data2vec_audio
