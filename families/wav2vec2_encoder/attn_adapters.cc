#include "families/wav2vec2_encoder/attn_adapters.h"

#include <algorithm>
#include <set>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "base/status_macros.h"
#include "fairseq/dictionary.h"
#include "families/common/convert/config_fields.h"
#include "families/common/convert/weight_table.h"
#include "families/common/wrapped_encoder.h"
#include "formats/pickle.h"

namespace fairport::wav2vec2_encoder {
namespace {

using Kind = PickleValue::Kind;

constexpr char kEncoderPrefix[] = "w2v_encoder.w2v_model.encoder.layers.";
constexpr char kHeadWeight[] = "w2v_encoder.proj.weight";
constexpr char kHeadBias[] = "w2v_encoder.proj.bias";

// fairseq's AdapterFast parameters (wav2vec2.py:1386-1398, one row per
// corpus) -> transformers' Wav2Vec2AttnAdapterLayer (modeling:1039-1061),
// mms.md section 6. `shape` in letters: A = adapter_attn_dim, H = hidden;
// `zero` is what the parameter holds in a zero adapter (a LayerNorm gain of
// 1, everything else 0: the adapter then adds exactly 0.0).
struct AdapterParam {
  const char* fairseq;
  const char* hf;
  const char* shape;
  float zero;
};
constexpr AdapterParam kAdapterParams[] = {
    {"W_a", "linear_1.weight", "AH", 0.0f}, {"b_a", "linear_1.bias", "A", 0.0f},
    {"W_b", "linear_2.weight", "HA", 0.0f}, {"b_b", "linear_2.bias", "H", 0.0f},
    {"ln_W", "norm.weight", "H", 1.0f},     {"ln_b", "norm.bias", "H", 0.0f},
};

std::string ShapeText(const std::vector<int64_t>& shape) {
  return absl::StrCat("[", absl::StrJoin(shape, ", "), "]");
}

// infer.py accepts [\w-]+; the file name is literally
// adapter.<key>.safetensors, so the key is held to ASCII word characters.
bool IsSafeName(absl::string_view name) {
  return !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
    return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '_' ||
           c == '-';
  });
}

// The released layout's top-level `adapter` dict, or nullptr.
const PickleValue* ReleasedAdapters(const FairseqCheckpoint& checkpoint) {
  const PickleValue* adapters = checkpoint.archive().root().Find("adapter");
  return adapters != nullptr && !adapters->is(Kind::kNone) ? adapters : nullptr;
}

// Where one language's tensors are: the state dict, row `row` of each
// stacked adapter (training layout), or ckpt["adapter"][name]["model"],
// row 0 (released layout).
struct LanguageSource {
  const PickleValue* released_model = nullptr;
  std::string where;  // "adapter['fra'].model" in the released layout
  int64_t row = 0;
};

absl::StatusOr<const TensorRef*> FindTensor(const FairseqCheckpoint& checkpoint,
                                            const LanguageSource& source,
                                            const std::string& name) {
  const TensorRef* tensor = nullptr;
  if (source.released_model == nullptr) {
    tensor = checkpoint.FindTensor(name);
  } else {
    const PickleValue* value = source.released_model->Find(name);
    if (value != nullptr && value->is(Kind::kTensor)) tensor = &value->tensor();
  }
  if (tensor == nullptr) {
    return absl::InvalidArgumentError(absl::StrCat(
        checkpoint.path(), ": ", source.where, source.where.empty() ? "" : ": ",
        "no tensor '", name, "' (the adapter config implies it)"));
  }
  return tensor;
}

// Row `row` of a tensor stacked over corpora, as a view of its storage.
std::shared_ptr<const TensorRef> Row(const TensorRef& stacked, int64_t row) {
  auto view = std::make_shared<TensorRef>(stacked);
  view->storage_offset += row * stacked.strides[0];
  view->shape.erase(view->shape.begin());
  view->strides.erase(view->strides.begin());
  return view;
}

absl::StatusOr<LanguageSource> SourceOf(const FairseqCheckpoint& checkpoint,
                                        const std::vector<Language>& languages,
                                        const std::string& language) {
  LanguageSource source;
  for (size_t i = 0; i < languages.size(); ++i) {
    if (languages[i].name != language) continue;
    source.row = static_cast<int64_t>(i);
    if (const PickleValue* released = ReleasedAdapters(checkpoint)) {
      source.released_model = released->Find(language)->Find("model");
      source.where = absl::StrCat("adapter['", language, "'].model");
      source.row = 0;
    }
    return source;
  }
  return absl::InvalidArgumentError(
      absl::StrCat(checkpoint.path(), ": no adapters for '", language, "'"));
}

