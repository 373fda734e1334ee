#include "families/common/convert/synthetic.h"

#include <cmath>
#include <cstring>
#include <iterator>

#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "formats/torch_writer.h"

namespace fairport {
namespace {

constexpr const char* kLetters[] = {
    "|", "E", "T", "A", "O", "N", "I", "H", "S", "R", "D", "L", "U", "M", "W",
    "C", "F", "G", "Y", "P", "B", "V", "K", "'", "X", "J", "Q", "Z", "-"};

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

}  // namespace

std::string LetterDictionary() {
  std::string out;
  int64_t count = 900000;
  for (const char* letter : kLetters) {
    absl::StrAppend(&out, letter, " ", count, "\n");
    count -= 23456;
  }
  return out;
}

int64_t LetterVocabularySize() {
  return 4 + static_cast<int64_t>(std::size(kLetters));
}

void AppendEncoderLayers(int64_t layers, int64_t embed, int64_t ffn,
                         std::vector<SyntheticParam>& params) {
  for (int64_t l = 0; l < layers; ++l) {
    const std::string e = absl::StrCat("encoder.layers.", l, ".");
    for (const char* proj : {"k_proj", "v_proj", "q_proj", "out_proj"}) {
      params.push_back({absl::StrCat(e, "self_attn.", proj, ".weight"),
                        {embed, embed},
                        Init::kUniform,
                        embed});
      params.push_back({absl::StrCat(e, "self_attn.", proj, ".bias"),
                        {embed},
                        Init::kBias,
                        1});
    }
    params.push_back(
        {e + "self_attn_layer_norm.weight", {embed}, Init::kGain, 1});
    params.push_back(
        {e + "self_attn_layer_norm.bias", {embed}, Init::kBias, 1});
    params.push_back({e + "fc1.weight", {ffn, embed}, Init::kUniform, embed});
    params.push_back({e + "fc1.bias", {ffn}, Init::kBias, 1});
    params.push_back({e + "fc2.weight", {embed, ffn}, Init::kUniform, ffn});
    params.push_back({e + "fc2.bias", {embed}, Init::kBias, 1});
    params.push_back({e + "final_layer_norm.weight", {embed}, Init::kGain, 1});
    params.push_back({e + "final_layer_norm.bias", {embed}, Init::kBias, 1});
  }
}

absl::Status RefuseMmsShapes(const std::vector<std::string>& languages,
                             const std::vector<std::string>& labels,
                             absl::string_view family) {
  if (languages.empty() && labels.empty()) return absl::OkStatus();
  return absl::InvalidArgumentError(
      absl::StrCat(family, ": no synthetic model with ",
                   languages.empty() ? "labels" : "per-language adapters",
                   " (MMS shapes are wav2vec 2.0's)"));
}

void AppendWav2Vec2FrontEnd(const Wav2Vec2FrontEnd& f,
                            std::vector<SyntheticParam>& p) {
  const int64_t c = f.embed;
  p.push_back({"mask_emb", {c}, Init::kUniform, 1});
  for (size_t i = 0; i < f.conv_dim.size(); ++i) {
    const int64_t in = i == 0 ? 1 : f.conv_dim[i - 1];
    const std::string l =
        absl::StrCat("feature_extractor.conv_layers.", i, ".");
    p.push_back({l + "0.weight",
                 {f.conv_dim[i], in, f.conv_kernel[i]},
                 Init::kUniform,
                 in * f.conv_kernel[i]});
    if (f.conv_bias)
      p.push_back({l + "0.bias", {f.conv_dim[i]}, Init::kBias, 1});
    const std::string norm = f.layer_norm_extractor ? "2.1." : "2.";
    if (f.layer_norm_extractor || i == 0) {
      p.push_back({l + norm + "weight", {f.conv_dim[i]}, Init::kGain, 1});
      p.push_back({l + norm + "bias", {f.conv_dim[i]}, Init::kBias, 1});
    }
  }
  const int64_t last = f.conv_dim.back();
  if (last != c) {
    p.push_back({"post_extract_proj.weight", {c, last}, Init::kUniform, last});
    p.push_back({"post_extract_proj.bias", {c}, Init::kBias, 1});
  }
  const int64_t k = f.conv_pos, g = f.conv_pos_groups;
  p.push_back({"encoder.pos_conv.0.bias", {c}, Init::kBias, 1});
  p.push_back({"encoder.pos_conv.0.weight_g", {1, 1, k}, Init::kGain, 1});
  p.push_back({"encoder.pos_conv.0.weight_v",
               {c, c / g, k},
               Init::kUniform,
               c / g * k});
}

absl::Status WriteSyntheticTorchSave(const std::vector<SyntheticParam>& params,
                                     const nlohmann::ordered_json& cfg,
                                     const SyntheticFile& file,
                                     const std::string& path) {
  TorchSaveWriter writer("checkpoint");
  PickleWriter& p = writer.pickle();
  p.EmptyDict();
  p.Mark();
  p.String("args");
  p.None();
  p.String("cfg");
  p.Json(cfg);
  p.String("model");
  p.Global("collections", "OrderedDict");
  p.EmptyTuple();
  p.Reduce();
  p.Mark();
  auto dtype_of = [&](const SyntheticParam& param) {
    return param.init == Init::kStepCount ? DType::kI64 : file.dtype;
  };
  // Adam keeps state for the parameters, not the buffers.
  std::vector<const SyntheticParam*> trained;
  for (const SyntheticParam& param : params) {
    p.String(param.name);
    writer.Tensor(dtype_of(param), param.shape);
    if (!param.buffer) trained.push_back(&param);
  }
  p.SetItems();
  p.String("criterion");
  p.None();
  p.String("optimizer_history");
  p.Json(nlohmann::ordered_json::array(
      {{{"criterion_name", file.ctc ? "CtcCriterion" : "ModelCriterion"},
        {"optimizer_name", "FairseqAdam"},
        {"lr_scheduler_state", {{"best", 0.5}}},
        {"num_updates", 400000}}}));
  p.String("task_state");
  p.EmptyDict();
  if (!file.task_dictionary.empty()) {
    // fairseq's Dictionary as Trainer.state_dict() pickles it (mms.md
    // section 9): GLOBAL, EMPTY_TUPLE, NEWOBJ, BUILD with its __dict__.
    p.Mark();
    p.String("target_dictionary");
    p.Global("fairseq.data.dictionary", "Dictionary");
    p.EmptyTuple();
    p.NewObj();
    nlohmann::ordered_json state = {
        {"symbols", file.task_dictionary},
        {"count", nlohmann::ordered_json::array()},
        {"indices", nlohmann::ordered_json::object()}};
    for (size_t i = 0; i < file.task_dictionary.size(); ++i) {
      state["count"].push_back(1);
      state["indices"][file.task_dictionary[i]] = i;
    }
    p.Json(state);
    p.Build();
    p.SetItems();
  }
  p.String("extra_state");
  p.Json({{"previous_training_time", 3600.5}, {"val_loss", 0.5}});
  const size_t model_storages = params.size();
  if (file.adam_state) {
    // Adam keeps two fp32 moments per parameter: {state: {i: {step, exp_avg,
    // exp_avg_sq}}}.
    p.String("last_optimizer_state");
    p.EmptyDict();
    p.Mark();
    p.String("state");
    p.EmptyDict();
    p.Mark();
    for (size_t i = 0; i < trained.size(); ++i) {
      p.Int(static_cast<int64_t>(i));
      p.EmptyDict();
      p.Mark();
      p.String("step");
      p.Int(400000);
      p.String("exp_avg");
      writer.Tensor(DType::kF32, trained[i]->shape);
      p.String("exp_avg_sq");
      writer.Tensor(DType::kF32, trained[i]->shape);
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
    const SyntheticParam& param =
        is_model ? params[index] : *trained[(index - model_storages) / 2];
    const DType dtype = is_model ? dtype_of(param) : DType::kF32;
    int64_t numel = 1;
    for (int64_t d : param.shape) numel *= d;
    if (is_model && param.init == Init::kStepCount) {
      std::string count(static_cast<size_t>(numel) * 8, '\0');
      for (int64_t i = 0; i < numel; ++i) {
        const uint64_t steps = 400000;
        for (int b = 0; b < 8; ++b)
          count[static_cast<size_t>(i * 8 + b)] =
              static_cast<char>((steps >> (8 * b)) & 0xff);
      }
      return zip.Write(count);
    }
    uint64_t state = file.seed * 0x100000001B3ull + index;
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
        } else if (param.init == Init::kRotaryFrequencies) {
          const int64_t i = &v - values.data() + first;
          v = 1.0f / std::pow(10000.0f, static_cast<float>(2 * i) /
                                            static_cast<float>(2 * numel));
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

}  // namespace fairport
