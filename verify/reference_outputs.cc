#include "verify/reference_outputs.h"

#include <cstring>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "base/files.h"
#include "base/status_macros.h"
#include "formats/safetensors.h"

namespace fairport {
namespace {

// Stage names in the metadata: they hold no ';'.
constexpr char kStageSeparator[] = ";";

constexpr const char* kRequiredMetadata[] = {
    "checkpoint_sha256", "dataset_sha256", "model_kind", "output",
    "frame_counting",    "utterances"};

std::string ShapeText(const std::vector<int64_t>& shape) {
  return absl::StrCat("[", absl::StrJoin(shape, ", "), "]");
}

// A copy of the entry as a tensor, once its dtype and shape are what the
// caller needs: `dtype`, `rank` dimensions, and each of `dims` that is
// not negative equal to the entry's.
absl::StatusOr<torch::Tensor> LoadEntry(const SafetensorsFile& file,
                                        const std::string& name, DType dtype,
                                        const std::vector<int64_t>& dims) {
  const SafetensorsEntry* e = file.Find(name);
  if (e == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat(file.path(), ": entry '", name, "' is missing"));
  }
  if (e->dtype != dtype) {
    return absl::InvalidArgumentError(
        absl::StrCat(file.path(), ": entry '", name, "' is ",
                     TorchName(e->dtype), ", not ", TorchName(dtype)));
  }
  bool fits = e->shape.size() == dims.size();
  for (size_t i = 0; fits && i < dims.size(); ++i)
    fits = dims[i] < 0 || e->shape[i] == dims[i];
  if (!fits) {
    std::vector<std::string> want;
    for (int64_t d : dims) want.push_back(d < 0 ? "*" : absl::StrCat(d));
    return absl::InvalidArgumentError(absl::StrCat(
        file.path(), ": entry '", name, "' has shape ", ShapeText(e->shape),
        ", not [", absl::StrJoin(want, ", "), "]"));
  }
  // SafetensorsFile has checked that the entry's bytes are its shape's.
  const absl::string_view bytes = file.Bytes(*e);
  torch::Tensor t = torch::empty(
      e->shape, dtype == DType::kI64 ? torch::kLong : torch::kFloat);
  if (bytes.size() != static_cast<size_t>(t.nbytes())) {
    return absl::InternalError(absl::StrCat(file.path(), ": entry '", name,
                                            "' holds ", bytes.size(),
                                            " bytes, not ", t.nbytes()));
  }
  std::memcpy(t.data_ptr(), bytes.data(), bytes.size());
  return t;
}

}  // namespace

std::string ReferenceOutputs::Meta(const std::string& key) const {
  auto it = metadata.find(key);
  return it == metadata.end() ? std::string() : it->second;
}

absl::Status WriteReferenceFile(const ReferenceOutputs& reference,
                                const std::string& path) {
  std::vector<std::pair<std::string, torch::Tensor>> tensors = {
      {"output", reference.output.to(torch::kFloat)},
      {"valid_frames", reference.valid_frames.to(torch::kLong)}};
  std::vector<std::string> names;
  for (size_t s = 0; s < reference.stages.size(); ++s) {
    tensors.emplace_back(absl::StrCat("stages.", s),
                         reference.stages[s].states.to(torch::kFloat));
    names.push_back(reference.stages[s].name);
  }
  SafetensorsLayout layout;
  for (const auto& [k, v] : reference.metadata) layout.SetMetadata(k, v);
  layout.SetMetadata("format", "pt");
  layout.SetMetadata("stages", absl::StrJoin(names, kStageSeparator));
  for (const auto& [name, t] : tensors) {
    layout.Add(name,
               t.scalar_type() == torch::kLong ? DType::kI64 : DType::kF32,
               t.sizes().vec());
  }
  std::string bytes = layout.Header();
  for (const auto& [name, t] : tensors) {
    torch::Tensor c = t.contiguous();
    bytes.append(static_cast<const char*>(c.data_ptr()), c.nbytes());
  }
  return WriteFileAtomically(path, bytes);
}

absl::StatusOr<ReferenceOutputs> ReadReferenceFile(
    const std::string& path, const std::string& dataset_sha256,
    int64_t utterances) {
  ASSIGN_OR_RETURN(SafetensorsFile file, SafetensorsFile::Open(path));
  ReferenceOutputs ref;
  ref.metadata = file.metadata();
  for (const char* key : kRequiredMetadata) {
    if (!ref.metadata.count(key)) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, ": metadata '", key,
                       "' is missing: not a Fairport reference file"));
    }
  }
  if (ref.Meta("dataset_sha256") != dataset_sha256) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": computed on dataset ", ref.Meta("dataset_sha256"),
                     ", not on this one (", dataset_sha256, ")"));
  }
  ASSIGN_OR_RETURN(
      ref.output, LoadEntry(file, "output", DType::kF32, {utterances, -1, -1}));
  const int64_t frames = ref.output.size(1);
  ASSIGN_OR_RETURN(ref.valid_frames,
                   LoadEntry(file, "valid_frames", DType::kI64, {utterances}));
  if (utterances > 0 && (ref.valid_frames.min().item<int64_t>() < 0 ||
                         ref.valid_frames.max().item<int64_t>() > frames)) {
    return absl::InvalidArgumentError(absl::StrCat(
        path, ": entry 'valid_frames' holds counts outside [0, ", frames, "]"));
  }
  const std::string stages = ref.Meta("stages");
  if (!stages.empty()) {
    const std::vector<std::string> names =
        absl::StrSplit(stages, kStageSeparator);
    for (size_t s = 0; s < names.size(); ++s) {
      ASSIGN_OR_RETURN(torch::Tensor states,
                       LoadEntry(file, absl::StrCat("stages.", s), DType::kF32,
                                 {utterances, frames, -1}));
      ref.stages.push_back({names[s], std::move(states)});
    }
  }
  if (file.entries().size() != 2 + ref.stages.size()) {
    return absl::InvalidArgumentError(absl::StrCat(
        path, ": holds ", file.entries().size(),
        " entries; a reference file holds output, valid_frames and the ",
        ref.stages.size(), " stages its metadata names"));
  }
  return ref;
}

}  // namespace fairport