// A language's dictionary and head rows, from `task_state` (may be null)
// and the head tensor.
absl::Status DescribeLanguage(const FairseqCheckpoint& checkpoint,
                              const PickleValue* task_state,
                              const std::string& task_state_where,
                              const TensorRef& head, Language& language) {
  ASSIGN_OR_RETURN(
      std::optional<FairseqDictionary> dictionary,
      FairseqDictionary::FromTaskState(
          task_state, absl::StrCat(checkpoint.path(), ": ", task_state_where)));
  if (dictionary.has_value()) {
    language.symbols = dictionary->symbols();
    language.symbols_source = absl::StrCat(
        checkpoint.path(), " (", task_state_where, "['target_dictionary'])");
  }
  language.head_rows = head.shape.empty() ? 0 : head.shape[0];
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<bool> HasAttnAdapters(const FairseqCheckpoint& checkpoint,
                                     const ConfigView& enc, bool wrapped) {
  ASSIGN_OR_RETURN(std::string layer_type,
                   EffectiveLayerType(checkpoint, enc, wrapped));
  return layer_type == "trf_adp";
}

absl::StatusOr<std::vector<int64_t>> AdapterLayers(absl::string_view trf_idx,
                                                   int64_t encoder_layers,
                                                   const std::string& field) {
  std::vector<int64_t> layers;
  if (trf_idx == "all") {
    for (int64_t l = 0; l < encoder_layers; ++l) layers.push_back(l);
    return layers;
  }
  auto invalid = [&](absl::string_view why) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, " is '", trf_idx, "': ", why,
                     " (fairseq reads it as range(*map(int, s.split(':'))))"));
  };
  std::vector<int64_t> args;
  for (absl::string_view part : absl::StrSplit(trf_idx, ':')) {
    int64_t value;
    if (!absl::SimpleAtoi(part, &value)) {
      return invalid(absl::StrCat("'", part, "' is not an integer"));
    }
    args.push_back(value);
  }
  if (args.size() > 3) return invalid("range takes at most 3 arguments");
  int64_t start = 0, stop = args[0], step = 1;
  if (args.size() >= 2) {
    start = args[0];
    stop = args[1];
  }
  if (args.size() == 3) step = args[2];
  if (step == 0) return invalid("range's step is 0");
  // fairseq asks `layer_idx in adp_trf_idx` of each layer: indices beyond
  // the encoder (or negative) select nothing.
  for (int64_t l = 0; l < encoder_layers; ++l) {
    const bool in_range =
        step > 0 ? (l >= start && l < stop) : (l <= start && l > stop);
    if (in_range && (l - start) % step == 0) layers.push_back(l);
  }
  return layers;
}

absl::StatusOr<AttnAdapterConfig> ReadAttnAdapterConfig(
    const FairseqCheckpoint& checkpoint, const ConfigView& enc, bool wrapped) {
  AttnAdapterConfig c;
  std::vector<std::string> ignored;
  auto view = [&](const char* key) {
    return EffectiveEncoderView(checkpoint, enc, wrapped, key);
  };
  ASSIGN_OR_RETURN(c.num, IntOr(view("adp_num"), "adp_num", -1, ignored));
  ASSIGN_OR_RETURN(c.dim, IntOr(view("adp_dim"), "adp_dim", 64, ignored));
  ASSIGN_OR_RETURN(c.act_fn,
                   StringOr(view("adp_act_fn"), "adp_act_fn", "relu", ignored));
  ASSIGN_OR_RETURN(
      c.trf_idx, StringOr(view("adp_trf_idx"), "adp_trf_idx", "all", ignored));
  ASSIGN_OR_RETURN(c.encoder_layers, IntOr(enc, "encoder_layers", 12, ignored));
  ASSIGN_OR_RETURN(c.layer_norm_first,
                   BoolOr(enc, "layer_norm_first", false, ignored));
  ASSIGN_OR_RETURN(
      c.layers,
      AdapterLayers(c.trf_idx, c.encoder_layers,
                    absl::StrCat(checkpoint.path(), ": ",
                                 view("adp_trf_idx").path(), ".adp_trf_idx")));
  if (c.num <= 0 || c.dim <= 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        checkpoint.path(), ": ", view("adp_num").path(),
        ".layer_type is 'trf_adp' with adp_num ", c.num, " and adp_dim ", c.dim,
        ": no adapters to build (fairseq's AdapterFast needs both positive)"));
  }
  return c;
}

