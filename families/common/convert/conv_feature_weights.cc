#include "families/common/convert/conv_feature_weights.h"

#include "absl/strings/str_cat.h"

namespace fairport {
namespace {

// clang-format off
constexpr WeightRule kConvFeatureRules[] = {
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
};
// clang-format on

}  // namespace

absl::Span<const WeightRule> ConvFeatureRules() { return kConvFeatureRules; }

std::vector<WeightRule> JoinWeightRules(
    std::initializer_list<absl::Span<const WeightRule>> parts) {
  std::vector<WeightRule> out;
  for (absl::Span<const WeightRule> part : parts)
    out.insert(out.end(), part.begin(), part.end());
  return out;
}

void AppendConvFeatureParameters(const std::string& p,
                                 const ConvFeatureShape& s,
                                 std::vector<HfParameter>& out) {
  for (size_t i = 0; i < s.conv_dim.size(); ++i) {
    const std::string l =
        absl::StrCat(p, "feature_extractor.conv_layers.", i, ".");
    out.push_back(
        {l + "conv.weight",
         {s.conv_dim[i], i == 0 ? 1 : s.conv_dim[i - 1], s.conv_kernel[i]}});
    if (s.conv_bias) out.push_back({l + "conv.bias", {s.conv_dim[i]}});
    if (!s.group_norm || i == 0) {
      out.push_back({l + "layer_norm.weight", {s.conv_dim[i]}});
      out.push_back({l + "layer_norm.bias", {s.conv_dim[i]}});
    }
  }
  const int64_t last = s.conv_dim.back();
  if (s.projection_layer_norm) {
    out.push_back({p + "feature_projection.layer_norm.weight", {last}});
    out.push_back({p + "feature_projection.layer_norm.bias", {last}});
  }
  out.push_back(
      {p + "feature_projection.projection.weight", {s.hidden_size, last}});
  out.push_back({p + "feature_projection.projection.bias", {s.hidden_size}});
}

void FillIdentityProjection(const FairseqCheckpoint& checkpoint,
                            int64_t conv_width, int64_t hidden_size,
                            WeightTable& table) {
  if (conv_width != hidden_size ||
      checkpoint.FindTensor(table.fairseq_prefix +
                            "post_extract_proj.weight") != nullptr) {
    return;
  }
  const TensorRef* norm =
      checkpoint.FindTensor(table.fairseq_prefix + "layer_norm.weight");
  const DType dtype = norm != nullptr && IsFloatingPoint(norm->storage->dtype)
                          ? norm->storage->dtype
                          : DType::kF32;
  const std::string note = absl::StrCat(
      "feature_projection.projection written as the identity (weight = I, "
      "bias = 0): fairseq has no post_extract_proj when the conv width (",
      conv_width, ") is the model width");
  table.fill_missing[table.hf_prefix + "feature_projection.projection.weight"] =
      {IdentityMatrix(conv_width, dtype), note};
  table.fill_missing[table.hf_prefix + "feature_projection.projection.bias"] = {
      ZeroVector(conv_width, dtype), note};
}

}  // namespace fairport
