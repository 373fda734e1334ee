// Each side builds its model from its own files only: the fairseq pass reads
// the checkpoint's fairseq config as fairseq's Wav2Vec2Model / HubertModel
// do; the HF pass reads config.json as transformers' Wav2Vec2Config /
// HubertConfig do. Neither uses the converter's inference.
#include "families/wav2vec2_encoder/forward_family.h"

#include <algorithm>
#include <memory>
#include <optional>
#include <string>

#include "absl/algorithm/container.h"
#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "base/files.h"
#include "base/status_macros.h"
#include "fairseq/dictionary.h"
#include "families/common/conv_layers.h"
#include "families/common/ctc_head.h"
#include "families/common/passes/fairseq_encoder.h"
#include "families/common/passes/hf_files.h"
#include "families/common/passes/hf_state_dict.h"
#include "families/common/passes/loaded_model.h"
#include "families/common/passes/model_pass.h"
#include "families/common/passes/pass_activations.h"
#include "families/common/passes/weights.h"
#include "families/common/wrapped_encoder.h"
#include "families/wav2vec2_encoder/attn_adapters.h"
#include "families/wav2vec2_encoder/forward.h"
#include "families/wav2vec2_encoder/hf_classes.h"
#include "ops/torch_errors.h"

namespace fairport::wav2vec2_encoder {
namespace {

using ops::Activation;

EncoderShape ShapeOf(const Architecture& a) {
  EncoderShape s = EncoderShapeOf(a);
  s.pos_conv_layers = 1;  // one weight-normed convolution
  s.pos_conv_kernel = a.pos_conv_kernel;
  s.pos_conv_groups = a.pos_conv_groups;
  return s;
}

struct FairseqBuild {
  Architecture arch;
  FairseqWav2Vec2::Options options;
  // trf_adp: the adapter config (its layers are arch.adapter_layers).
  std::optional<AttnAdapterConfig> adapters;
};

absl::StatusOr<FairseqBuild> BuildFromFairseqConfig(
    const FairseqCheckpoint& checkpoint, const Flavor& flavor, ModelKind kind) {
  ASSIGN_OR_RETURN(ConfigView enc, EncoderConfig(checkpoint, kind));
  const FairseqEncoderConfig config(checkpoint, enc);
  ASSIGN_OR_RETURN(FairseqEncoder e, config.Read());
  FairseqBuild build;
  Architecture& a = build.arch;
  a.flavor = &flavor;
  a.hidden_size = e.embed;
  a.num_hidden_layers = e.layers;
  a.num_attention_heads = e.heads;
  a.intermediate_size = e.ffn;
  a.pos_conv_kernel = e.conv_pos;
  a.pos_conv_groups = e.conv_pos_groups;
  if (e.pos_conv_depth != 1)
    return config.Unimplemented("pos_conv_depth",
                                absl::StrCat(e.pos_conv_depth));
  a.conv_bias = e.conv_bias;
  a.conv_dim = e.conv_dim;
  a.conv_kernel = e.conv_kernel;
  a.conv_stride = e.conv_stride;
  if (e.extractor_mode != "default" && e.extractor_mode != "layer_norm")
    return config.Unimplemented("extractor_mode", e.extractor_mode);
  a.group_norm = e.extractor_mode == "default";
  a.stable_layer_norm = e.layer_norm_first;
  // The effective layer_type (mms.md section 2): an MMS checkpoint's
  // trf_adp lives in cfg.model, over the stored w2v_args' "transformer".
  const bool wrapped = kind != ModelKind::kPretrained;
  ASSIGN_OR_RETURN(std::string layer_type,
                   EffectiveLayerType(checkpoint, enc, wrapped));
  if (layer_type == "trf_adp" && flavor.attn_adapters) {
    ASSIGN_OR_RETURN(AttnAdapterConfig adapters,
                     ReadAttnAdapterConfig(checkpoint, enc, wrapped));
    a.adapter_layers = adapters.layers;
    a.adapter_attn_dim = adapters.dim;
    ASSIGN_OR_RETURN(
        build.options.adapter_activation,
        FairseqActivation(
            adapters.act_fn,
            absl::StrCat(
                checkpoint.path(), ": ",
                EffectiveEncoderView(checkpoint, enc, wrapped, "adp_act_fn")
                    .path(),
                ".adp_act_fn")));
    build.adapters = std::move(adapters);
  } else if (layer_type != "transformer") {
    return absl::UnimplementedError(absl::StrCat(
        checkpoint.path(), ": ",
        EffectiveEncoderView(checkpoint, enc, wrapped, "layer_type").path(),
        ".layer_type is ", layer_type,
        ", which the fairseq pass does not implement"));
  }
  a.layer_norm_eps = 1e-5;  // fairseq's LayerNorm default
  RETURN_IF_ERROR(config.CheckDivisible(e));
  if (a.pos_conv_kernel <= 0)
    return config.Unimplemented("conv_pos", absl::StrCat(a.pos_conv_kernel));
  ASSIGN_OR_RETURN(
      build.options.activation_fn,
      FairseqActivation(e.activation_fn, config.Field("activation_fn")));
  // Wav2Vec2Model / HubertModel: post_extract_proj only when the conv width
  // is not the model width.
  build.options.has_projection = a.conv_dim.back() != a.hidden_size;
  a.ctc = kind == ModelKind::kCtc;
  if (a.ctc) {
    ASSIGN_OR_RETURN(a.vocab_size, CtcHeadRows(checkpoint));
  }
  a.classification = kind == ModelKind::kSequenceClassification;
  if (a.classification) {
    // Wav2Vec2ClassificationConfig (wav2vec2_classification.py:29-39);
    // get_pooling_layer builds mean pooling only (:113).
    const ConfigView& model = checkpoint.model_config();
    const FairseqEncoderConfig head(checkpoint, model);
    std::string pooling = "first_token", activation = "gelu";
    if (model.Has("pooling")) {
      ASSIGN_OR_RETURN(pooling, model.String("pooling"));
    }
    if (pooling != "mean") return head.Unimplemented("pooling", pooling);
    if (model.Has("activation_fn")) {
      ASSIGN_OR_RETURN(activation, model.String("activation_fn"));
    }
    ASSIGN_OR_RETURN(
        build.options.pooling_activation,
        FairseqActivation(activation, head.Field("activation_fn")));
  }
  return build;
}

// fairseq runs one corpus key's adapters per batch (wav2vec2.py:1495-1498):
// `language` ("" the first) chosen among the checkpoint's, its row of
// every stacked adapter tensor kept (training layout), or its
// adapter[lang]["model"] tensors and CTC head put in place first, as
// examples/speech_recognition/new/infer.py:107-127 does (released layout).
// Returns every language; `chosen` is the one kept.
absl::StatusOr<std::vector<std::string>> ChooseCorpus(
    const FairseqCheckpoint& checkpoint, const AttnAdapterConfig& adapters,
    const std::string& language, Architecture& arch, Weights& weights,
    std::string& chosen) {
  ASSIGN_OR_RETURN(std::vector<Language> found,
                   AdapterLanguages(checkpoint, adapters));
  std::vector<std::string> names;
  for (const Language& l : found) names.push_back(l.name);
  chosen = language.empty() ? names.front() : language;
  const auto it = std::find(names.begin(), names.end(), chosen);
  if (it == names.end()) {
    return absl::InvalidArgumentError(
        absl::StrCat(checkpoint.path(), ": no language '", chosen,
                     "'; the checkpoint has ", absl::StrJoin(names, ", ")));
  }
  int64_t row = it - names.begin();
  const PickleValue* released = checkpoint.archive().root().Find("adapter");
  if (released != nullptr && !released->is(PickleValue::Kind::kNone)) {
    const std::string where = absl::StrCat("adapter['", chosen, "'].model");
    const PickleValue* dict = released->Find(chosen);
    dict = dict == nullptr ? nullptr : dict->Find("model");
    if (dict == nullptr) {
      return absl::InvalidArgumentError(
          absl::StrCat(checkpoint.path(), ": no ", where));
    }
    ASSIGN_OR_RETURN(Weights language_weights,
                     FairseqDictWeights(checkpoint, *dict, where));
    for (auto& [name, tensor] : language_weights)
      weights[name] = std::move(tensor);
    row = 0;
  }
  const std::string prefix = "w2v_encoder.w2v_model.encoder.layers.";
  for (int64_t l : arch.adapter_layers) {
    for (const char* part : {"W_a", "b_a", "W_b", "b_b", "ln_W", "ln_b"}) {
      const std::string name = absl::StrCat(prefix, l, ".adapter_layer.", part);
      auto w = weights.find(name);
      if (w == weights.end() || w->second.dim() < 2 ||
          w->second.size(0) <= row) {
        return absl::InvalidArgumentError(absl::StrCat(
            checkpoint.path(), ": ", name, " has no row ", row, " for '",
            chosen, "' (adp_num adapters stacked on the first dimension)"));
      }
      w->second = w->second.select(0, row);
    }
  }
  // The chosen language's CTC head (the released layout's differ in size).
  auto head = weights.find("w2v_encoder.proj.weight");
  if (head != weights.end()) arch.vocab_size = head->second.size(0);
  return names;
}

// A classifier's labels: the label dictionary fairseq pickles in
// task_state (audio_classification.py loads it without special symbols),
// or none when the checkpoint does not hold it.
absl::StatusOr<std::vector<std::string>> FairseqLabels(
    const FairseqCheckpoint& checkpoint) {
  ASSIGN_OR_RETURN(std::optional<FairseqDictionary> dictionary,
                   FairseqDictionary::FromTaskState(
                       checkpoint.archive().root().Find("task_state"),
                       absl::StrCat(checkpoint.path(), ": task_state")));
  if (!dictionary.has_value()) return std::vector<std::string>();
  return dictionary->symbols();
}

// id2label as PretrainedConfig reads it: the label of class i under key
// "i", for every i below num_labels.
absl::StatusOr<std::vector<std::string>> HfLabels(const nlohmann::json& config,
                                                  const std::string& source,
                                                  int64_t num_labels) {
  std::vector<std::string> labels;
  const nlohmann::json* id2label =
      config.contains("id2label") ? &config["id2label"] : nullptr;
  for (int64_t i = 0; i < num_labels; ++i) {
    const std::string key = absl::StrCat(i);
    if (id2label == nullptr) {
      labels.push_back(absl::StrCat("LABEL_", i));  // PretrainedConfig's
      continue;
    }
    if (!id2label->contains(key) || !(*id2label)[key].is_string()) {
      return absl::InvalidArgumentError(
          absl::StrCat(source, ": id2label has no label for class ", i, " (of ",
                       num_labels, ")"));
    }
    labels.push_back((*id2label)[key].get<std::string>());
  }
  return labels;
}

// The languages of the adapter.<lang>.safetensors files beside
// model.safetensors, sorted.
absl::StatusOr<std::vector<std::string>> AdapterFileLanguages(
    const std::string& model_dir) {
  ASSIGN_OR_RETURN(std::vector<std::string> files, ListDirectory(model_dir));
  std::vector<std::string> languages;
  constexpr absl::string_view kPrefix = "adapter.", kSuffix = ".safetensors";
  for (const std::string& name : files) {
    if (absl::StartsWith(name, kPrefix) && absl::EndsWith(name, kSuffix) &&
        name.size() > kPrefix.size() + kSuffix.size()) {
      languages.push_back(name.substr(
          kPrefix.size(), name.size() - kPrefix.size() - kSuffix.size()));
    }
  }
  std::sort(languages.begin(), languages.end());
  return languages;
}

// Wav2Vec2PreTrainedModel.load_adapter (modeling:1286-1371) after
// from_pretrained(target_lang=...): adapter.<language>.safetensors must
// hold exactly every layer's adapter and, for ForCTC, lm_head (any other
// key set is its ValueError); a head of another row count replaces lm_head
// and vocab_size.
absl::Status LoadAdapter(const std::string& model_dir,
                         const std::string& config_path,
                         const std::string& language, Architecture& arch,
                         Weights& weights) {
  if (arch.adapter_attn_dim <= 0 || !arch.stable_layer_norm) {
    return absl::InvalidArgumentError(
        absl::StrCat(config_path,
                     ": adapter_attn_dim is not set, so there is no adapter "
                     "to load for '",
                     language, "' (transformers: ValueError)"));
  }
  const std::string path =
      absl::StrCat(model_dir, "/adapter.", language, ".safetensors");
  if (!absl::c_all_of(language, [](char c) {
        return absl::ascii_isalnum(c) || c == '_' || c == '-';
      })) {
    return absl::InvalidArgumentError(
        absl::StrCat("'", language, "' is not a language name"));
  }
  ASSIGN_OR_RETURN(Weights adapter, SafetensorsWeights(path));
  std::vector<HfStateDictEntry> expected;
  for (int64_t l = 0; l < arch.num_hidden_layers; ++l) {
    AppendHfAttnAdapter(
        absl::StrCat(arch.hf_prefix(), "encoder.layers.", l, "."),
        arch.hidden_size, arch.adapter_attn_dim, expected);
  }
  std::vector<std::string> missing, unexpected, wrong;
  for (const HfStateDictEntry& e : expected) {
    auto it = adapter.find(e.name);
    if (it == adapter.end()) {
      missing.push_back(e.name);
    } else if (it->second.sizes() != c10::IntArrayRef(e.shape)) {
      wrong.push_back(e.name);
    }
  }
  if (arch.ctc) {
    auto w = adapter.find("lm_head.weight"), b = adapter.find("lm_head.bias");
    if (w == adapter.end()) missing.push_back("lm_head.weight");
    if (b == adapter.end()) missing.push_back("lm_head.bias");
    if (w != adapter.end() && b != adapter.end()) {
      if (w->second.dim() != 2 || w->second.size(1) != arch.hidden_size ||
          b->second.sizes() != c10::IntArrayRef{w->second.size(0)}) {
        wrong.push_back("lm_head");
      } else {
        arch.vocab_size = w->second.size(0);
      }
    }
  }
  for (const auto& entry : adapter) {
    const std::string& name = entry.first;
    const bool head = arch.ctc && absl::StartsWith(name, "lm_head.");
    if (!head && std::none_of(expected.begin(), expected.end(),
                              [&name](const HfStateDictEntry& e) {
                                return e.name == name;
                              })) {
      unexpected.push_back(name);
    }
  }
  if (!missing.empty() || !unexpected.empty() || !wrong.empty()) {
    std::vector<std::string> what;
    if (!missing.empty())
      what.push_back(absl::StrCat("lacks ", absl::StrJoin(missing, ", ")));
    if (!unexpected.empty()) {
      what.push_back(
          absl::StrCat("has unexpected ", absl::StrJoin(unexpected, ", ")));
    }
    if (!wrong.empty()) {
      what.push_back(
          absl::StrCat("has the wrong shape for ", absl::StrJoin(wrong, ", ")));
    }
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": ", absl::StrJoin(what, "; "),
                     " (transformers' load_adapter refuses it)"));
  }
  for (auto& [name, tensor] : adapter) weights[name] = std::move(tensor);
  return absl::OkStatus();
}