absl::Status CheckAttnAdaptersRepresentable(const FairseqCheckpoint& checkpoint,
                                            const ConfigView& enc,
                                            bool wrapped) {
  ASSIGN_OR_RETURN(AttnAdapterConfig c,
                   ReadAttnAdapterConfig(checkpoint, enc, wrapped));
  auto refuse = [&](const char* key, absl::string_view what) {
    return absl::InvalidArgumentError(absl::StrCat(
        checkpoint.path(), ": ",
        EffectiveEncoderView(checkpoint, enc, wrapped, key).path(), ".", key,
        " ", what, "; refusing rather than converting it approximately"));
  };
  if (!c.layer_norm_first) {
    // fairseq adds a post-LN layer's adapter after final_layer_norm
    // (wav2vec2.py:1352-1375); transformers' post-LN Wav2Vec2EncoderLayer
    // has no adapter at all.
    return refuse("layer_norm_first",
                  "is False under layer_type 'trf_adp': adapters on post-LN "
                  "layers, which transformers' Wav2Vec2EncoderLayer cannot "
                  "hold (only do_stable_layer_norm layers have "
                  "adapter_attn_dim)");
  }
  if (c.act_fn != "relu") {
    return refuse("adp_act_fn",
                  absl::StrCat("is '", c.act_fn,
                               "': transformers' Wav2Vec2AttnAdapterLayer "
                               "always applies ReLU"));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<Language>> AdapterLanguages(
    const FairseqCheckpoint& checkpoint, const AttnAdapterConfig& config) {
  const std::string& path = checkpoint.path();
  std::vector<Language> languages;
  const PickleValue* released = ReleasedAdapters(checkpoint);
  std::string names_from;
  if (released != nullptr) {
    names_from = "the keys of the checkpoint's 'adapter' dict";
    if (!released->is(Kind::kDict)) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, ": 'adapter' is a ", released->TypeName(),
                       ", not a dict of languages (the released MMS layout)"));
    }
    for (const auto& [key, value] : released->entries()) {
      if (!key->is(Kind::kString)) {
        return absl::InvalidArgumentError(
            absl::StrCat(path, ": 'adapter' has a ", key->TypeName(),
                         " key where language names are strings"));
      }
      Language language;
      language.name = key->text();
      const std::string where = absl::StrCat("adapter['", language.name, "']");
      const PickleValue* model = value->Find("model");
      if (!value->is(Kind::kDict) || model == nullptr ||
          !model->is(Kind::kDict)) {
        return absl::InvalidArgumentError(absl::StrCat(
            path, ": ", where, " holds no 'model' dict of tensors"));
      }
      LanguageSource source{model, where + ".model", 0};
      ASSIGN_OR_RETURN(const TensorRef* head,
                       FindTensor(checkpoint, source, kHeadWeight));
      RETURN_IF_ERROR(DescribeLanguage(checkpoint, value->Find("task_state"),
                                       where + ".task_state", *head, language));
      languages.push_back(std::move(language));
    }
  } else {
    const ConfigView& task = checkpoint.task_config();
    names_from = absl::StrCat(task.path(), ".multi_corpus_keys");
    if (!task.Has("multi_corpus_keys")) {
      return absl::InvalidArgumentError(absl::StrCat(
          path, ": ", names_from,
          " is None: the adapters' languages cannot be named (layer_type "
          "'trf_adp' with ",
          config.num, " adapters)"));
    }
    ASSIGN_OR_RETURN(std::string keys, task.String("multi_corpus_keys"));
    const TensorRef* head = checkpoint.FindTensor(kHeadWeight);
    if (head == nullptr) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, ": no '", kHeadWeight, "': no CTC head"));
    }
    // audio_finetuning.py:181-182: split on ',' and strip.
    for (absl::string_view key : absl::StrSplit(keys, ',')) {
      Language language;
      language.name = std::string(absl::StripAsciiWhitespace(key));
      RETURN_IF_ERROR(DescribeLanguage(
          checkpoint, checkpoint.archive().root().Find("task_state"),
          "task_state", *head, language));
      languages.push_back(std::move(language));
    }
    if (static_cast<int64_t>(languages.size()) > config.num) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, ": ", names_from, " names ", languages.size(),
                       " languages, but adp_num is ", config.num,
                       ": the extra keys have no adapter"));
    }
  }
  if (languages.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": ", names_from, " names no language"));
  }
  std::set<std::string> seen;
  for (const Language& language : languages) {
    if (!IsSafeName(language.name)) {
      return absl::InvalidArgumentError(absl::StrCat(
          path, ": ", names_from, ": '", language.name,
          "' is not a safe file-name part ([A-Za-z0-9_-]+; the file would be "
          "adapter.<name>.safetensors)"));
    }
    if (!seen.insert(language.name).second) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, ": ", names_from, ": '", language.name,
                       "' is repeated: two adapters would share one file"));
    }
  }
  return languages;
}

