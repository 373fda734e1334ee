#include "families/hubert/flavor.h"

namespace fairport::hubert {
namespace {

using wav2vec2_encoder::FairseqFrames;
using wav2vec2_encoder::Flavor;
using wav2vec2_encoder::SyntheticHeadShape;

// Training-only weights HubertModel has no place for.
constexpr SkipRule kTrainingOnly[] = {
    {"final_proj.", "pretraining head (final_proj)"},
    {"label_embs_concat", "HuBERT label embeddings (label_embs_concat)"},
};

// HubertConfig's feature projection keeps its LayerNorm (fairseq HuBERT's
// layer_norm).
absl::Status WriteConfig(const ConfigView&, int64_t, nlohmann::json& c,
                         TransformersDefaults&, std::vector<std::string>&) {
  c["feat_proj_layer_norm"] = true;
  return absl::OkStatus();
}

// HubertModel's label embeddings (kept by hubert_ctc checkpoints) and
// final_proj (dropped by them), and the config fields of its targets.
void SyntheticHead(const SyntheticHeadShape& s, bool ctc,
                   std::vector<SyntheticParam>& p, nlohmann::ordered_json& m) {
  m["label_rate"] = 50.0;
  m["skip_masked"] = false;
  m["untie_final_proj"] = false;
  p.push_back(
      {"label_embs_concat", {s.classes, s.final_dim}, Init::kUniform, 1});
  if (ctc) return;
  p.push_back(
      {"final_proj.weight", {s.final_dim, s.embed}, Init::kUniform, s.embed});
  p.push_back({"final_proj.bias", {s.final_dim}, Init::kBias, 1});
}

}  // namespace

const Flavor& HubertFlavor() {
  static const Flavor kFlavor = [] {
    Flavor f;
    f.family = "hubert";
    f.model_type = "hubert";
    f.encoder = "hubert";
    f.ctc_wrapper = "hubert_ctc";
    f.hf_name = "Hubert";
    f.hf_prefix = "hubert.";
    f.feat_proj_layer_norm_field = true;
    f.fairseq_frames = FairseqFrames::kAllSamplesPadded;
    f.training_only = kTrainingOnly;
    f.write_config = WriteConfig;
    f.pretraining_task = "hubert_pretraining";
    f.pretraining_criterion = "hubert";
    f.synthetic_head = SyntheticHead;
    return f;
  }();
  return kFlavor;
}

}  // namespace fairport::hubert
