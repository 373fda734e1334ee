#include "families/wav2vec2_encoder/synthetic_checkpoint.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "base/status_macros.h"
#include "families/common/conv_layers.h"
#include "families/common/convert/synthetic.h"
#include "nlohmann/json.hpp"

namespace fairport::wav2vec2_encoder {
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
  bool layer_norm_extractor = false;  // extractor_mode=layer_norm
  bool layer_norm_first = false;
  bool conv_bias = false;
  bool normalize = false;
  int64_t final_dim = 256;
  int64_t latent_vars = 320;
  int64_t latent_groups = 2;
  int64_t head_classes = 504;  // a HuBERT-style head's k-means units + 4
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
    s.layer_norm_first = true;
    s.conv_bias = true;
    s.normalize = true;
    s.final_dim = 768;
    return s;
  }
  if (size == "1b" || size == "2b") {
    // XLS-R 1B and 2B: 48 pre-LN layers over the large extractor.
    s.layers = 48;
    s.embed = size == "1b" ? 1280 : 1920;
    s.ffn = 4 * s.embed;
    s.heads = 16;
    s.layer_norm_extractor = true;
    s.layer_norm_first = true;
    s.conv_bias = true;
    s.normalize = true;
    s.final_dim = 1024;
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
    s.final_dim = 16;
    s.latent_vars = 8;
    s.head_classes = 28;
    return s;
  }
  return absl::InvalidArgumentError(absl::StrCat(
      "no synthetic size '", size, "' (tiny, base, large, 1b or 2b)"));
}

// The encoder's parameters and the flavor's head, whose model config
// fields go into `model_config`.
std::vector<SyntheticParam> EncoderParams(
    const Flavor& flavor, const Spec& s, const std::vector<ConvLayer>& conv,
    bool ctc, nlohmann::ordered_json& model_config) {
  std::vector<SyntheticParam> p;
  const int64_t c = s.embed;
  std::vector<int64_t> dims, kernels;
  for (const ConvLayer& l : conv) {
    dims.push_back(l.dim);
    kernels.push_back(l.kernel);
  }
  AppendWav2Vec2FrontEnd({dims, kernels, s.conv_bias, s.layer_norm_extractor, c,
                          s.conv_pos, s.conv_pos_groups},
                         p);
  const int64_t last = conv.back().dim;
  AppendEncoderLayers(s.layers, c, s.ffn, p);
  p.push_back({"encoder.layer_norm.weight", {c}, Init::kGain, 1});
  p.push_back({"encoder.layer_norm.bias", {c}, Init::kBias, 1});
  p.push_back({"layer_norm.weight", {last}, Init::kGain, 1});
  p.push_back({"layer_norm.bias", {last}, Init::kBias, 1});
  flavor.synthetic_head(
      {c, last, s.final_dim, s.latent_vars, s.latent_groups, s.head_classes},
      ctc, p, model_config);
  return p;
}

nlohmann::ordered_json EncoderModelConfig(const Flavor& flavor, const Spec& s) {
  nlohmann::ordered_json m = {
      {"_name", flavor.encoder},
      {"extractor_mode", s.layer_norm_extractor ? "layer_norm" : "default"},
      {"encoder_layers", s.layers},
      {"encoder_embed_dim", s.embed},
      {"encoder_ffn_embed_dim", s.ffn},
      {"encoder_attention_heads", s.heads},
      {"activation_fn", "gelu"},
      {"layer_type", "transformer"},
      {"dropout", 0.1},
      {"attention_dropout", 0.1},
      {"activation_dropout", 0.0},
      {"encoder_layerdrop", 0.05},
      {"dropout_input", 0.1},
      {"dropout_features", 0.1},
      {"final_dim", s.final_dim},
      {"layer_norm_first", s.layer_norm_first},
      {"conv_feature_layers", s.conv_feature_layers},
      {"conv_bias", s.conv_bias},
      {"logit_temp", 0.1},
      {"feature_grad_mult", 0.1},
      {"mask_length", 10},
      {"mask_prob", 0.65},
      {"mask_selection", "static"},
      {"mask_channel_length", 10},
      {"mask_channel_prob", 0.0},
      {"conv_pos", s.conv_pos},
      {"conv_pos_groups", s.conv_pos_groups},
      {"required_seq_len_multiple", 2},
  };
  return m;
}