std::vector<std::string> AdapterFairseqNames(const AttnAdapterConfig& config) {
  std::vector<std::string> names = {kHeadWeight, kHeadBias};
  for (int64_t l : config.layers) {
    for (const AdapterParam& p : kAdapterParams) {
      names.push_back(
          absl::StrCat(kEncoderPrefix, l, ".adapter_layer.", p.fairseq));
    }
  }
  return names;
}

bool IsAdapterParameter(absl::string_view hf_name) {
  return absl::StrContains(hf_name, ".adapter_layer.") ||
         absl::StartsWith(hf_name, "lm_head.");
}

std::string AdapterFileName(absl::string_view language) {
  return absl::StrCat("adapter.", language, ".safetensors");
}

absl::StatusOr<std::vector<MappedTensor>> LanguageAdapterTensors(
    const FairseqCheckpoint& checkpoint, const AttnAdapterConfig& config,
    const std::vector<Language>& languages, const std::string& language,
    int64_t hidden, const std::string& hf_prefix) {
  ASSIGN_OR_RETURN(LanguageSource source,
                   SourceOf(checkpoint, languages, language));
  // Stacked over corpora: adp_num rows in the training layout, one per
  // language in the released one.
  const int64_t rows = source.released_model == nullptr ? config.num : 1;
  std::vector<MappedTensor> out;
  auto shape_of = [&](absl::string_view letters) {
    std::vector<int64_t> shape;
    for (char c : letters) shape.push_back(c == 'A' ? config.dim : hidden);
    return shape;
  };
  auto mismatch = [&](const std::string& name, const TensorRef& t,
                      const std::vector<int64_t>& needed) {
    return absl::InvalidArgumentError(absl::StrCat(
        checkpoint.path(), ": shape mismatch: fairseq '", source.where,
        source.where.empty() ? "" : ".", name, "' is ", ShapeText(t.shape),
        " but the adapters need ", ShapeText(needed), " (adp_num ", rows,
        ", adp_dim ", config.dim, ", hidden ", hidden, ")"));
  };
  ASSIGN_OR_RETURN(const TensorRef* head_weight,
                   FindTensor(checkpoint, source, kHeadWeight));
  ASSIGN_OR_RETURN(const TensorRef* head_bias,
                   FindTensor(checkpoint, source, kHeadBias));
  const int64_t vocab = head_weight->shape.empty() ? 0 : head_weight->shape[0];
  if (head_weight->shape != std::vector<int64_t>{vocab, hidden})
    return mismatch(kHeadWeight, *head_weight, {vocab, hidden});
  if (head_bias->shape != std::vector<int64_t>{vocab})
    return mismatch(kHeadBias, *head_bias, {vocab});
  const DType dtype = head_weight->storage->dtype;
  const std::string from =
      source.where.empty() ? "" : absl::StrCat(source.where, ".");
  out.push_back({"lm_head.weight", from + kHeadWeight, head_weight, nullptr});
  out.push_back({"lm_head.bias", from + kHeadBias, head_bias, nullptr});

  for (int64_t l = 0; l < config.encoder_layers; ++l) {
    const bool has_adapter =
        std::binary_search(config.layers.begin(), config.layers.end(), l);
    const std::string hf =
        absl::StrCat(hf_prefix, "encoder.layers.", l, ".adapter_layer.");
    for (const AdapterParam& p : kAdapterParams) {
      const std::vector<int64_t> shape = shape_of(p.shape);
      if (!has_adapter) {
        out.push_back({hf + p.hf, "(zero adapter: layer outside adp_trf_idx)",
                       nullptr, FilledTensor(shape, p.zero, dtype)});
        continue;
      }
      const std::string name =
          absl::StrCat(kEncoderPrefix, l, ".adapter_layer.", p.fairseq);
      ASSIGN_OR_RETURN(const TensorRef* stacked,
                       FindTensor(checkpoint, source, name));
      std::vector<int64_t> needed = shape;
      needed.insert(needed.begin(), rows);
      if (stacked->shape != needed) return mismatch(name, *stacked, needed);
      std::shared_ptr<const TensorRef> row = Row(*stacked, source.row);
      out.push_back({hf + p.hf, absl::StrCat(from, name, "[", source.row, "]"),
                     row.get(), nullptr, row});
    }
  }
  std::sort(out.begin(), out.end(),
            [](const MappedTensor& x, const MappedTensor& y) {
              return x.hf_name < y.hf_name;
            });
  return out;
}

