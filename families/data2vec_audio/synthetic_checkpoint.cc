#include "families/data2vec_audio/synthetic_checkpoint.h"

#include <cmath>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "families/common/conv_layers.h"
#include "families/common/convert/synthetic.h"
#include "nlohmann/json.hpp"

namespace fairport::data2vec_audio {
namespace {

std::vector<SyntheticParam> EncoderParams(const SyntheticSpec& s,
                                          const std::vector<ConvLayer>& conv) {
  std::vector<SyntheticParam> p;
  const int64_t c = s.embed;
  p.push_back({"mask_emb", {c}, Init::kUniform, 1});
  for (size_t i = 0; i < conv.size(); ++i) {
    const int64_t in = i == 0 ? 1 : conv[i - 1].dim;
    const std::string l =
        absl::StrCat("feature_extractor.conv_layers.", i, ".");
    p.push_back({l + "0.weight",
                 {conv[i].dim, in, conv[i].kernel},
                 Init::kUniform,
                 in * conv[i].kernel});
    if (s.conv_bias) p.push_back({l + "0.bias", {conv[i].dim}, Init::kBias, 1});
    p.push_back({l + "2.1.weight", {conv[i].dim}, Init::kGain, 1});
    p.push_back({l + "2.1.bias", {conv[i].dim}, Init::kBias, 1});
  }
  const int64_t last = conv.back().dim;
  p.push_back({"post_extract_proj.weight", {c, last}, Init::kUniform, last});
  p.push_back({"post_extract_proj.bias", {c}, Init::kBias, 1});
  const int64_t k = std::max<int64_t>(3, s.conv_pos / s.pos_conv_depth);
  for (int64_t j = 0; j < s.pos_conv_depth; ++j) {
    const std::string l = absl::StrCat("encoder.pos_conv.", j, ".0.");
    p.push_back({l + "weight",
                 {c, c / s.conv_pos_groups, k},
                 Init::kUniform,
                 c / s.conv_pos_groups * k});
    p.push_back({l + "bias", {c}, Init::kBias, 1});
  }
  AppendEncoderLayers(s.layers, c, s.ffn, p);
  p.push_back({"encoder.layer_norm.weight", {c}, Init::kGain, 1});
  p.push_back({"encoder.layer_norm.bias", {c}, Init::kBias, 1});
  p.push_back({"layer_norm.weight", {last}, Init::kGain, 1});
  p.push_back({"layer_norm.bias", {last}, Init::kBias, 1});
  return p;
}

nlohmann::ordered_json EncoderModelConfig(const SyntheticSpec& s) {
  return {{"_name", "data2vec_audio"},
          {"extractor_mode", "layer_norm"},
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
          {"dropout_input", 0.0},
          {"dropout_features", 0.0},
          {"final_dim", 0},
          {"layer_norm_first", false},
          {"conv_feature_layers", s.conv_feature_layers},
          {"conv_bias", s.conv_bias},
          {"feature_grad_mult", 1.0},
          {"mask_length", 10},
          {"mask_prob", 0.65},
          {"mask_selection", "static"},
          {"mask_channel_length", 10},
          {"mask_channel_prob", 0.0},
          {"conv_pos", s.conv_pos},
          {"conv_pos_groups", s.conv_pos_groups},
          {"pos_conv_depth", s.pos_conv_depth},
          {"required_seq_len_multiple", 2},
          {"average_top_k_layers", 8},
          {"layer_norm_target_layer", false},
          {"instance_norm_target_layer", true},
          {"ema_decay", 0.999},
          {"ema_end_decay", 0.9999},
          {"ema_transformer_only", true},
          {"ema_layers_only", true},
          {"max_update", 400000},
          {"max_positions", 100000}};
}

nlohmann::ordered_json TaskConfig(const SyntheticSpec& s, bool finetuning) {
  nlohmann::ordered_json task = {
      {"_name", finetuning ? "audio_finetuning" : "audio_pretraining"},
      {"data", "/data/librispeech"},
      {"sample_rate", 16000},
      {"normalize", true},
      {"enable_padding", false},
      {"max_sample_size", 320000},
      {"min_sample_size", 32000}};
  if (finetuning) task["labels"] = "ltr";
  return task;
}

nlohmann::ordered_json Config(const SyntheticSpec& s) {
  nlohmann::ordered_json common = {{"_name", nullptr},
                                   {"seed", static_cast<int>(s.seed)},
                                   {"fp16", s.dtype == DType::kF16},
                                   {"user_dir", "examples/data2vec"},
                                   {"log_format", "json"},
                                   {"log_interval", 200}};
  nlohmann::ordered_json optimizer = {{"_name", "adam"},
                                      {"adam_betas", "(0.9,0.98)"},
                                      {"adam_eps", 1e-06},
                                      {"weight_decay", 0.01},
                                      {"lr", {0.0005}}};
  nlohmann::ordered_json pretraining = {
      {"_name", nullptr},
      {"common", common},
      {"model", EncoderModelConfig(s)},
      {"task", TaskConfig(s, false)},
      {"criterion", {{"_name", "model"}, {"log_keys", {"ema_decay"}}}},
      {"optimizer", optimizer},
      {"eval_lm", {{"_name", nullptr}, {"softmax_batch", INT64_MAX}}}};
  if (!s.ctc) return pretraining;
  nlohmann::ordered_json model = {
      {"_name", "wav2vec_ctc"},
      {"w2v_path", "/checkpoints/data2vec/checkpoint_best.pt"},
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
      {"normalize", true},
      {"data", "/data/librispeech"},
      {"w2v_args", pretraining}};
  nlohmann::ordered_json cfg = pretraining;
  cfg["model"] = model;
  cfg["task"] = TaskConfig(s, true);
  cfg["criterion"] = {
      {"_name", "ctc"}, {"zero_infinity", true}, {"post_process", "letter"}};
  return cfg;
}

}  // namespace

SyntheticSpec SyntheticSpec::Base() { return SyntheticSpec(); }

SyntheticSpec SyntheticSpec::Large() {
  SyntheticSpec s;
  s.layers = 24;
  s.embed = 1024;
  s.ffn = 4096;
  s.heads = 16;
  return s;
}

SyntheticSpec SyntheticSpec::Tiny() {
  SyntheticSpec s;
  s.layers = 2;
  s.embed = 48;
  s.ffn = 96;
  s.heads = 4;
  s.conv_feature_layers = "[(32, 10, 5)] + [(32, 3, 2)] * 4 + [(32, 2, 2)] * 2";
  s.conv_pos = 12;
  s.pos_conv_depth = 3;
  s.conv_pos_groups = 4;
  s.ctc = true;
  return s;
}

absl::Status WriteSyntheticCheckpoint(const SyntheticSpec& spec,
                                      const std::string& path) {
  ASSIGN_OR_RETURN(std::vector<ConvLayer> conv,
                   ParseConvFeatureLayers(spec.conv_feature_layers));
  std::vector<SyntheticParam> params = EncoderParams(spec, conv);
  if (spec.ctc) {
    for (SyntheticParam& p : params) p.name = "w2v_encoder.w2v_model." + p.name;
    const int64_t vocab = LetterVocabularySize();
    params.push_back({"w2v_encoder.proj.weight",
                      {vocab, spec.embed},
                      Init::kUniform,
                      spec.embed});
    params.push_back({"w2v_encoder.proj.bias", {vocab}, Init::kBias, 1});
  } else {
    params.push_back({"final_proj.weight",
                      {spec.embed, spec.embed},
                      Init::kUniform,
                      spec.embed});
    params.push_back({"final_proj.bias", {spec.embed}, Init::kBias, 1});
  }

  SyntheticFile file;
  file.ctc = spec.ctc;
  file.dtype = spec.dtype;
  file.adam_state = spec.adam_state;
  file.seed = spec.seed;
  return WriteSyntheticTorchSave(params, Config(spec), file, path);
}

}  // namespace fairport::data2vec_audio
