#include "verify/reference_outputs.h"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <map>
#include <utility>

#include "ATen/TensorOperators.h"
#include "ATen/ops/empty.h"
#include "ATen/ops/from_blob.h"
#include "absl/algorithm/container.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "base/files.h"
#include "base/json.h"
#include "base/status_macros.h"
#include "formats/safetensors.h"
#include "nlohmann/json.hpp"
#include "ops/torch_errors.h"

namespace fairport {
namespace {

// Stage names in the metadata: they hold no ';'.
constexpr char kStageSeparator[] = ";";

std::string Shape(const std::vector<int64_t>& shape) {
  return absl::StrCat("[", absl::StrJoin(shape, ", "), "]");
}

bool IsSha256(const std::string& s) {
  if (s.size() != 64) return false;
  for (char c : s)
    if (!absl::ascii_isxdigit(c)) return false;
  return true;
}

// The entry's bytes as a tensor of `type`, after checking that they are
// exactly what its shape needs: in place in the file's mapping when they
// are aligned for `type` (the tensor keeps the mapping alive; nothing
// writes to a reference), else a copy.
absl::StatusOr<at::Tensor> EntryTensor(const SafetensorsFile& file,
                                       const SafetensorsEntry& e,
                                       at::ScalarType type) {
  absl::string_view bytes = file.Bytes(e);
  return ops::CatchTorchErrors(
      file.path(), [&]() -> absl::StatusOr<at::Tensor> {
        const auto options = at::TensorOptions().dtype(type);
        const int64_t item = at::elementSize(type);
        if (static_cast<uint64_t>(e.numel()) * item != bytes.size()) {
          return absl::InvalidArgumentError(
              absl::StrCat(file.path(), ": ", e.name, " has ", bytes.size(),
                           " bytes for shape ", Shape(e.shape)));
        }
        if (reinterpret_cast<uintptr_t>(bytes.data()) % item == 0) {
          return at::from_blob(
              const_cast<char*>(bytes.data()), e.shape,
              [mapping = file.file()](void*) {}, options);
        }
        at::Tensor t = at::empty(e.shape, options);
        std::memcpy(t.data_ptr(), bytes.data(), bytes.size());
        return t;
      });
}

bool IsLanguageName(absl::string_view name) {
  return !name.empty() && absl::c_all_of(name, [](char c) {
    return absl::ascii_isalnum(c) || c == '_' || c == '-';
  });
}

// A classifier's labels (metadata "labels", a JSON array of `classes`
// strings), or none when the model named none; errors name `path`.
absl::StatusOr<std::vector<std::string>> ReadLabels(const ReferenceOutputs& ref,
                                                    int64_t classes,
                                                    const std::string& path) {
  auto it = ref.metadata.find(kLabelsKey);
  if (it == ref.metadata.end()) return std::vector<std::string>();
  nlohmann::json labels = ParseJson(it->second);
  if (!labels.is_array() || static_cast<int64_t>(labels.size()) != classes ||
      !absl::c_all_of(labels,
                      [](const nlohmann::json& l) { return l.is_string(); })) {
    return absl::InvalidArgumentError(absl::StrCat(
        path, ": metadata ", kLabelsKey, " is not a JSON array of ", classes,
        " strings, one per class"));
  }
  return labels.get<std::vector<std::string>>();
}

}  // namespace

std::string ReferenceOutputs::Meta(const std::string& key) const {
  auto it = metadata.find(key);
  return it == metadata.end() ? std::string() : it->second;
}

absl::StatusOr<int64_t> ReferenceBatchSize(const ReferenceOutputs& reference,
                                           int64_t utterances) {
  auto it = reference.metadata.find(kBatchSizeKey);
  if (it == reference.metadata.end()) return utterances;
  int64_t batch_size = 0;
  if (!absl::SimpleAtoi(it->second, &batch_size) || batch_size < 1 ||
      absl::StrCat(batch_size) != it->second) {
    return absl::InvalidArgumentError(absl::StrCat(
        "metadata ", kBatchSizeKey, " is \"", absl::CHexEscape(it->second),
        "\", not a positive number of utterances"));
  }
  return std::min(batch_size, utterances);
}

absl::Status WriteReferenceFile(const ReferenceOutputs& reference,
                                const std::string& path) {
  std::vector<std::pair<std::string, at::Tensor>> tensors = {
      {"output", reference.output.to(at::kFloat)},
      {"valid_frames", reference.valid_frames.to(at::kLong)}};
  std::vector<std::string> names;
  for (size_t s = 0; s < reference.stages.size(); ++s) {
    tensors.emplace_back(absl::StrCat("stages.", s),
                         reference.stages[s].states.to(at::kFloat));
    names.push_back(reference.stages[s].name);
  }
  SafetensorsLayout layout;
  for (const auto& [k, v] : reference.metadata) layout.SetMetadata(k, v);
  if (!reference.labels.empty())
    layout.SetMetadata(kLabelsKey, DumpJson(nlohmann::json(reference.labels)));
  layout.SetMetadata("format", "pt");
  layout.SetMetadata("stages", absl::StrJoin(names, kStageSeparator));
  for (const auto& [name, t] : tensors) {
    layout.Add(name, t.scalar_type() == at::kLong ? DType::kI64 : DType::kF32,
               t.sizes().vec());
  }
  std::string bytes = layout.Header();
  for (const auto& [name, t] : tensors) {
    at::Tensor c = t.contiguous();
    bytes.append(static_cast<const char*>(c.data_ptr()), c.nbytes());
  }
  return WriteFileAtomically(path, bytes);
}

absl::StatusOr<ReferenceOutputs> ReadReferenceFile(
    const std::string& path, const std::string& dataset_sha256,
    int64_t utterances) {
  ASSIGN_OR_RETURN(SafetensorsFile file, SafetensorsFile::Open(path));
  auto error = [&](const std::string& where, const std::string& problem) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": ", where, " ", problem));
  };
  ReferenceOutputs ref;
  ref.metadata = file.metadata();
  for (const char* key :
       {"dataset_sha256", "checkpoint_sha256", "output", "model_kind"}) {
    if (!ref.metadata.count(key))
      return error(absl::StrCat("metadata ", key), "is missing");
  }
  if (!IsSha256(ref.metadata["checkpoint_sha256"]))
    return error("metadata checkpoint_sha256", "is not a hex SHA-256");
  const std::string& kind = ref.metadata["output"];
  if (kind != "logits" && kind != "last_hidden_state" && kind != kClassLogits) {
    return error("metadata output",
                 "is not \"logits\", \"last_hidden_state\" or "
                 "\"class_logits\"");
  }
  const bool classifier = kind == kClassLogits;
  if (ref.metadata["model_kind"].empty())
    return error("metadata model_kind", "is empty");
  if (ref.metadata["dataset_sha256"] != dataset_sha256) {
    return absl::InvalidArgumentError(absl::StrCat(
        path, ": computed on dataset ", ref.metadata["dataset_sha256"],
        ", not on this one (", dataset_sha256, ")"));
  }
  // Absent: the conv-length formula.
  if (!ref.metadata.count("frame_counting"))
    ref.metadata["frame_counting"] = kConvLengthFormula;
  if (absl::StatusOr<int64_t> batch_size = ReferenceBatchSize(ref, utterances);
      !batch_size.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": ", batch_size.status().message()));
  }

  const SafetensorsEntry* output = file.Find("output");
  if (output == nullptr) return error("entry output", "is missing");
  if (output->dtype != DType::kF32) {
    return error("entry output",
                 absl::StrCat("has dtype ", SafetensorsName(output->dtype),
                              ", not F32"));
  }
  // (B, T, C) frames; a classifier's (B, C), its frames those of its
  // stages.
  std::vector<int64_t> shape = output->shape;
  if (classifier) {
    const SafetensorsEntry* first = file.Find("stages.0");
    if (shape.size() != 2 || shape[0] != utterances || shape[1] < 1) {
      return error("entry output",
                   absl::StrCat("has shape ", Shape(shape), ", not (",
                                utterances, " utterances, classes >= 1)"));
    }
    if (first == nullptr || first->shape.size() != 3 || first->shape[1] < 1) {
      return error("entry stages.0",
                   "is missing or not (utterances, frames >= 1, channels): a "
                   "classifier's frames are its stages'");
    }
    ASSIGN_OR_RETURN(ref.labels, ReadLabels(ref, shape[1], path));
    shape = {shape[0], first->shape[1], shape[1]};
  } else if (shape.size() != 3 || shape[0] != utterances || shape[1] < 1 ||
             shape[2] < 1) {
    return error("entry output",
                 absl::StrCat("has shape ", Shape(shape), ", not (", utterances,
                              " utterances, frames >= 1, channels >= 1)"));
  }
  if (ref.metadata.count(kLanguageKey)) {
    const std::string& language = ref.metadata[kLanguageKey];
    const std::vector<std::string> all =
        absl::StrSplit(ref.Meta(kLanguagesKey), ',');
    if (!IsLanguageName(language) || !absl::c_all_of(all, IsLanguageName) ||
        !absl::c_linear_search(all, language)) {
      return error(
          absl::StrCat("metadata ", kLanguageKey, " / ", kLanguagesKey),
          absl::StrCat("are \"", absl::CHexEscape(language), "\" / \"",
                       absl::CHexEscape(ref.Meta(kLanguagesKey)),
                       "\", not a language name ([A-Za-z0-9_-]+) among a "
                       "comma-separated list of them"));
    }
  }
  ASSIGN_OR_RETURN(ref.output, EntryTensor(file, *output, at::kFloat));

  const SafetensorsEntry* frames = file.Find("valid_frames");
  if (frames == nullptr) return error("entry valid_frames", "is missing");
  if (frames->dtype != DType::kI64 ||
      frames->shape != std::vector<int64_t>{utterances}) {
    return error(
        "entry valid_frames",
        absl::StrCat("is ", SafetensorsName(frames->dtype), " ",
                     Shape(frames->shape), ", not I64 [", utterances, "]"));
  }
  ASSIGN_OR_RETURN(ref.valid_frames, EntryTensor(file, *frames, at::kLong));
  const int64_t* v = ref.valid_frames.data_ptr<int64_t>();
  for (int64_t b = 0; b < utterances; ++b) {
    if (v[b] < 0 || v[b] > shape[1]) {
      return error("entry valid_frames",
                   absl::StrCat("counts ", v[b], " frames for utterance ", b,
                                " of an output of ", shape[1], " frames"));
    }
  }

  // stages.0 .. stages.<n-1>, in order, (B, T, C_s) each, named by the
  // metadata's "stages".
  std::map<int64_t, const SafetensorsEntry*> stages;
  for (const SafetensorsEntry& e : file.entries()) {
    if (e.name == "output" || e.name == "valid_frames") continue;
    absl::string_view index = e.name;
    int64_t s = -1;
    if (!absl::ConsumePrefix(&index, "stages.") ||
        !absl::SimpleAtoi(index, &s) || s < 0 || absl::StrCat(s) != index) {
      return error(absl::StrCat("entry \"", absl::CHexEscape(e.name), "\""),
                   "is not output, valid_frames or stages.<i>");
    }
    if (e.dtype != DType::kF32 || e.shape.size() != 3 ||
        e.shape[0] != shape[0] || e.shape[1] != shape[1] || e.shape[2] < 1) {
      return error(absl::StrCat("entry ", e.name),
                   absl::StrCat("is ", SafetensorsName(e.dtype), " ",
                                Shape(e.shape), ", not F32 [", shape[0], ", ",
                                shape[1], ", channels >= 1] as ",
                                classifier ? "stages.0" : "output"));
    }
    stages[s] = &e;
  }
  const std::string listed = ref.Meta("stages");
  std::vector<std::string> names;
  if (!listed.empty()) names = absl::StrSplit(listed, kStageSeparator);
  if (names.size() != stages.size()) {
    return error("metadata stages",
                 absl::StrCat("names ", names.size(),
                              " stages, the file holds ", stages.size()));
  }
  for (const auto& [s, e] : stages) {
    if (s != static_cast<int64_t>(ref.stages.size())) {
      return error(absl::StrCat("entry ", e->name),
                   absl::StrCat("is there but stages.", ref.stages.size(),
                                " is missing"));
    }
    ASSIGN_OR_RETURN(at::Tensor states, EntryTensor(file, *e, at::kFloat));
    ref.stages.push_back({names[s], std::move(states)});
  }
  return ref;
}

}  // namespace fairport
