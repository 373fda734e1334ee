#include "families/wav2vec2_conformer/synthetic_checkpoint.h"

#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "families/common/conv_layers.h"
#include "families/common/convert/synthetic.h"
#include "nlohmann/json.hpp"

namespace fairport::wav2vec2_conformer {
namespace {

struct Spec {
  int64_t layers = 12;
  int64_t embed = 768;
  int64_t ffn = 3072;
  int64_t heads = 12;
  std::string conv_feature_layers =
      "[(512, 10, 5)] + [(512, 3, 2)] * 4 + [(512,2,2)] + [(512,2,2)]";
  int64_t conv_pos = 128;
  int64_t conv_pos_groups = 16;
  int64_t depthwise_kernel = 31;
  bool rotary = false;
  bool layer_norm_extractor = false;
  bool conv_bias = false;
  bool normalize = false;
  int64_t final_dim = 256;
  int64_t latent_vars = 320;
  int64_t latent_groups = 2;
};

absl::StatusOr<Spec> SpecFor(const std::string& size) {
  Spec s;
  if (size == "base") return s;
  if (size == "large") {
    s.layers = 24;
    s.embed = 1024;
    s.ffn = 4096;
    s.heads = 16;
    s.layer_norm_extractor = true;
    s.conv_bias = true;
    s.normalize = true;
    s.final_dim = 768;
    return s;
  }
  if (size == "tiny") {
    s.layers = 2;
    s.embed = 48;
    s.ffn = 96;
    s.heads = 4;
    s.conv_feature_layers =
        "[(32, 10, 5)] + [(32, 3, 2)] * 4 + [(32, 2, 2)] * 2";
    s.conv_pos = 16;
    s.conv_pos_groups = 4;
    s.depthwise_kernel = 7;
    s.rotary = true;
    s.final_dim = 16;
    s.latent_vars = 8;
    return s;
  }
  return absl::InvalidArgumentError(
      absl::StrCat("no synthetic size '", size, "' (tiny, base or large)"));
}

void AppendConformerLayers(const Spec& s, std::vector<SyntheticParam>& p) {
  const int64_t c = s.embed, f = s.ffn, d = s.embed / s.heads;
  auto norm = [&](const std::string& name) {
    p.push_back({name + ".weight", {c}, Init::kGain, 1});
    p.push_back({name + ".bias", {c}, Init::kBias, 1});
  };
  auto ffn = [&](const std::string& m) {
    norm(m + ".layer_norm");
    p.push_back({m + ".w_1.weight", {f, c}, Init::kUniform, c});
    p.push_back({m + ".w_1.bias", {f}, Init::kBias, 1});
    p.push_back({m + ".w_2.weight", {c, f}, Init::kUniform, f});
    p.push_back({m + ".w_2.bias", {c}, Init::kBias, 1});
  };
  for (int64_t l = 0; l < s.layers; ++l) {
    const std::string e = absl::StrCat("encoder.layers.", l, ".");
    ffn(e + "ffn1");
    norm(e + "self_attn_layer_norm");
    const std::string a = e + "self_attn.";
    if (!s.rotary) {
      p.push_back({a + "pos_bias_u", {s.heads, d}, Init::kUniform, d});
      p.push_back({a + "pos_bias_v", {s.heads, d}, Init::kUniform, d});
    }
    for (const char* linear :
         {"linear_q", "linear_k", "linear_v", "linear_out"}) {
      p.push_back({a + linear + ".weight", {c, c}, Init::kUniform, c});
      p.push_back({a + linear + ".bias", {c}, Init::kBias, 1});
    }
    if (s.rotary) {
      p.push_back({a + "rotary_emb.inv_freq",
                   {d / 2},
                   Init::kRotaryFrequencies,
                   1,
                   true});
    } else {
      p.push_back({a + "linear_pos.weight", {c, c}, Init::kUniform, c});
    }
    const std::string m = e + "conv_module.";
    norm(m + "layer_norm");
    p.push_back(
        {m + "pointwise_conv1.weight", {2 * c, c, 1}, Init::kUniform, c});
    p.push_back({m + "depthwise_conv.weight",
                 {c, 1, s.depthwise_kernel},
                 Init::kUniform,
                 s.depthwise_kernel});
    norm(m + "batch_norm");
    p.push_back({m + "batch_norm.running_mean", {c}, Init::kBias, 1, true});
    p.push_back({m + "batch_norm.running_var", {c}, Init::kGain, 1, true});
    p.push_back(
        {m + "batch_norm.num_batches_tracked", {}, Init::kStepCount, 1, true});
    p.push_back({m + "pointwise_conv2.weight", {c, c, 1}, Init::kUniform, c});
    ffn(e + "ffn2");
    norm(e + "final_layer_norm");
  }
}

std::vector<SyntheticParam> EncoderParams(const Spec& s,
                                          const std::vector<ConvLayer>& conv,
                                          bool ctc) {
  std::vector<SyntheticParam> p;
  const int64_t c = s.embed;
  std::vector<int64_t> dims, kernels;
  for (const ConvLayer& l : conv) {
    dims.push_back(l.dim);
    kernels.push_back(l.kernel);
  }
  // The positional convolution is built and stored by fairseq, never
  // applied to a conformer.
  AppendWav2Vec2FrontEnd({dims, kernels, s.conv_bias, s.layer_norm_extractor, c,
                          s.conv_pos, s.conv_pos_groups},
                         p);
  const int64_t last = conv.back().dim;
  AppendConformerLayers(s, p);
  p.push_back({"encoder.layer_norm.weight", {c}, Init::kGain, 1});
  p.push_back({"encoder.layer_norm.bias", {c}, Init::kBias, 1});
  p.push_back({"layer_norm.weight", {last}, Init::kGain, 1});
  p.push_back({"layer_norm.bias", {last}, Init::kBias, 1});
  if (!ctc) {
    const int64_t gv = s.latent_groups * s.latent_vars;
    p.push_back({"quantizer.vars",
                 {1, gv, s.final_dim / s.latent_groups},
                 Init::kUniform,
                 1});
    p.push_back(
        {"quantizer.weight_proj.weight", {gv, last}, Init::kUniform, last});
    p.push_back({"quantizer.weight_proj.bias", {gv}, Init::kBias, 1});
    p.push_back({"project_q.weight",
                 {s.final_dim, s.final_dim},
                 Init::kUniform,
                 s.final_dim});
    p.push_back({"project_q.bias", {s.final_dim}, Init::kBias, 1});
    p.push_back({"final_proj.weight", {s.final_dim, c}, Init::kUniform, c});
    p.push_back({"final_proj.bias", {s.final_dim}, Init::kBias, 1});
  }
  return p;
}

// Wav2Vec2Config of fairseq's large conformer recipe
// (wav2vec2_conformer_large_librivox.yaml), sized by `s`.
nlohmann::ordered_json EncoderModelConfig(const Spec& s, bool fp16) {
  return {
      {"_name", "wav2vec2"},
      {"extractor_mode", s.layer_norm_extractor ? "layer_norm" : "default"},
      {"encoder_layers", s.layers},
      {"encoder_embed_dim", s.embed},
      {"encoder_ffn_embed_dim", s.ffn},
      {"encoder_attention_heads", s.heads},
      {"activation_fn", "gelu"},
      {"layer_type", "conformer"},
      {"dropout", 0.1},
      {"attention_dropout", 0.1},
      {"activation_dropout", 0.0},
      {"encoder_layerdrop", 0.0},
      {"dropout_input", 0.1},
      {"dropout_features", 0.1},
      {"final_dim", s.final_dim},
      {"layer_norm_first", true},
      {"conv_feature_layers", s.conv_feature_layers},
      {"conv_bias", s.conv_bias},
      {"logit_temp", 0.1},
      {"quantize_targets", true},
      {"quantize_input", false},
      {"target_glu", false},
      {"feature_grad_mult", 0.1},
      {"quantizer_depth", 1},
      {"latent_vars", s.latent_vars},
      {"latent_groups", s.latent_groups},
      {"latent_dim", 0},
      {"mask_length", 10},
      {"mask_prob", 0.65},
      {"mask_selection", "static"},
      {"mask_channel_length", 10},
      {"mask_channel_prob", 0.0},
      {"num_negatives", 100},
      {"codebook_negatives", 0},
      {"conv_pos", s.conv_pos},
      {"conv_pos_groups", s.conv_pos_groups},
      {"pos_conv_depth", 1},
      {"max_positions", 100000},
      {"required_seq_len_multiple", 2},
      {"crop_seq_to_multiple", 1},
      {"depthwise_conv_kernel_size", s.depthwise_kernel},
      {"attn_type", "espnet"},
      {"pos_enc_type", s.rotary ? "rope" : "rel_pos"},
      {"fp16", fp16},
  };
}

nlohmann::ordered_json TaskConfig(const Spec& s, bool finetuning) {
  nlohmann::ordered_json task = {
      {"_name", finetuning ? "audio_finetuning" : "audio_pretraining"},
      {"data", "/data/librilight"},
      {"sample_rate", 16000},
      {"normalize", s.normalize},
      {"enable_padding", false},
      {"max_sample_size", 320000},
      {"min_sample_size", 32000}};
  if (finetuning) task["labels"] = "ltr";
  return task;
}

nlohmann::ordered_json Config(const Spec& s, const SyntheticOptions& o) {
  const bool fp16 = o.dtype == DType::kF16;
  nlohmann::ordered_json pretraining = {
      {"_name", nullptr},
      {"common",
       {{"_name", nullptr},
        {"seed", static_cast<int>(o.seed)},
        {"fp16", fp16},
        {"log_format", "json"},
        {"log_interval", 200}}},
      {"model", EncoderModelConfig(s, fp16)},
      {"task", TaskConfig(s, false)},
      {"criterion", {{"_name", "wav2vec"}}},
      {"optimizer",
       {{"_name", "adam"}, {"adam_betas", "(0.9,0.98)"}, {"adam_eps", 1e-06}}}};
  if (!o.ctc) return pretraining;
  // As fine-tuned from the MMS release on: the fine-tuning config's own
  // layer_type, which fairseq writes over w2v_args.model's.
  nlohmann::ordered_json model = {
      {"_name", "wav2vec_ctc"},
      {"w2v_path", "/checkpoints/conformer/checkpoint_best.pt"},
      {"no_pretrained_weights", false},
      {"dropout_input", 0.0},
      {"final_dropout", 0.0},
      {"dropout", 0.0},
      {"activation_dropout", 0.1},
      {"attention_dropout", 0.0},
      {"apply_mask", true},
      {"mask_length", 10},
      {"mask_prob", 0.65},
      {"mask_channel_length", 64},
      {"mask_channel_prob", 0.25},
      {"layerdrop", 0.1},
      {"freeze_finetune_updates", 10000},
      {"normalize", s.normalize},
      {"data", "/data/librilight"},
      {"layer_type", "conformer"},
      {"w2v_args", pretraining}};
  nlohmann::ordered_json cfg = pretraining;
  cfg["model"] = model;
  cfg["task"] = TaskConfig(s, true);
  cfg["criterion"] = {
      {"_name", "ctc"}, {"zero_infinity", true}, {"post_process", "letter"}};
  return cfg;
}

}  // namespace

std::string SyntheticDictionary() { return LetterDictionary(); }

absl::Status WriteSyntheticCheckpoint(const SyntheticOptions& options,
                                      const std::string& path) {
  RETURN_IF_ERROR(
      RefuseMmsShapes(options.languages, options.labels, "wav2vec2_conformer"));
  ASSIGN_OR_RETURN(Spec spec, SpecFor(options.size));
  ASSIGN_OR_RETURN(std::vector<ConvLayer> conv,
                   ParseConvFeatureLayers(spec.conv_feature_layers));
  std::vector<SyntheticParam> params = EncoderParams(spec, conv, options.ctc);
  if (options.ctc) {
    for (SyntheticParam& p : params) p.name = "w2v_encoder.w2v_model." + p.name;
    params.push_back({"w2v_encoder.proj.weight",
                      {LetterVocabularySize(), spec.embed},
                      Init::kUniform,
                      spec.embed});
    params.push_back(
        {"w2v_encoder.proj.bias", {LetterVocabularySize()}, Init::kBias, 1});
  }
  SyntheticFile file;
  file.ctc = options.ctc;
  file.dtype = options.dtype;
  file.adam_state = options.adam_state;
  file.seed = options.seed;
  return WriteSyntheticTorchSave(params, Config(spec, options), file, path);
}

}  // namespace fairport::wav2vec2_conformer