absl::Status MapAttnAdapters(const FairseqCheckpoint& checkpoint,
                             const AttnAdapterConfig& config, int64_t hidden,
                             const std::string& hf_prefix, int64_t vocab_size,
                             const std::string& language,
                             WeightMapping& mapping) {
  ASSIGN_OR_RETURN(std::vector<Language> languages,
                   AdapterLanguages(checkpoint, config));
  const std::string target = language.empty() ? languages[0].name : language;
  std::vector<std::string> names;
  for (const Language& l : languages) names.push_back(l.name);
  if (std::find(names.begin(), names.end(), target) == names.end()) {
    return absl::InvalidArgumentError(
        absl::StrCat(checkpoint.path(), ": no adapters for language '", target,
                     "'; it has ", absl::StrJoin(names, ", ")));
  }
  for (const Language& l : languages) {
    ASSIGN_OR_RETURN(std::vector<MappedTensor> tensors,
                     LanguageAdapterTensors(checkpoint, config, languages,
                                            l.name, hidden, hf_prefix));
    if (l.name == target) {
      if (l.head_rows != vocab_size) {
        return absl::InvalidArgumentError(absl::StrCat(
            checkpoint.path(), ": the CTC head of '", l.name, "' has ",
            l.head_rows, " rows, but config.json's vocab_size is ",
            vocab_size));
      }
      mapping.tensors.insert(mapping.tensors.end(), tensors.begin(),
                             tensors.end());
    }
    mapping.extra_files[AdapterFileName(l.name)] = std::move(tensors);
  }
  std::sort(mapping.tensors.begin(), mapping.tensors.end(),
            [](const MappedTensor& x, const MappedTensor& y) {
              return x.hf_name < y.hf_name;
            });
  mapping.notes.push_back(
      absl::StrCat("model.safetensors holds the adapters and CTC head of '",
                   target, "' (languages: ", absl::StrJoin(names, ", "),
                   "); adapter.<language>.safetensors holds each language's"));
  if (static_cast<int64_t>(config.layers.size()) < config.encoder_layers) {
    std::vector<int64_t> zero;
    for (int64_t l = 0; l < config.encoder_layers; ++l) {
      if (!std::binary_search(config.layers.begin(), config.layers.end(), l))
        zero.push_back(l);
    }
    mapping.notes.push_back(absl::StrCat(
        "zero adapters (norm 1 and 0, linears 0: they add exactly 0.0) "
        "written for layer",
        zero.size() == 1 ? " " : "s ", absl::StrJoin(zero, ", "),
        ", outside adp_trf_idx '", config.trf_idx,
        "', in model.safetensors and every adapter file (transformers gives "
        "every layer an adapter)"));
  }
  if (ReleasedAdapters(checkpoint) != nullptr) {
    mapping.notes.push_back(
        "the base model's own adapters and CTC head are superseded by the "
        "checkpoint's 'adapter' dict (the released MMS layout)");
  } else if (static_cast<int64_t>(languages.size()) < config.num) {
    mapping.notes.push_back(absl::StrCat(
        "adapters ", languages.size(), " to ", config.num - 1,
        " have no corpus key in multi_corpus_keys and are not converted"));
  }
  return absl::OkStatus();
}

}  // namespace fairport::wav2vec2_encoder
