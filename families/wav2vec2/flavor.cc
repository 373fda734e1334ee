#include "families/wav2vec2/flavor.h"

#include "base/status_macros.h"
#include "families/common/convert/quantizer_head.h"

namespace fairport::wav2vec2 {
namespace {

using wav2vec2_encoder::Flavor;
using wav2vec2_encoder::SyntheticHeadShape;

// Training-only weights Wav2Vec2Model has no place for (Wav2Vec2ForPreTraining
// maps the quantizer and project_q when it holds them).
constexpr SkipRule kTrainingOnly[] = {
    {"final_proj.", "pretraining head (final_proj)"},
    {"quantizer.", "quantizer"},
    {"project_q.", "quantizer"},
    {"target_glu.", "pretraining head (target_glu)"},
};

// Wav2Vec2Config's quantizer, output_hidden_size and adapter fields.
absl::Status WriteConfig(const ConfigView& enc, int64_t embed,
                         nlohmann::json& c, TransformersDefaults& defaults,
                         std::vector<std::string>& defaulted) {
  RETURN_IF_ERROR(
      WriteQuantizerConfigFields(enc, embed, c, defaults, defaulted));
  c["output_hidden_size"] = embed;
  defaults.Set(c, "adapter_attn_dim", nullptr);
  WriteAdapterDefaults(c, defaults);
  return absl::OkStatus();
}

// Wav2Vec2Model's quantizer, project_q and final_proj (fairseq drops them
// from a fine-tuned wrapper), and the config fields that shape them.
void SyntheticHead(const SyntheticHeadShape& s, bool ctc,
                   std::vector<SyntheticParam>& p, nlohmann::ordered_json& m) {
  m["quantize_targets"] = true;
  m["quantize_input"] = false;
  m["latent_vars"] = s.latent_vars;
  m["latent_groups"] = s.latent_groups;
  m["latent_dim"] = 0;
  m["quantizer_depth"] = 1;
  m["num_negatives"] = 100;
  m["codebook_negatives"] = 0;
  m["target_glu"] = false;
  m["pos_conv_depth"] = 1;
  if (ctc) return;
  const int64_t gv = s.latent_groups * s.latent_vars;
  const int64_t d = s.final_dim;
  p.push_back(
      {"quantizer.vars", {1, gv, d / s.latent_groups}, Init::kUniform, 1});
  p.push_back({"quantizer.weight_proj.weight",
               {gv, s.conv_width},
               Init::kUniform,
               s.conv_width});
  p.push_back({"quantizer.weight_proj.bias", {gv}, Init::kBias, 1});
  p.push_back({"project_q.weight", {d, d}, Init::kUniform, d});
  p.push_back({"project_q.bias", {d}, Init::kBias, 1});
  p.push_back({"final_proj.weight", {d, s.embed}, Init::kUniform, s.embed});
  p.push_back({"final_proj.bias", {d}, Init::kBias, 1});
}

}  // namespace

const Flavor& Wav2Vec2Flavor() {
  static const Flavor kFlavor = [] {
    Flavor f;
    f.family = "wav2vec2";
    f.model_type = "wav2vec2";
    f.encoder = "wav2vec2";
    f.ctc_wrapper = "wav2vec_ctc";
    f.classification_wrapper = "wav2vec_classification";
    f.hf_name = "Wav2Vec2";
    f.hf_prefix = "wav2vec2.";
    f.pretraining_class = true;
    f.attn_adapters = true;
    f.training_only = kTrainingOnly;
    f.write_config = WriteConfig;
    f.pretraining_task = "audio_pretraining";
    f.pretraining_criterion = "wav2vec";
    f.synthetic_head = SyntheticHead;
    return f;
  }();
  return kFlavor;
}

}  // namespace fairport::wav2vec2
