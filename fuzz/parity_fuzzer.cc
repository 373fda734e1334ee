// libFuzzer target for what `parity` reads: the input is a ustar archive
// holding a converted model directory (config.json, preprocessor_config.json,
// model.safetensors, vocab.json, tokenizer files) and reference.safetensors.
// It is unpacked into a temporary directory and checked by CheckParity, as
// `parity` checks it, against a fixed one-utterance dataset
// (fuzz/seeds/parity/manifest.json, or $PARITY_FUZZ_DATASET), and a report is
// rendered as JSON and Markdown as parity writes it. Each input must
// give a report or an error, never a crash, a hang, an escaping exception or
// an unbounded allocation. The seeds (fuzz/BUILD.bazel) pass parity, so
// mutations reach the HF forward pass and the comparison.
#include <sys/stat.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <set>
#include <string>

#include "ATen/Parallel.h"
#include "absl/strings/string_view.h"
#include "base/files.h"
#include "datasets/dataset.h"
#include "verify/parity.h"

namespace {

constexpr size_t kBlock = 512;

// The files parity may read; any other member is skipped.
const std::set<std::string>& Members() {
  static const auto* members = new std::set<std::string>{
      "config.json",           "preprocessor_config.json",
      "model.safetensors",     "vocab.json",
      "tokenizer_config.json", "special_tokens_map.json",
      "reference.safetensors"};
  return *members;
}

struct FuzzState {
  std::string dir;
  fairport::Dataset dataset;
};

FuzzState& State() {
  static auto* state = new FuzzState;
  return *state;
}

// ustar's size field: octal digits, space or NUL terminated.
bool OctalSize(absl::string_view field, uint64_t& size) {
  size = 0;
  for (char c : field) {
    if (c == ' ' || c == '\0') break;
    if (c < '0' || c > '7' || size > (uint64_t{1} << 40)) return false;
    size = size * 8 + (c - '0');
  }
  return true;
}

// Writes the archive's known members into `dir`; false when it is not a
// readable archive.
bool Unpack(absl::string_view tar, const std::string& dir) {
  while (tar.size() >= kBlock) {
    absl::string_view header = tar.substr(0, kBlock);
    if (header[0] == '\0') return true;  // end-of-archive block
    const std::string name(header.substr(0, header.substr(0, 100).find('\0')));
    uint64_t size = 0;
    if (!OctalSize(header.substr(124, 12), size)) return false;
    tar.remove_prefix(kBlock);
    if (size > tar.size()) return false;
    if (header[156] == '0' || header[156] == '\0') {
      if (Members().count(name) &&
          !fairport::WriteFileAtomically(dir + "/" + name,
                                         std::string(tar.substr(0, size)))
               .ok()) {
        std::abort();
      }
    }
    tar.remove_prefix(
        std::min<uint64_t>(tar.size(), (size + kBlock - 1) / kBlock * kBlock));
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  at::set_num_threads(1);
  char pattern[] = "/tmp/fairport-parity-fuzz-XXXXXX";
  if (::mkdtemp(pattern) == nullptr) std::abort();
  State().dir = pattern;
  std::string manifest;
  if (const char* path = std::getenv("PARITY_FUZZ_DATASET")) {
    manifest = path;
  } else if (const char* srcdir = std::getenv("TEST_SRCDIR")) {
    manifest =
        std::string(srcdir) + "/fairport/fuzz/seeds/parity/manifest.json";
  }
  absl::StatusOr<fairport::Dataset> dataset =
      fairport::LoadDatasetManifest(manifest);
  if (!dataset.ok()) {
    std::fprintf(stderr, "parity_fuzzer: set PARITY_FUZZ_DATASET: %s\n",
                 std::string(dataset.status().message()).c_str());
    std::abort();
  }
  State().dataset = *std::move(dataset);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string dir = State().dir + "/case";
  fairport::RemoveTree(dir);
  if (::mkdir(dir.c_str(), 0755) != 0) std::abort();
  if (Unpack(absl::string_view(reinterpret_cast<const char*>(data), size),
             dir)) {
    absl::StatusOr<fairport::ParityReport> report = fairport::CheckParity(
        dir, State().dataset, dir + "/reference.safetensors", 1e-4);
    if (report.ok()) {  // what parity writes of it
      (void)fairport::ReportJson(*report);
      (void)fairport::ReportMarkdown(*report);
    }
  }
  fairport::RemoveTree(dir);
  return 0;
}
