// A reference dataset: utterances (id, audio file, optional transcript)
// from a manifest or a list of files, and the SHA-256 that identifies it.
//
// Manifest (JSON): {"utterances": [{"id": "...", "audio":
// "relative/or/absolute.wav", "text": "...", "sha256": "..."}]}; audio paths
// are relative to the manifest's directory, and a listed sha256 is checked.
#ifndef FAIRPORT_DATASETS_DATASET_H_
#define FAIRPORT_DATASETS_DATASET_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "datasets/audio.h"

namespace fairport {

struct Utterance {
  std::string id;
  std::string path;
  std::string text;
  std::string sha256;  // of the audio file's bytes
  std::vector<float> samples;
};

struct Dataset {
  std::vector<Utterance> utterances;
  // SHA-256 over "<id> <sha256 of audio>\n" for every utterance, in order.
  std::string sha256;
};

absl::StatusOr<Dataset> LoadDatasetManifest(
    const std::string& manifest_path, const AudioReadOptions& options = {});
absl::StatusOr<Dataset> LoadAudioFiles(const std::vector<std::string>& paths,
                                       const AudioReadOptions& options = {});

// A manifest, or else audio files: what the tools' --dataset flag and
// positional arguments give.
absl::StatusOr<Dataset> LoadDataset(const std::string& manifest_path,
                                    const std::vector<std::string>& paths,
                                    const AudioReadOptions& options = {});

// Hex SHA-256 of a file's bytes, streamed.
absl::StatusOr<std::string> FileSha256(const std::string& path);
std::string Sha256Hex(const std::string& bytes);

}  // namespace fairport

#endif  // FAIRPORT_DATASETS_DATASET_H_
