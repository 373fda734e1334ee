#include "converter/conversion.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <functional>
#include <future>
#include <set>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "base/json.h"
#include "base/json_file.h"
#include "base/status_macros.h"
#include "fairseq/checkpoint.h"
#include "fairseq/dictionary.h"
#include "families/family.h"
#include "families/registry.h"
#include "formats/safetensors.h"
#include "formats/torch_writer.h"
#include "hf/config_json.h"
#include "hf/ctc_tokenizer.h"
#include "hf/staged_directory.h"
#include "nlohmann/json.hpp"

namespace fairport {
namespace {

// Bytes copied (and cast) per write: bounds resident memory however large
// the checkpoint is.
constexpr uint64_t kWindowBytes = 8 << 20;
// Below this a progress line is noise.
constexpr uint64_t kProgressThreshold = 256 << 20;

class OutputFile {
 public:
  static absl::StatusOr<OutputFile> Create(const std::string& path) {
    int fd =
        ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
      return absl::InternalError(
          absl::StrCat(path, ": cannot create: ", std::strerror(errno)));
    return OutputFile(path, fd);
  }
  OutputFile(OutputFile&& o) noexcept : path_(std::move(o.path_)), fd_(o.fd_) {
    o.fd_ = -1;
  }
  ~OutputFile() {
    if (fd_ >= 0) ::close(fd_);
  }
  absl::Status Write(absl::string_view bytes) {
    while (!bytes.empty()) {
      ssize_t n = ::write(fd_, bytes.data(), bytes.size());
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0)
        return absl::InternalError(
            absl::StrCat(path_, ": write failed: ", std::strerror(errno)));
      bytes.remove_prefix(static_cast<size_t>(n));
    }
    return absl::OkStatus();
  }
  int fd() const { return fd_; }
  absl::Status Close() {
    int fd = fd_;
    fd_ = -1;
    if (::close(fd) != 0)
      return absl::InternalError(
          absl::StrCat(path_, ": close failed: ", std::strerror(errno)));
    return absl::OkStatus();
  }

 private:
  OutputFile(std::string path, int fd) : path_(std::move(path)), fd_(fd) {}
  std::string path_;
  int fd_;
};

class Progress {
 public:
  Progress(bool enabled, std::string what, uint64_t total)
      : enabled_(enabled && total >= kProgressThreshold),
        what_(std::move(what)),
        total_(total) {}
  void Advance(uint64_t bytes) {
    if (!enabled_) return;
    done_ += bytes;
    int percent = static_cast<int>(100 * done_ / total_);
    if (percent != last_) {
      last_ = percent;
      std::fprintf(stderr, "\rwriting %s: %3d%% of %.1f MB", what_.c_str(),
                   percent, total_ / 1e6);
      if (done_ >= total_) std::fputc('\n', stderr);
    }
  }