// MMS-1B's adapter width is 16; the tiny model's 8.
int64_t AdapterDim(const Spec& s) { return s.embed >= 256 ? 16 : 8; }
// The language-ID pooling width (latent_embed_dim).
int64_t LatentDim(const Spec& s) { return s.embed >= 256 ? 512 : 16; }

nlohmann::ordered_json TaskConfig(const Flavor& flavor, const Spec& s,
                                  bool finetuning,
                                  const SyntheticOptions& o = {}) {
  nlohmann::ordered_json task = {
      {"_name", !finetuning         ? flavor.pretraining_task
                : !o.labels.empty() ? "audio_classification"
                                    : "audio_finetuning"},
      {"data", "/data/librispeech"},
      {"sample_rate", 16000},
      {"normalize", s.normalize},
      {"enable_padding", false},
      {"max_sample_size", 250000},
      {"min_sample_size", 32000}};
  if (finetuning) task["labels"] = o.labels.empty() ? "ltr" : "lang";
  if (!o.languages.empty()) {
    // audio_finetuning's corpus keys: adapter i <-> key i (mms.md section 3).
    task["multi_corpus_keys"] = absl::StrJoin(o.languages, ",");
  }
  return task;
}

nlohmann::ordered_json Config(const Flavor& flavor, const Spec& s,
                              nlohmann::ordered_json encoder_model,
                              const SyntheticOptions& o) {
  nlohmann::ordered_json common = {{"_name", nullptr},
                                   {"seed", static_cast<int>(o.seed)},
                                   {"fp16", o.dtype == DType::kF16},
                                   {"log_format", "json"},
                                   {"log_interval", 200}};
  nlohmann::ordered_json pretraining = {
      {"_name", nullptr},
      {"common", common},
      {"model", std::move(encoder_model)},
      {"task", TaskConfig(flavor, s, false)},
      {"criterion", {{"_name", flavor.pretraining_criterion}}},
      {"optimizer",
       {{"_name", "adam"}, {"adam_betas", "(0.9,0.98)"}, {"adam_eps", 1e-06}}}};
  if (!o.ctc && o.labels.empty()) return pretraining;
  nlohmann::ordered_json model = {
      {"_name",
       o.labels.empty() ? flavor.ctc_wrapper : flavor.classification_wrapper},
      {"w2v_path", "/checkpoints/pretrained/checkpoint_best.pt"},
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
      {"data", "/data/librispeech"},
      {"w2v_args", pretraining}};
  if (!o.languages.empty()) {
    // Wav2Vec2AsrConfig's adapter fields, which override w2v_args' (mms.md
    // section 2).
    model["layer_type"] = "trf_adp";
    model["adp_num"] = static_cast<int64_t>(o.languages.size());
    model["adp_dim"] = AdapterDim(s);
    model["adp_act_fn"] = "relu";
    model["adp_trf_idx"] = "all";
  }
  if (!o.labels.empty()) {
    model["pooling"] = "mean";
    model["activation_fn"] = "linear";
    model["latent_embed_dim"] = LatentDim(s);
  }
  nlohmann::ordered_json cfg = pretraining;
  cfg["model"] = model;
  cfg["task"] = TaskConfig(flavor, s, true, o);
  cfg["criterion"] = o.labels.empty()
                         ? nlohmann::ordered_json{{"_name", "ctc"},
                                                  {"zero_infinity", true},
                                                  {"post_process", "letter"}}
                         : nlohmann::ordered_json{{"_name", "model"}};
  return cfg;
}

}  // namespace

std::string SyntheticDictionary() { return LetterDictionary(); }

