#include "families/common/passes/hf_state_dict.h"

#include <set>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace fairport {
namespace {

std::string ShapeText(const std::vector<int64_t>& shape) {
  return absl::StrCat("[", absl::StrJoin(shape, ", "), "]");
}

}  // namespace

void AppendHfLinear(const std::string& prefix, int64_t in, int64_t out_features,
                    bool read, std::vector<HfStateDictEntry>& out) {
  out.push_back({prefix + "weight", {out_features, in}, read, ""});
  out.push_back({prefix + "bias", {out_features}, read, ""});
}

void AppendHfNorm(const std::string& prefix, int64_t channels,
                  std::vector<HfStateDictEntry>& out) {
  out.push_back({prefix + "weight", {channels}, true, ""});
  out.push_back({prefix + "bias", {channels}, true, ""});
}

// Wav2Vec2EncoderLayer: attention (q, k, v, out projections), layer_norm,
// feed_forward (intermediate_dense, output_dense), final_layer_norm.
void AppendHfEncoderLayer(const std::string& prefix, int64_t hidden,
                          int64_t intermediate,
                          std::vector<HfStateDictEntry>& out) {
  for (const char* proj : {"q_proj.", "k_proj.", "v_proj.", "out_proj."})
    AppendHfLinear(absl::StrCat(prefix, "attention.", proj), hidden, hidden,
                   true, out);
  AppendHfNorm(prefix + "layer_norm.", hidden, out);
  AppendHfLinear(prefix + "feed_forward.intermediate_dense.", hidden,
                 intermediate, true, out);
  AppendHfLinear(prefix + "feed_forward.output_dense.", intermediate, hidden,
                 true, out);
  AppendHfNorm(prefix + "final_layer_norm.", hidden, out);
}

absl::StatusOr<std::vector<WeightFinding>> CompareHfWeights(
    const std::vector<HfStateDictEntry>& expected, const std::string& hf_class,
    const std::string& file, Weights& weights) {
  std::vector<WeightFinding> findings;
  std::set<std::string> known;
  for (const HfStateDictEntry& p : expected) {
    auto it = weights.find(p.name);
    // transformers' _fix_key maps either weight-norm spelling onto the one
    // its PyTorch uses; the HF pass reads the expected name.
    if (it == weights.end() && !p.alias.empty()) {
      auto alias = weights.find(p.alias);
      if (alias != weights.end()) {
        it = weights.emplace(p.name, alias->second).first;
        weights.erase(alias);
      }
    }
    known.insert(p.name);
    if (it == weights.end()) {
      findings.push_back(
          {WeightFinding::Kind::kMissing, p.name, p.read_in_eval,
           p.read_in_eval
               ? "newly initialized (random) by transformers and read by its "
                 "forward: outputs would be random"
               : "newly initialized (random) by transformers; its eval "
                 "forward does not read it"});
      continue;
    }
    const std::vector<int64_t> shape = it->second.sizes().vec();
    if (shape != p.shape) {
      return absl::InvalidArgumentError(absl::StrCat(
          file, ": ", p.name, " has shape ", ShapeText(shape), " but ",
          hf_class, " expects ", ShapeText(p.shape),
          " (transformers' from_pretrained raises a size mismatch)"));
    }
  }
  // Dropped, so that the pass reads nothing transformers would not load.
  for (auto it = weights.begin(); it != weights.end();) {
    if (known.count(it->first)) {
      ++it;
      continue;
    }
    findings.push_back({WeightFinding::Kind::kUnused, it->first, false,
                        absl::StrCat("not used when initializing ", hf_class,
                                     " (transformers warns and ignores it)")});
    it = weights.erase(it);
  }
  return findings;
}

bool ChangesOutput(const std::vector<WeightFinding>& findings) {
  for (const WeightFinding& f : findings)
    if (f.changes_output) return true;
  return false;
}

}  // namespace fairport
