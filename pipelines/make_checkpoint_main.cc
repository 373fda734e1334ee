// make_checkpoint: writes a synthetic fairseq data2vec-audio checkpoint
// (and, for CTC models, its dict.ltr.txt beside it).
#include <cstdio>
#include <fstream>
#include <string>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "base/cli.h"
#include "base/user_path.h"
#include "families/data2vec_audio/synthetic_checkpoint.h"

ABSL_FLAG(std::string, size, "base", "tiny|base|large");
ABSL_FLAG(bool, finetuned, false,
          "a wav2vec_ctc model with a letter dictionary");
ABSL_FLAG(std::string, dtype, "float32", "float32|float16");
ABSL_FLAG(bool, adam, false, "include Adam optimizer state");
ABSL_FLAG(std::string, output, "", "checkpoint path to write");
ABSL_FLAG(uint64_t, seed, 1, "seed of the deterministic weights");

namespace {

int Main(int argc, char** argv) {
  using namespace fairport;
  using data2vec_audio::SyntheticSpec;
  std::vector<std::string> rest = ParseFlagsOrExit(
      argc, argv, "make_checkpoint --size=base --output=checkpoint.pt");
  if (!rest.empty())
    ExitBadUsage(absl::StrCat("unexpected argument '", rest[0], "'"));
  const std::string output = ResolveUserPath(absl::GetFlag(FLAGS_output));
  if (output.empty()) ExitBadUsage("--output is required");
  const std::string size = absl::GetFlag(FLAGS_size);
  SyntheticSpec spec;
  if (size == "tiny") {
    spec = SyntheticSpec::Tiny();
  } else if (size == "base") {
    spec = SyntheticSpec::Base();
  } else if (size == "large") {
    spec = SyntheticSpec::Large();
  } else {
    ExitBadUsage("--size must be tiny, base or large");
  }
  spec.ctc = absl::GetFlag(FLAGS_finetuned);
  spec.adam_state = absl::GetFlag(FLAGS_adam);
  spec.seed = absl::GetFlag(FLAGS_seed);
  const std::string dtype = absl::GetFlag(FLAGS_dtype);
  if (dtype == "float16") {
    spec.dtype = DType::kF16;
  } else if (dtype != "float32") {
    ExitBadUsage("--dtype must be float32 or float16");
  }
  absl::Status status = data2vec_audio::WriteSyntheticCheckpoint(spec, output);
  if (!status.ok()) return ReportError(status);
  if (spec.ctc) {
    const std::string dict =
        output.substr(0, output.find_last_of('/') + 1) + "dict.ltr.txt";
    std::ofstream(dict) << data2vec_audio::LetterDictionary();
  }
  std::printf("wrote %s\n", output.c_str());
  return 0;
}

}  // namespace

int main(int argc, char** argv) { return fairport::RunTool(argc, argv, Main); }