absl::Status WriteSyntheticCheckpoint(const Flavor& flavor,
                                      const SyntheticOptions& options,
                                      const std::string& path) {
  ASSIGN_OR_RETURN(Spec spec, SpecFor(options.size));
  const bool adapters = !options.languages.empty();
  const bool classifier = !options.labels.empty();
  if ((adapters && (!flavor.attn_adapters || !options.ctc)) ||
      (classifier && (*flavor.classification_wrapper == '\0' || options.ctc))) {
    return absl::InvalidArgumentError(absl::StrCat(
        flavor.family, ": no synthetic ",
        adapters ? "adapter model (languages need a fine-tuned CTC model of "
                   "a family with MMS adapters)"
                 : "classifier (labels need a family with one, not CTC)"));
  }
  if (adapters || classifier) {
    // As MMS-1B: pre-LN layers over a LayerNorm extractor, normalised input
    // (transformers has adapters only in stable-layer-norm layers).
    spec.layer_norm_first = true;
    spec.layer_norm_extractor = true;
    spec.conv_bias = true;
    spec.normalize = true;
  }
  ASSIGN_OR_RETURN(std::vector<ConvLayer> conv,
                   ParseConvFeatureLayers(spec.conv_feature_layers));
  nlohmann::ordered_json encoder_model = EncoderModelConfig(flavor, spec);
  // A fine-tuned model (CTC or classifier) has no pretraining head.
  std::vector<SyntheticParam> params = EncoderParams(
      flavor, spec, conv, options.ctc || classifier, encoder_model);
  const int64_t H = spec.embed;
  if (adapters) {
    // AdapterFast (wav2vec2.py:1380-1433): adp_num adapters stacked on the
    // first dimension of each tensor, in every layer.
    const int64_t N = static_cast<int64_t>(options.languages.size());
    const int64_t A = AdapterDim(spec);
    for (int64_t l = 0; l < spec.layers; ++l) {
      const std::string a =
          absl::StrCat("encoder.layers.", l, ".adapter_layer.");
      params.push_back({a + "W_a", {N, A, H}, Init::kUniform, H});
      params.push_back({a + "W_b", {N, H, A}, Init::kUniform, A});
      params.push_back({a + "b_a", {N, A}, Init::kBias, 1});
      params.push_back({a + "b_b", {N, H}, Init::kBias, 1});
      params.push_back({a + "ln_W", {N, H}, Init::kGain, 1});
      params.push_back({a + "ln_b", {N, H}, Init::kBias, 1});
    }
  }
  if (options.ctc || classifier) {
    for (SyntheticParam& p : params) p.name = "w2v_encoder.w2v_model." + p.name;
  }
  if (classifier) {
    // MeanPoolingFast: linear (H -> latent), projection (latent -> labels).
    const int64_t L = LatentDim(spec);
    const int64_t C = static_cast<int64_t>(options.labels.size());
    params.push_back(
        {"pooling_layer.linear.weight", {L, H}, Init::kUniform, H});
    params.push_back({"pooling_layer.linear.bias", {L}, Init::kBias, 1});
    params.push_back(
        {"pooling_layer.projection.weight", {C, L}, Init::kUniform, L});
    params.push_back({"pooling_layer.projection.bias", {C}, Init::kBias, 1});
  }
  if (options.ctc) {
    params.push_back({"w2v_encoder.proj.weight",
                      {LetterVocabularySize(), spec.embed},
                      Init::kUniform,
                      spec.embed});
    params.push_back(
        {"w2v_encoder.proj.bias", {LetterVocabularySize()}, Init::kBias, 1});
  }
  SyntheticFile file;
  file.ctc = options.ctc;
  file.task_dictionary = options.labels;
  file.dtype = options.dtype;
  file.adam_state = options.adam_state;
  file.seed = options.seed;
  return WriteSyntheticTorchSave(
      params, Config(flavor, spec, std::move(encoder_model), options), file,
      path);
}

}  // namespace fairport::wav2vec2_encoder
