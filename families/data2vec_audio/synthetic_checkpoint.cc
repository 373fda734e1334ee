#include "families/data2vec_audio/synthetic_checkpoint.h"

#include <cmath>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "families/common/conv_layers.h"
#include "formats/torch_writer.h"
#include "nlohmann/json.hpp"

namespace fairport::data2vec_audio {
namespace {

constexpr const char* kLetters[] = {
    "|", "E", "T", "A", "O", "N", "I", "H", "S", "R", "D", "L", "U", "M", "W",
    "C", "F", "G", "Y", "P", "B", "V", "K", "'", "X", "J", "Q", "Z", "-"};

// How a tensor's deterministic values are drawn.
enum class Init { kUniform, kGain, kBias };

struct Param {
  std::string name;
  std::vector<int64_t> shape;
  Init init;
  int64_t fan_in;
};

uint64_t SplitMix(uint64_t& state) {
  uint64_t z = (state += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

float Uniform(uint64_t& state) {
  return static_cast<float>((SplitMix(state) >> 40) * (2.0 / (1ull << 24)) -
                            1.0);
}

std::vector<Param> EncoderParams(const SyntheticSpec& s,
                                 const std::vector<ConvLayer>& conv) {
  std::vector<Param> p;
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
  for (int64_t l = 0; l < s.layers; ++l) {
    const std::string e = absl::StrCat("encoder.layers.", l, ".");
    for (const char* proj : {"k_proj", "v_proj", "q_proj", "out_proj"}) {
      p.push_back({absl::StrCat(e, "self_attn.", proj, ".weight"),
                   {c, c},
                   Init::kUniform,
                   c});
      p.push_back(
          {absl::StrCat(e, "self_attn.", proj, ".bias"), {c}, Init::kBias, 1});
    }
    p.push_back({e + "self_attn_layer_norm.weight", {c}, Init::kGain, 1});
    p.push_back({e + "self_attn_layer_norm.bias", {c}, Init::kBias, 1});
    p.push_back({e + "fc1.weight", {s.ffn, c}, Init::kUniform, c});
    p.push_back({e + "fc1.bias", {s.ffn}, Init::kBias, 1});
    p.push_back({e + "fc2.weight", {c, s.ffn}, Init::kUniform, s.ffn});
    p.push_back({e + "fc2.bias", {c}, Init::kBias, 1});
    p.push_back({e + "final_layer_norm.weight", {c}, Init::kGain, 1});
    p.push_back({e + "final_layer_norm.bias", {c}, Init::kBias, 1});
  }
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

std::string LetterDictionary() {
  std::string out;
  int64_t count = 900000;
  for (const char* letter : kLetters) {
    absl::StrAppend(&out, letter, " ", count, "\n");
    count -= 23456;
  }
  return out;
}

absl::Status WriteSyntheticCheckpoint(const SyntheticSpec& spec,
                                      const std::string& path) {
  ASSIGN_OR_RETURN(std::vector<ConvLayer> conv,
                   ParseConvFeatureLayers(spec.conv_feature_layers));
  std::vector<Param> params = EncoderParams(spec, conv);
  if (spec.ctc) {
    for (Param& p : params) p.name = "w2v_encoder.w2v_model." + p.name;
    const int64_t vocab = 4 + static_cast<int64_t>(std::size(kLetters));
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

  TorchSaveWriter writer("checkpoint");
  PickleWriter& p = writer.pickle();
  p.EmptyDict();
  p.Mark();
  p.String("args");
  p.None();
  p.String("cfg");
  p.Json(Config(spec));
  p.String("model");
  p.Global("collections", "OrderedDict");
  p.EmptyTuple();
  p.Reduce();
  p.Mark();
  for (const Param& param : params) {
    p.String(param.name);
    writer.Tensor(spec.dtype, param.shape);
  }
  p.SetItems();
  p.String("criterion");
  p.None();
  p.String("optimizer_history");
  p.Json(nlohmann::ordered_json::array(
      {{{"criterion_name", spec.ctc ? "CtcCriterion" : "ModelCriterion"},
        {"optimizer_name", "FairseqAdam"},
        {"lr_scheduler_state", {{"best", 0.5}}},
        {"num_updates", 400000}}}));
  p.String("task_state");
  p.EmptyDict();
  p.String("extra_state");
  p.Json({{"previous_training_time", 3600.5}, {"val_loss", 0.5}});
  const size_t model_storages = params.size();
  if (spec.adam_state) {
    // Adam keeps two fp32 moments per parameter: {state: {i: {step, exp_avg,
    // exp_avg_sq}}}.
    p.String("last_optimizer_state");
    p.EmptyDict();
    p.Mark();
    p.String("state");
    p.EmptyDict();
    p.Mark();
    for (size_t i = 0; i < params.size(); ++i) {
      p.Int(static_cast<int64_t>(i));
      p.EmptyDict();
      p.Mark();
      p.String("step");
      p.Int(400000);
      p.String("exp_avg");
      writer.Tensor(DType::kF32, params[i].shape);
      p.String("exp_avg_sq");
      writer.Tensor(DType::kF32, params[i].shape);
      p.SetItems();
    }
    p.SetItems();
    p.String("param_groups");
    p.Json(nlohmann::ordered_json::array(
        {{{"lr", 0.0005}, {"betas", {0.9, 0.98}}, {"eps", 1e-06}}}));
    p.SetItems();
  }
  p.SetItems();

  std::string buffer;
  return writer.Finish(path, [&](size_t index, ZipWriter& zip) -> absl::Status {
    const bool is_model = index < model_storages;
    const Param& param =
        params[is_model ? index : (index - model_storages) / 2];
    const DType dtype = is_model ? spec.dtype : DType::kF32;
    int64_t numel = 1;
    for (int64_t d : param.shape) numel *= d;
    uint64_t state = spec.seed * 0x100000001B3ull + index;
    const float scale = 1.0f / std::sqrt(static_cast<float>(param.fan_in));
    constexpr int64_t kChunk = 1 << 20;
    std::vector<float> values;
    for (int64_t first = 0; first < numel; first += kChunk) {
      const int64_t count = std::min(kChunk, numel - first);
      values.resize(count);
      for (float& v : values) {
        const float u = Uniform(state);
        if (!is_model) {
          v = 1e-4f * u;
        } else if (param.init == Init::kGain) {
          v = 1.0f + 0.25f * u;
        } else if (param.init == Init::kBias) {
          v = 0.1f * u;
        } else {
          v = scale * u;
        }
      }
      buffer.resize(count * ItemSize(dtype));
      CastFloats(DType::kF32, values.data(), dtype, buffer.data(), count);
      RETURN_IF_ERROR(zip.Write(buffer));
    }
    return absl::OkStatus();
  });
}

}  // namespace fairport::data2vec_audio