 private:
  bool enabled_;
  std::string what_;
  uint64_t total_;
  uint64_t done_ = 0;
  int last_ = -1;
};

// --dtype casts floating-point tensors only: an integer buffer (BatchNorm's
// num_batches_tracked) keeps its dtype, as transformers' model has it.
DType OutputDType(const ConversionOptions& options, const MappedTensor& t) {
  if (!IsFloatingPoint(t.dtype())) return t.dtype();
  return options.dtype.value_or(t.dtype());
}

// Where tensor bytes go: `write`, or, when the bytes need no cast and `fd`
// is set, an in-kernel copy from the checkpoint file (as cp does).
struct TensorSink {
  std::function<absl::Status(absl::string_view)> write;
  int fd = -1;
};

// Copies [offset, offset + size) of `from` to the current position of
// `to` without passing through user space. False if the kernel cannot (and
// nothing was copied); an error if it stops half way.
absl::StatusOr<bool> CopyFileRange(const MappedFile& from, uint64_t offset,
                                   uint64_t size, int to) {
  loff_t in = static_cast<loff_t>(offset);
  bool copied = false;
  while (size > 0) {
    ssize_t n = ::copy_file_range(from.fd(), &in, to, nullptr, size, 0);
    if (n <= 0) {
      if (!copied) return false;
      return absl::InternalError(absl::StrCat(
          from.path(), ": copy to the output failed: ", std::strerror(errno)));
    }
    copied = true;
    size -= static_cast<uint64_t>(n);
  }
  return true;
}

// Streams one tensor from the checkpoint into `sink` through a bounded
// window, casting only when asked to, and releases the checkpoint's pages
// as they are consumed.
absl::Status StreamTensor(const FairseqCheckpoint& checkpoint,
                          const MappedTensor& t, DType to,
                          const TensorSink& sink, Progress& progress) {
  const DType from = t.dtype();
  if (t.tensor == nullptr) {  // made by the family, held in memory
    std::string cast(t.generated->bytes.size() / ItemSize(from) * ItemSize(to),
                     '\0');
    if (!CastFloats(from, t.generated->bytes.data(), to, cast.data(),
                    t.generated->bytes.size() / ItemSize(from))) {
      return absl::InvalidArgumentError(absl::StrCat(
          "cannot cast the generated '", t.hf_name, "' to ", TorchName(to)));
    }
    progress.Advance(cast.size());
    return sink.write(cast);
  }
  ASSIGN_OR_RETURN(EntryBytes bytes,
                   checkpoint.archive().TensorBytes(*t.tensor));
  const MappedFile& file = *checkpoint.archive().zip().file();
  absl::string_view src = bytes.view();
  const uint64_t in_item = ItemSize(from);
  const uint64_t out_item = ItemSize(to);
  const uint64_t window_elements =
      std::max<uint64_t>(1, kWindowBytes / std::max(in_item, out_item));
  // Where offsets into the file mean anything: `bytes` views the mapping.
  auto file_offset = [&](absl::string_view part) {
    return static_cast<uint64_t>(part.data() - file.bytes().data());
  };
  if (from == to && bytes.mapped() && sink.fd >= 0) {
    ASSIGN_OR_RETURN(bool copied, CopyFileRange(file, file_offset(src),
                                                src.size(), sink.fd));
    if (copied) {
      progress.Advance(src.size());
      return absl::OkStatus();
    }
  }
  std::string buffer;
  for (uint64_t first = 0; first * in_item < src.size();
       first += window_elements) {
    uint64_t count =
        std::min<uint64_t>(window_elements, src.size() / in_item - first);
    absl::string_view chunk = src.substr(first * in_item, count * in_item);
    if (from == to) {
      RETURN_IF_ERROR(sink.write(chunk));
    } else {
      buffer.resize(count * out_item);
      if (!CastFloats(from, chunk.data(), to, buffer.data(), count)) {
        return absl::InvalidArgumentError(
            absl::StrCat(checkpoint.path(), ": cannot cast '", t.fairseq_name,
                         "' from ", TorchName(from), " to ", TorchName(to)));
      }
      RETURN_IF_ERROR(sink.write(buffer));
    }
    if (bytes.mapped())
      file.Release(file_offset(chunk), file_offset(chunk) + chunk.size());
    progress.Advance(count * out_item);
  }
  return absl::OkStatus();
}

uint64_t OutputBytes(const WeightMapping& mapping,
                     const ConversionOptions& options) {
  uint64_t total = 0;
  for (const MappedTensor& t : mapping.tensors) {
    total +=
        static_cast<uint64_t>(t.numel()) * ItemSize(OutputDType(options, t));
  }
  return total;
}

// The safetensors library's rank of a dtype (the order of its Dtype enum:
// BOOL, U8, I8, I16, F16, BF16, I32, F32, F64, I64); save_file lays the
// tensors out by rank, highest first, then by name.
int SafetensorsRank(DType dtype) {
  switch (dtype) {
    case DType::kBool:
      return 0;
    case DType::kU8:
      return 1;
    case DType::kI8:
      return 2;
    case DType::kI16:
      return 3;
    case DType::kF16:
      return 4;
    case DType::kBF16:
      return 5;
    case DType::kI32:
      return 6;
    case DType::kF32:
      return 7;
    case DType::kF64:
      return 8;
    case DType::kI64:
      return 9;
  }
  return 0;
}

absl::Status WriteSafetensors(const FairseqCheckpoint& checkpoint,
                              const std::vector<MappedTensor>& tensors,
                              const ConversionOptions& options,
                              const std::string& path,
                              const std::string& name) {
  // As transformers' save_pretrained lays them out: an int64 buffer
  // (BatchNorm's num_batches_tracked) before the float32 weights.
  std::vector<const MappedTensor*> order;
  for (const MappedTensor& t : tensors) order.push_back(&t);
  std::stable_sort(order.begin(), order.end(),
                   [&](const MappedTensor* a, const MappedTensor* b) {
                     return SafetensorsRank(OutputDType(options, *a)) >
                            SafetensorsRank(OutputDType(options, *b));
                   });
  SafetensorsLayout layout;
  layout.SetMetadata("format", "pt");
  for (const MappedTensor* t : order) {
    layout.Add(t->hf_name, OutputDType(options, *t), t->shape());
  }
  ASSIGN_OR_RETURN(OutputFile out, OutputFile::Create(path));
  RETURN_IF_ERROR(out.Write(layout.Header()));
  Progress progress(options.progress, name, layout.data_size());
  const TensorSink sink{
      [&out](absl::string_view bytes) { return out.Write(bytes); }, out.fd()};
  for (const MappedTensor* t : order) {
    RETURN_IF_ERROR(
        StreamTensor(checkpoint, *t, OutputDType(options, *t), sink, progress));
  }
  return out.Close();
}

// pytorch_model.bin: torch.save of an OrderedDict name -> tensor, which
// torch.load(path, weights_only=True) accepts.
absl::Status WriteTorchBin(const FairseqCheckpoint& checkpoint,
                           const WeightMapping& mapping,
                           const ConversionOptions& options,
                           const std::string& path) {
  TorchSaveWriter writer("pytorch_model");
  PickleWriter& p = writer.pickle();
  p.Global("collections", "OrderedDict");
  p.EmptyTuple();
  p.Reduce();
  p.Mark();
  for (const MappedTensor& t : mapping.tensors) {
    p.String(t.hf_name);
    writer.Tensor(OutputDType(options, t), t.shape());
  }
  p.SetItems();
  Progress progress(options.progress, "pytorch_model.bin",
                    OutputBytes(mapping, options));
  return writer.Finish(path, [&](size_t index, ZipWriter& zip) {
    const MappedTensor& t = mapping.tensors[index];
    // The zip writer computes each entry's CRC-32, so the bytes pass through
    // it.
    const TensorSink sink{
        [&zip](absl::string_view bytes) { return zip.Write(bytes); }};
    return StreamTensor(checkpoint, t, OutputDType(options, t), sink, progress);
  });
}

std::string DictionaryFile(const std::string& path,
                           const char* name = "dict.ltr.txt") {
  struct stat st;
  if (::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode))
    return absl::StrCat(path, "/", name);
  return path;
}

