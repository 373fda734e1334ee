#include "families/common/convert/quantizer_head.h"

#include "absl/strings/str_cat.h"
#include "base/status_macros.h"

namespace fairport {
namespace {

constexpr WeightRule kQuantizerHeadRules[] = {
    {"quantizer.vars", "quantizer.codevectors"},
    {"quantizer.weight_proj.weight", "quantizer.weight_proj.weight"},
    {"quantizer.weight_proj.bias", "quantizer.weight_proj.bias"},
    {"project_q.weight", "project_q.weight"},
    {"project_q.bias", "project_q.bias"},
    {"final_proj.weight", "project_hid.weight"},
    {"final_proj.bias", "project_hid.bias"},
};

}  // namespace

bool HasQuantizerHead(const FairseqCheckpoint& checkpoint, ModelKind kind) {
  return kind == ModelKind::kPretrained &&
         checkpoint.FindTensor("quantizer.vars") != nullptr &&
         checkpoint.FindTensor("quantizer.weight_proj.weight") != nullptr &&
         checkpoint.FindTensor("project_q.weight") != nullptr &&
         checkpoint.FindTensor("final_proj.weight") != nullptr;
}

absl::Status CheckQuantizerHead(
    const ConfigView& enc,
    const std::function<absl::Status(absl::string_view)>& refuse) {
  std::vector<std::string> ignored;
  ASSIGN_OR_RETURN(int64_t depth, IntOr(enc, "quantizer_depth", 1, ignored));
  if (depth != 1) return refuse(absl::StrCat("quantizer_depth is ", depth));
  ASSIGN_OR_RETURN(bool glu, BoolOr(enc, "target_glu", false, ignored));
  if (glu) return refuse("target_glu is True");
  return absl::OkStatus();
}

absl::Status WriteQuantizerConfigFields(const ConfigView& enc,
                                        int64_t hidden_size, nlohmann::json& c,
                                        TransformersDefaults& defaults,
                                        std::vector<std::string>& defaulted) {
  ASSIGN_OR_RETURN(int64_t latent_vars,
                   IntOr(enc, "latent_vars", 320, defaulted));
  ASSIGN_OR_RETURN(int64_t latent_groups,
                   IntOr(enc, "latent_groups", 2, defaulted));
  ASSIGN_OR_RETURN(int64_t latent_dim, IntOr(enc, "latent_dim", 0, defaulted));
  ASSIGN_OR_RETURN(int64_t final_dim, IntOr(enc, "final_dim", 0, defaulted));
  if (final_dim <= 0) final_dim = hidden_size;
  c["num_codevectors_per_group"] = latent_vars;
  c["num_codevector_groups"] = latent_groups;
  c["codevector_dim"] = latent_dim > 0 ? latent_dim : final_dim;
  c["proj_codevector_dim"] = final_dim;
  ASSIGN_OR_RETURN(c["contrastive_logits_temperature"],
                   NumberOr(enc, "logit_temp", 0.1, defaulted));
  ASSIGN_OR_RETURN(c["num_negatives"],
                   IntOr(enc, "num_negatives", 100, defaulted));
  defaults.Set(c, "diversity_loss_weight", 0.1);
  defaults.Set(c, "feat_quantizer_dropout", 0.0);
  return absl::OkStatus();
}

absl::Span<const WeightRule> QuantizerHeadRules() {
  return kQuantizerHeadRules;
}

void AppendQuantizerHeadParameters(const QuantizerHeadShape& h,
                                   int64_t hidden_size, int64_t conv_width,
                                   std::vector<HfParameter>& out) {
  const int64_t g = h.groups, v = h.codevectors_per_group;
  out.push_back({"quantizer.codevectors", {1, g * v, h.codevector_dim / g}});
  out.push_back({"quantizer.weight_proj.weight", {g * v, conv_width}});
  out.push_back({"quantizer.weight_proj.bias", {g * v}});
  out.push_back(
      {"project_q.weight", {h.proj_codevector_dim, h.codevector_dim}});
  out.push_back({"project_q.bias", {h.proj_codevector_dim}});
  out.push_back({"project_hid.weight", {h.proj_codevector_dim, hidden_size}});
  out.push_back({"project_hid.bias", {h.proj_codevector_dim}});
}

}  // namespace fairport
