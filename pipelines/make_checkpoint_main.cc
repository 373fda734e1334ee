// make_checkpoint: writes a synthetic fairseq checkpoint of one family
// (and, for CTC models, its dict.ltr.txt beside it); for wav2vec2, MMS
// adapter models (--languages) and language-ID classifiers (--labels).
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "base/cli.h"
#include "base/user_path.h"
#include "families/registry.h"

ABSL_FLAG(std::string, family, "",
          "model family (default: the first registered)");
ABSL_FLAG(std::string, size, "base",
          "tiny|base|large, and 1b|2b (XLS-R shapes) for wav2vec2");
ABSL_FLAG(bool, finetuned, false,
          "a fine-tuned CTC model with a letter dictionary");
ABSL_FLAG(std::string, dtype, "float32", "float32|float16");
ABSL_FLAG(bool, adam, false, "include Adam optimizer state");
ABSL_FLAG(std::string, output, "", "checkpoint path to write");
ABSL_FLAG(uint64_t, seed, 1, "seed of the deterministic weights");
ABSL_FLAG(std::vector<std::string>, languages, {},
          "MMS: with --finetuned, an attention adapter per language (corpus "
          "key) in every layer, comma-separated");
ABSL_FLAG(std::vector<std::string>, labels, {},
          "MMS language ID: a mean-pooling classifier over these labels, "
          "comma-separated (pickled in task_state as fairseq does)");

namespace {

int Main(int argc, char** argv) {
  using namespace fairport;
  std::vector<std::string> rest = ParseFlagsOrExit(
      argc, argv, "make_checkpoint --size=base --output=checkpoint.pt");
  if (!rest.empty())
    ExitBadUsage(absl::StrCat("unexpected argument '", rest[0], "'"));
  const std::string output = ResolveUserPath(absl::GetFlag(FLAGS_output));
  if (output.empty()) ExitBadUsage("--output is required");
  std::string family_name = absl::GetFlag(FLAGS_family);
  if (family_name.empty()) family_name = FamilyNames().front();
  const ModelFamily* family = FamilyByName(family_name);
  if (family == nullptr) {
    ExitBadUsage(absl::StrCat("--family must be one of ",
                              absl::StrJoin(FamilyNames(), ", ")));
  }
  SyntheticOptions options;
  options.size = absl::GetFlag(FLAGS_size);
  if (options.size != "tiny" && options.size != "base" &&
      options.size != "large" && options.size != "1b" && options.size != "2b") {
    ExitBadUsage("--size must be tiny, base, large, 1b or 2b");
  }
  options.ctc = absl::GetFlag(FLAGS_finetuned);
  options.adam_state = absl::GetFlag(FLAGS_adam);
  options.seed = absl::GetFlag(FLAGS_seed);
  options.languages = absl::GetFlag(FLAGS_languages);
  options.labels = absl::GetFlag(FLAGS_labels);
  const std::string dtype = absl::GetFlag(FLAGS_dtype);
  if (dtype == "float16") {
    options.dtype = DType::kF16;
  } else if (dtype != "float32") {
    ExitBadUsage("--dtype must be float32 or float16");
  }
  absl::Status status = family->WriteSyntheticCheckpoint(options, output);
  if (!status.ok()) return ReportError(status);
  if (options.ctc) {
    const std::string dict =
        output.substr(0, output.find_last_of('/') + 1) + "dict.ltr.txt";
    std::ofstream(dict) << family->SyntheticDictionary();
  }
  std::printf("wrote %s\n", output.c_str());
  return 0;
}

}  // namespace

int main(int argc, char** argv) { return fairport::RunTool(argc, argv, Main); }