class Wav2Vec2StyleForward : public ForwardFamily {
 public:
  Wav2Vec2StyleForward(const Flavor& flavor,
                       absl::Span<const HfClassFields> classes)
      : flavor_(flavor), classes_(classes) {}
  absl::string_view name() const override { return flavor_.family; }
  absl::string_view model_type() const override { return flavor_.model_type; }
  bool Claims(const FairseqCheckpoint& checkpoint) const override {
    return DetectKind(checkpoint, flavor_).ok();
  }

  absl::StatusOr<LoadedModel> LoadFairseq(
      const FairseqCheckpoint& checkpoint,
      const std::string& language) const override {
    ASSIGN_OR_RETURN(ModelKind kind, DetectKind(checkpoint, flavor_));
    ASSIGN_OR_RETURN(FairseqBuild build,
                     BuildFromFairseqConfig(checkpoint, flavor_, kind));
    ASSIGN_OR_RETURN(Weights weights, FairseqWeights(checkpoint));
    std::vector<std::string> languages;
    std::string chosen;
    if (build.adapters.has_value()) {
      ASSIGN_OR_RETURN(languages,
                       ChooseCorpus(checkpoint, *build.adapters, language,
                                    build.arch, weights, chosen));
    } else {
      RETURN_IF_ERROR(RefuseLanguage(checkpoint.path(), language));
    }
    LoadedModel model =
        LoadedModelOf(build.arch, KindName(flavor_, kind), model_type());
    model.languages = std::move(languages);
    model.language = std::move(chosen);
    if (build.arch.classification) {
      model.classifier = true;
      ASSIGN_OR_RETURN(model.labels, FairseqLabels(checkpoint));
    }
    if (flavor_.fairseq_frames == FairseqFrames::kAllSamplesPadded)
      model.frame_counting = kAllSamplesPaddedCounting;
    RETURN_IF_ERROR(ReadFairseqNormalize(checkpoint, model));
    RETURN_IF_ERROR(BuildPass<FairseqWav2Vec2>(
        checkpoint.path(), model, MaskConvention::kPadding, ShapeOf(build.arch),
        build.arch, build.options, std::move(weights)));
    return model;
  }

