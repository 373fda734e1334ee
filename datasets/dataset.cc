#include "datasets/dataset.h"

#include <openssl/evp.h>

#include <cstdio>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "base/files.h"
#include "base/json.h"
#include "base/status_macros.h"
#include "base/utf8.h"
#include "nlohmann/json.hpp"

namespace fairport {
namespace {

std::string Hex(const unsigned char* digest, unsigned int size) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < size; ++i) {
    out.push_back(kDigits[digest[i] >> 4]);
    out.push_back(kDigits[digest[i] & 15]);
  }
  return out;
}

std::string Basename(const std::string& path) {
  std::string name = path.substr(path.find_last_of('/') + 1);
  return name.substr(0, name.find_last_of('.'));
}

absl::Status Finish(Dataset& dataset, const AudioReadOptions& options) {
  std::string ids;
  for (Utterance& u : dataset.utterances) {
    // Ids reach JSON (reports, reference metadata), which holds UTF-8 only.
    if (FirstInvalidUtf8Byte(u.id).has_value()) {
      return absl::InvalidArgumentError(absl::StrCat(
          u.path,
          ": the utterance id taken from the file name is not valid UTF-8; "
          "rename the file or give the utterance an id in a manifest"));
    }
    ASSIGN_OR_RETURN(std::string digest, FileSha256(u.path));
    if (!u.sha256.empty() && u.sha256 != digest) {
      return absl::DataLossError(absl::StrCat(
          u.path, ": sha256 is ", digest, ", the manifest says ", u.sha256));
    }
    u.sha256 = digest;
    ASSIGN_OR_RETURN(u.samples, ReadAudio(u.path, options));
    absl::StrAppend(&ids, u.id, " ", u.sha256, "\n");
  }
  if (dataset.utterances.empty())
    return absl::InvalidArgumentError("the dataset has no utterances");
  dataset.sha256 = Sha256Hex(ids);
  return absl::OkStatus();
}

}  // namespace

std::string Sha256Hex(const std::string& bytes) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  EVP_Digest(bytes.data(), bytes.size(), digest, &size, EVP_sha256(), nullptr);
  return Hex(digest, size);
}

absl::StatusOr<std::string> FileSha256(const std::string& path) {
  std::FILE* file = std::fopen(path.c_str(), "rb");
  if (file == nullptr)
    return absl::NotFoundError(absl::StrCat(path, ": cannot open"));
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  EVP_DigestInit_ex(ctx, EVP_sha256(), nullptr);
  std::vector<char> buffer(1 << 20);
  size_t n;
  while ((n = std::fread(buffer.data(), 1, buffer.size(), file)) > 0)
    EVP_DigestUpdate(ctx, buffer.data(), n);
  const bool failed = std::ferror(file);
  std::fclose(file);
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  EVP_DigestFinal_ex(ctx, digest, &size);
  EVP_MD_CTX_free(ctx);
  if (failed) return absl::DataLossError(absl::StrCat(path, ": read error"));
  return Hex(digest, size);
}

absl::StatusOr<Dataset> LoadDatasetManifest(const std::string& manifest_path,
                                            const AudioReadOptions& options) {
  ASSIGN_OR_RETURN(std::string text, ReadFile(manifest_path));
  nlohmann::json manifest = ParseJson(text);
  if (!manifest.is_object() || !manifest.contains("utterances") ||
      !manifest["utterances"].is_array()) {
    return absl::InvalidArgumentError(
        absl::StrCat(manifest_path, ": expected {\"utterances\": [...]}"));
  }
  const std::string dir =
      manifest_path.substr(0, manifest_path.find_last_of('/') + 1);
  Dataset dataset;
  for (const nlohmann::json& entry : manifest["utterances"]) {
    if (!entry.is_object() || !entry.contains("audio") ||
        !entry["audio"].is_string()) {
      return absl::InvalidArgumentError(absl::StrCat(
          manifest_path, ": every utterance needs an \"audio\" path"));
    }
    Utterance u;
    const std::string audio = entry["audio"];
    u.path = !audio.empty() && audio[0] == '/' ? audio : dir + audio;
    u.id = entry.contains("id") && entry["id"].is_string()
               ? entry["id"].get<std::string>()
               : Basename(audio);
    if (entry.contains("text") && entry["text"].is_string())
      u.text = entry["text"];
    if (entry.contains("sha256") && entry["sha256"].is_string())
      u.sha256 = entry["sha256"];
    dataset.utterances.push_back(std::move(u));
  }
  RETURN_IF_ERROR(Finish(dataset, options));
  return dataset;
}

absl::StatusOr<Dataset> LoadAudioFiles(const std::vector<std::string>& paths,
                                       const AudioReadOptions& options) {
  Dataset dataset;
  for (const std::string& path : paths)
    dataset.utterances.push_back({Basename(path), path, "", "", {}});
  RETURN_IF_ERROR(Finish(dataset, options));
  return dataset;
}

absl::StatusOr<Dataset> LoadDataset(const std::string& manifest_path,
                                    const std::vector<std::string>& paths,
                                    const AudioReadOptions& options) {
  if (!manifest_path.empty() && !paths.empty()) {
    return absl::InvalidArgumentError(
        "give a dataset manifest or audio files, not both");
  }
  if (!manifest_path.empty())
    return LoadDatasetManifest(manifest_path, options);
  if (paths.empty())
    return absl::InvalidArgumentError(
        "no audio: give --dataset=manifest.json or audio files");
  return LoadAudioFiles(paths, options);
}

}  // namespace fairport
