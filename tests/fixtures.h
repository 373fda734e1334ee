// Locates the repository's fixtures (//testdata:fixtures) and the project's
// own tools inside a test's runfiles.
#ifndef FAIRPORT_TESTS_FIXTURES_H_
#define FAIRPORT_TESTS_FIXTURES_H_

#include <cstdlib>
#include <stdexcept>
#include <string>

#include "base/files.h"
#include "base/json.h"
#include "nlohmann/json.hpp"

namespace fairport::testing {

inline std::string RunfilesRoot() {
  const char* dir = std::getenv("TEST_SRCDIR");
  return dir == nullptr ? "." : dir;
}

// `relative` under testdata/, e.g. "finetuned/checkpoint.pt".
inline std::string FixturePath(const std::string& relative) {
  return RunfilesRoot() + "/fairport/testdata/" + relative;
}

// A target of this workspace, e.g. "converter/converter".
inline std::string ToolPath(const std::string& relative) {
  return RunfilesRoot() + "/fairport/" + relative;
}

// A file's bytes, or "" when it cannot be read (so that the assertions on
// them fail).
inline std::string Slurp(const std::string& path) {
  absl::StatusOr<std::string> bytes = ReadFile(path);
  return bytes.ok() ? *std::move(bytes) : std::string();
}

// A JSON file, parsed (not JSON throws, failing the test).
inline nlohmann::json ReadJson(const std::string& path) {
  nlohmann::json json = ParseJson(Slurp(path));
  if (json.is_discarded()) throw std::runtime_error(path + ": not JSON");
  return json;
}

inline std::string TempDir() {
  const char* dir = std::getenv("TEST_TMPDIR");
  return dir == nullptr ? "/tmp" : dir;
}

inline constexpr const char* kVariants[] = {
    "pretrained", "finetuned", "finetuned_fp16", "finetuned_legacy_args",
    "pretrained_even_kernel"};

// The wav2vec 2.0 and HuBERT fixtures (families.json).
inline constexpr const char* kFamilyVariants[] = {
    "wav2vec2_pretrained", "wav2vec2_finetuned", "wav2vec2_finetuned_lnf",
    "hubert_pretrained", "hubert_finetuned"};

// The wav2vec2-conformer fixtures transformers can represent
// (conformer.json); conformer_relpos_postln_pretrained must be refused.
inline constexpr const char* kConformerVariants[] = {
    "conformer_relpos_pretrained", "conformer_relpos_ctc",
    "conformer_relpos_ctc_fp16", "conformer_rope_ctc",
    "conformer_rope_ctc_fp16"};

}  // namespace fairport::testing

#endif  // FAIRPORT_TESTS_FIXTURES_H_