// Every language's CTC vocabulary (fairseq symbols by index): the
// dictionary the checkpoint pickles for it where it does (the one the model
// was trained with), --dict_path otherwise; each must fit the language's
// head. Returns the vocabulary size of `target`.
absl::StatusOr<int64_t> LanguageVocabularies(
    const ConversionOptions& options, const FairseqCheckpoint& checkpoint,
    const std::vector<Language>& languages, const std::string& target,
    std::map<std::string, std::vector<std::string>>& vocabularies,
    std::vector<std::string>& notes) {
  std::optional<FairseqDictionary> given;
  bool used_given = false;
  int64_t target_size = 0;
  for (const Language& language : languages) {
    std::vector<std::string> symbols = language.symbols;
    std::string source = language.symbols_source;
    if (symbols.empty()) {
      if (options.dict_path.empty()) {
        return absl::InvalidArgumentError(absl::StrCat(
            checkpoint.path(), ": the checkpoint holds no dictionary for '",
            language.name, "': pass --dict_path=dict.ltr.txt"));
      }
      source = DictionaryFile(options.dict_path);
      if (!given.has_value()) {
        ASSIGN_OR_RETURN(given, FairseqDictionary::Load(source));
      }
      symbols = given->symbols();
      used_given = true;
    }
    if (static_cast<int64_t>(symbols.size()) != language.head_rows) {
      return absl::InvalidArgumentError(absl::StrCat(
          source, ": ", symbols.size(), " symbols, but the CTC head of '",
          language.name, "' in ", checkpoint.path(), " has ",
          language.head_rows, " rows: not this language's dictionary"));
    }
    if (language.name == target)
      target_size = static_cast<int64_t>(symbols.size());
    vocabularies[language.name] = std::move(symbols);
  }
  if (!options.dict_path.empty() && !used_given) {
    notes.push_back(
        "--dict_path ignored: every language's dictionary is the one the "
        "checkpoint pickles (task_state)");
  }
  return target_size;
}