  absl::StatusOr<LoadedModel> LoadHf(
      const std::string& model_dir,
      const std::string& language) const override {
    ASSIGN_OR_RETURN(HfFiles files, ReadHfFiles(model_dir, classes_));
    ASSIGN_OR_RETURN(
        Architecture arch,
        Architecture::FromHfConfig(files.config, files.config_path, flavor_));
    LoadedModel model =
        LoadedModelOf(arch, files.hf_class->hf_class, model_type());
    model.normalize = files.normalize;
    if (arch.classification) {
      model.classifier = true;
      ASSIGN_OR_RETURN(model.labels, HfLabels(files.config, files.config_path,
                                              arch.num_labels));
    }
    if (arch.adapter_attn_dim > 0) {
      ASSIGN_OR_RETURN(model.languages, AdapterFileLanguages(model_dir));
    }
    ASSIGN_OR_RETURN(std::optional<Weights> weights,
                     LoadHfWeights(model_dir, HfStateDict(arch), model));
    // transformers would run on random weights: no pass to compare.
    if (!weights.has_value()) return model;
    if (!language.empty()) {
      RETURN_IF_ERROR(
          LoadAdapter(model_dir, files.config_path, language, arch, *weights));
      model.language = language;
      model.vocab_size = arch.vocab_size;
    }
    RETURN_IF_ERROR(BuildPass<HfWav2Vec2>(
        model_dir, model, MaskConvention::kAttention, ShapeOf(arch), arch,
        files.activations, std::move(*weights)));
    return model;
  }

 private:
  const Flavor& flavor_;
  absl::Span<const HfClassFields> classes_;
};

}  // namespace

std::unique_ptr<ForwardFamily> MakeForwardFamily(
    const Flavor& flavor, absl::Span<const HfClassFields> classes) {
  return std::make_unique<Wav2Vec2StyleForward>(flavor, classes);
}

}  // namespace fairport::wav2vec2_encoder
