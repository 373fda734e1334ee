#include "families/common/convert/weight_table.h"

#include <algorithm>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"

namespace fairport {
namespace {

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

std::shared_ptr<const GeneratedTensor> FromFloats(
    std::vector<int64_t> shape, const std::vector<float>& values, DType dtype) {
  auto t = std::make_shared<GeneratedTensor>();
  t->dtype = dtype;
  t->shape = std::move(shape);
  t->bytes.resize(values.size() * ItemSize(dtype));
  CastFloats(DType::kF32, values.data(), dtype, t->bytes.data(), values.size());
  return t;
}

}  // namespace

void AppendEncoderLayerParameters(const std::string& prefix, int64_t layers,
                                  int64_t c, int64_t intermediate,
                                  std::vector<HfParameter>& out) {
  for (int64_t l = 0; l < layers; ++l) {
    const std::string e = absl::StrCat(prefix, "encoder.layers.", l, ".");
    for (const char* proj : {"q_proj", "k_proj", "v_proj", "out_proj"}) {
      out.push_back({absl::StrCat(e, "attention.", proj, ".weight"), {c, c}});
      out.push_back({absl::StrCat(e, "attention.", proj, ".bias"), {c}});
    }
    out.push_back({e + "layer_norm.weight", {c}});
    out.push_back({e + "layer_norm.bias", {c}});
    out.push_back(
        {e + "feed_forward.intermediate_dense.weight", {intermediate, c}});
    out.push_back({e + "feed_forward.intermediate_dense.bias", {intermediate}});
    out.push_back({e + "feed_forward.output_dense.weight", {c, intermediate}});
    out.push_back({e + "feed_forward.output_dense.bias", {c}});
    out.push_back({e + "final_layer_norm.weight", {c}});
    out.push_back({e + "final_layer_norm.bias", {c}});
  }
}

bool MatchPattern(absl::string_view pattern, absl::string_view name,
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

std::shared_ptr<const GeneratedTensor> IdentityMatrix(int64_t n, DType dtype) {
  std::vector<float> values(static_cast<size_t>(n * n), 0.0f);
  for (int64_t i = 0; i < n; ++i) values[static_cast<size_t>(i * n + i)] = 1;
  return FromFloats({n, n}, values, dtype);
}

std::shared_ptr<const GeneratedTensor> ZeroVector(int64_t n, DType dtype) {
  return FilledTensor({n}, 0.0f, dtype);
}

std::shared_ptr<const GeneratedTensor> FilledTensor(std::vector<int64_t> shape,
                                                    float value, DType dtype) {
  int64_t numel = 1;
  for (int64_t d : shape) numel *= d;
  return FromFloats(std::move(shape),
                    std::vector<float>(static_cast<size_t>(numel), value),
                    dtype);
}

absl::StatusOr<WeightMapping> MapByTable(const FairseqCheckpoint& checkpoint,
                                         const WeightTable& table,
                                         bool strict) {
  const std::string& path = checkpoint.path();
  absl::flat_hash_map<std::string, const HfParameter*> expected;
  for (const HfParameter& p : table.expected) expected[p.name] = &p;

  WeightMapping mapping;
  absl::flat_hash_map<std::string, std::string> filled_from;  // hf <- fairseq
  std::vector<std::string> indices;
  for (const NamedTensor& t : checkpoint.state_dict()) {
    if (table.mapped_elsewhere.count(t.name) != 0) continue;
    bool matched = false;
    std::string hf_name;
    for (const WeightRule& head : table.head_rules) {
      if (MatchPattern(head.fairseq, t.name, indices)) {
        matched = true;
        hf_name = Fill(head.hf, indices);
        break;
      }
    }
    absl::string_view local = t.name;
    if (!absl::ConsumePrefix(&local, table.fairseq_prefix)) local = "";
    if (!matched && !local.empty()) {
      for (const WeightRule& r : table.encoder_rules) {
        if (MatchPattern(r.fairseq, local, indices)) {
          matched = true;
          hf_name = absl::StrCat(table.hf_prefix, Fill(r.hf, indices));
          break;
        }
      }
    }
    if (matched) {
      auto dropped = table.dropped.find(hf_name);
      if (dropped != table.dropped.end()) {
        mapping.skipped[dropped->second].push_back(t.name);
        continue;
      }
    }
    if (!matched) {
      const SkipRule* skip = nullptr;
      for (const SkipRule& s : table.skip_rules) {
        if (!local.empty() && (absl::StartsWith(local, s.prefix) ||
                               MatchPattern(s.prefix, local, indices)))
          skip = &s;
      }
      if (skip != nullptr) {
        mapping.skipped[skip->category].push_back(t.name);
        continue;
      }
      if (strict) {
        return absl::InvalidArgumentError(absl::StrCat(
            path, ": tensor '", t.name, "' has no place in ", table.model_name,
            " (strict mode; --nostrict lists it and converts the rest)"));
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
    const DType dtype = t.tensor->storage->dtype;
    if (it->second->integer ? dtype != DType::kI64 : !IsFloatingPoint(dtype)) {
      return absl::InvalidArgumentError(absl::StrCat(
          path, ": tensor '", t.name, "' is ", TorchName(dtype), ", not ",
          it->second->integer ? "int64" : "floating point"));
    }
    mapping.tensors.push_back({hf_name, t.name, t.tensor, nullptr});
  }
  for (const HfParameter& p : table.expected) {
    if (filled_from.contains(p.name)) continue;
    auto filler = table.fill_missing.find(p.name);
    if (filler != table.fill_missing.end() &&
        filler->second.tensor->shape == p.shape) {
      mapping.tensors.push_back(
          {p.name, "(generated)", nullptr, filler->second.tensor});
      if (std::find(mapping.notes.begin(), mapping.notes.end(),
                    filler->second.note) == mapping.notes.end())
        mapping.notes.push_back(filler->second.note);
      continue;
    }
    return absl::InvalidArgumentError(absl::StrCat(
        path, ": the checkpoint has no tensor for HF parameter '", p.name, "' ",
        Shape(p.shape),
        " (the config implies it; it would otherwise be initialised "
        "randomly)"));
  }
  std::sort(mapping.tensors.begin(), mapping.tensors.end(),
            [](const MappedTensor& x, const MappedTensor& y) {
              return x.hf_name < y.hf_name;
            });
  return mapping;
}

}  // namespace fairport