// A classifier's labels by row: the label dictionary --dict_path names
// (dict.lang.txt), or the one the checkpoint pickles; both, when given,
// must agree.
absl::StatusOr<std::vector<std::string>> ClassifierLabels(
    const ConversionOptions& options, const FairseqCheckpoint& checkpoint) {
  ASSIGN_OR_RETURN(std::optional<FairseqDictionary> pickled,
                   FairseqDictionary::FromTaskState(
                       checkpoint.archive().root().Find("task_state"),
                       absl::StrCat(checkpoint.path(), ": task_state")));
  std::vector<std::string> labels;
  std::string source;
  if (!options.dict_path.empty()) {
    source = DictionaryFile(options.dict_path, "dict.lang.txt");
    ASSIGN_OR_RETURN(FairseqDictionary file,
                     FairseqDictionary::LoadLabels(source));
    if (pickled.has_value() && pickled->symbols() != file.symbols()) {
      return absl::InvalidArgumentError(absl::StrCat(
          source, ": its labels differ from the label dictionary ",
          checkpoint.path(),
          " pickles (task_state['target_dictionary']): not this model's"));
    }
    labels = file.symbols();
  } else if (pickled.has_value()) {
    source = absl::StrCat(checkpoint.path(), " (task_state)");
    labels = pickled->symbols();
  } else {
    return absl::InvalidArgumentError(
        absl::StrCat(checkpoint.path(),
                     ": a sequence classifier needs its label dictionary: pass "
                     "--dict_path=dict.lang.txt"));
  }
  std::set<std::string> seen;
  for (const std::string& label : labels) {
    if (!seen.insert(label).second) {
      return absl::InvalidArgumentError(
          absl::StrCat(source, ": label '", label,
                       "' is repeated: label2id cannot invert id2label"));
    }
  }
  if (labels.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(source, ": no labels"));
  }
  return labels;
}

// Fields of a user's config.json replace the inferred ones one by one.
absl::Status ApplyConfigOverrides(const std::string& path,
                                  const ModelFamily& family,
                                  nlohmann::json& config,
                                  std::vector<std::string>& notes) {
  ASSIGN_OR_RETURN(nlohmann::json overrides, ReadJsonObject(path));
  if (overrides.contains("model_type") &&
      overrides["model_type"] != std::string(family.model_type())) {
    return absl::InvalidArgumentError(absl::StrCat(
        path, ": model_type is ", DumpJson(overrides["model_type"]), ", not \"",
        family.model_type(), "\""));
  }
  for (auto& [key, value] : overrides.items()) {
    if (config.contains(key) && config[key] != value) {
      notes.push_back(absl::StrCat(key, " = ", DumpJson(value), " from ", path,
                                   " (inferred ", DumpJson(config[key]), ")"));
    }
    config[key] = value;
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<ConversionSummary> Convert(const ConversionOptions& options) {
  ConversionSummary summary;
  summary.output_dir = options.output_dir;
  // Refuse an occupied target before doing any work.
  RETURN_IF_ERROR(
      StagedDirectory::CheckTarget(options.output_dir, options.overwrite));
  ASSIGN_OR_RETURN(FairseqCheckpoint checkpoint,
                   FairseqCheckpoint::Load(options.checkpoint_path));
  // Detection, config and mapping read only the pickle: their errors come
  // before the CRC pass starts, so none of them waits for the whole file.
  ASSIGN_OR_RETURN(const ModelFamily* family, FamilyOf(checkpoint));
  ASSIGN_OR_RETURN(ModelKind kind, family->DetectKind(checkpoint));
  summary.model_kind = family->KindName(kind);
  if (options.not_finetuned && kind != ModelKind::kPretrained) {
    return absl::InvalidArgumentError(
        absl::StrCat(checkpoint.path(),
                     ": --not_finetuned was given, but this is a fine-tuned (",
                     summary.model_kind, ") checkpoint"));
  }
  RETURN_IF_ERROR(family->CheckRepresentable(checkpoint, kind));
  ASSIGN_OR_RETURN(const std::vector<Language> languages,
                   family->Languages(checkpoint));
  std::string target_lang = options.target_lang;
  std::vector<std::string> language_names;
  for (const Language& language : languages)
    language_names.push_back(language.name);
  if (languages.empty() && !target_lang.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(checkpoint.path(), ": --target_lang=", target_lang,
                     " was given, but the model has no per-language adapters"));
  }
  if (!languages.empty() && target_lang.empty())
    target_lang = languages[0].name;
  if (!languages.empty() &&
      std::find(language_names.begin(), language_names.end(), target_lang) ==
          language_names.end()) {
    return absl::InvalidArgumentError(
        absl::StrCat(checkpoint.path(), ": --target_lang=", target_lang,
                     " is not one of its languages (",
                     absl::StrJoin(language_names, ", "), ")"));
  }

  std::optional<FairseqDictionary> dictionary;
  std::map<std::string, std::vector<std::string>> vocabularies;
  std::vector<std::string> labels;
  std::optional<int64_t> vocab_size;
  if (kind == ModelKind::kCtc && !languages.empty()) {
    ASSIGN_OR_RETURN(vocab_size, LanguageVocabularies(
                                     options, checkpoint, languages,
                                     target_lang, vocabularies, summary.notes));
  } else if (kind == ModelKind::kSequenceClassification) {
    ASSIGN_OR_RETURN(labels, ClassifierLabels(options, checkpoint));
  } else if (kind == ModelKind::kCtc) {
    if (options.dict_path.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat(checkpoint.path(),
                       ": a CTC checkpoint needs its fairseq dictionary: pass "
                       "--dict_path=dict.ltr.txt"));
    }
    ASSIGN_OR_RETURN(
        dictionary, FairseqDictionary::Load(DictionaryFile(options.dict_path)));
    ASSIGN_OR_RETURN(const int64_t head_rows,
                     family->CtcVocabularySize(checkpoint));
    if (static_cast<int64_t>(dictionary->size()) != head_rows) {
      return absl::InvalidArgumentError(absl::StrCat(
          DictionaryFile(options.dict_path), ": ", dictionary->size(),
          " symbols (4 specials + ", dictionary->size() - 4,
          " lines), but w2v_encoder.proj.weight in ", checkpoint.path(),
          " has ", head_rows, " rows: not this model's dictionary"));
    }
    vocab_size = static_cast<int64_t>(dictionary->size());
  } else if (!options.dict_path.empty()) {
    summary.notes.push_back(
        "--dict_path ignored: a pretrained model has no CTC head");
  }

  ASSIGN_OR_RETURN(InferredConfig inferred,
                   family->InferConfig(checkpoint, kind, vocab_size));
  summary.defaulted = inferred.defaulted;
  if (!labels.empty()) {
    // PretrainedConfig's id2label (row -> label; num_labels is its size)
    // and label2id, its inverse, which transformers' script never updates.
    nlohmann::json id2label = nlohmann::json::object();
    nlohmann::json label2id = nlohmann::json::object();
    for (size_t i = 0; i < labels.size(); ++i) {
      id2label[std::to_string(i)] = labels[i];
      label2id[labels[i]] = i;
    }
    inferred.hf_config["id2label"] = std::move(id2label);
    inferred.hf_config["label2id"] = std::move(label2id);
  }
  if (!options.config_path.empty()) {
    RETURN_IF_ERROR(ApplyConfigOverrides(options.config_path, *family,
                                         inferred.hf_config, summary.notes));
  }
  const std::string config_source =
      options.config_path.empty() ? checkpoint.path() : options.config_path;
  absl::StatusOr<WeightMapping> mapped =
      family->MapWeights(checkpoint, kind, inferred.hf_config, config_source,
                         options.strict, target_lang);
  if (!mapped.ok() && !options.config_path.empty()) {
    return absl::Status(
        mapped.status().code(),
        absl::StrCat(mapped.status().message(), " (config from ",
                     options.config_path, ")"));
  }
  ASSIGN_OR_RETURN(WeightMapping mapping, std::move(mapped));
  summary.skipped = mapping.skipped;
  summary.unmapped = mapping.unmapped;
  summary.notes.insert(summary.notes.end(), mapping.notes.begin(),
                       mapping.notes.end());

  // torch_dtype says what the floating-point weights are stored as.
  std::optional<DType> stored;
  for (const MappedTensor& t : mapping.tensors) {
    summary.parameters += t.numel();
    if (!IsFloatingPoint(t.dtype())) continue;
    DType d = OutputDType(options, t);
    if (!stored) stored = d;
    if (*stored != d)
      stored = DType::kF32;  // mixed: transformers loads into float32
  }
  inferred.hf_config["torch_dtype"] =
      std::string(TorchName(stored.value_or(DType::kF32)));
  summary.tensors_written = static_cast<int64_t>(mapping.tensors.size());
  if (!mapping.extra_files.empty() && !options.write_safetensors) {
    return absl::InvalidArgumentError(absl::StrCat(
        checkpoint.path(), ": ", mapping.extra_files.begin()->first,
        " and the other extra files are written as safetensors only; use "
        "--format=safetensors or --format=both"));
  }

  ASSIGN_OR_RETURN(
      StagedDirectory staged,
      StagedDirectory::Create(options.output_dir, options.overwrite));
  // Damage anywhere (optimizer state included) is reported, naming the
  // entry. The CRC pass reads the whole file, so it runs on the second core
  // while the files are written; nothing is committed before it agrees.
  std::future<absl::Status> crc = std::async(std::launch::async, [&checkpoint] {
    return checkpoint.archive().zip().VerifyAllCrcs();
  });
  std::map<std::string, std::string> small_files = {
      {"config.json", ConfigJsonText(inferred.hf_config)},
      {"preprocessor_config.json",
       DumpJson(inferred.preprocessor_config, 2) + "\n"},
  };
  if (dictionary) {
    for (auto& [name, text] : CtcTokenizerFiles(dictionary->symbols()))
      small_files[name] = text;
  }
  if (!vocabularies.empty()) {
    for (auto& [name, text] : CtcTokenizerFiles(vocabularies, target_lang))
      small_files[name] = text;
  }
  for (const auto& [name, text] : small_files) {
    RETURN_IF_ERROR(staged.WriteFile(name, text));
    summary.files[name] = text.size();
  }
  if (options.write_safetensors) {
    std::map<std::string, const std::vector<MappedTensor>*> files = {
        {"model.safetensors", &mapping.tensors}};
    for (const auto& [name, tensors] : mapping.extra_files) {
      // A family names its files; none may leave the directory or replace
      // another.
      if (name.find('/') != std::string::npos || name.empty() ||
          name[0] == '.' || files.count(name) != 0 ||
          small_files.count(name) != 0) {
        return absl::InternalError(
            absl::StrCat("the family names an extra file '", name, "'"));
      }
      files[name] = &tensors;
    }
    for (const auto& [name, tensors] : files) {
      const std::string path = staged.PathOf(name);
      RETURN_IF_ERROR(
          WriteSafetensors(checkpoint, *tensors, options, path, name));
      struct stat st;
      if (::stat(path.c_str(), &st) == 0)
        summary.files[name] = static_cast<uint64_t>(st.st_size);
    }
  }
  if (options.write_bin) {
    const std::string path = staged.PathOf("pytorch_model.bin");
    RETURN_IF_ERROR(WriteTorchBin(checkpoint, mapping, options, path));
    struct stat st;
    if (::stat(path.c_str(), &st) == 0)
      summary.files["pytorch_model.bin"] = static_cast<uint64_t>(st.st_size);
  }
  RETURN_IF_ERROR(crc.get());
  RETURN_IF_ERROR(staged.Commit());
  return summary;
}

std::string ConversionSummary::ToText() const {
  std::string out;
  uint64_t total = 0;
  for (const auto& [name, size] : files) total += size;
  absl::StrAppend(&out, "model: ", model_kind, "\n");
  absl::StrAppend(&out, "parameters: ", parameters, " in ", tensors_written,
                  " tensors\n");
  for (const auto& [category, names] : skipped) {
    absl::StrAppend(&out, "skipped (training only): ", category, ": ",
                    names.size(), " tensors\n");
  }
  for (const std::string& name : unmapped)
    absl::StrAppend(&out, "not converted (non-strict): ", name, "\n");
  for (const std::string& d : defaulted)
    absl::StrAppend(&out, "default used: ", d, "\n");
  for (const std::string& n : notes) absl::StrAppend(&out, "note: ", n, "\n");
  for (const auto& [name, size] : files)
    absl::StrAppend(&out, "wrote ", name, " (", size, " bytes)\n");
  absl::StrAppend(&out, "output: ", output_dir, " (",
                  absl::StrFormat("%.1f", total / 1e6), " MB)\n");
  return out;
}

}  // namespace fairport
