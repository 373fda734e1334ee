// converter: a fairseq checkpoint of any family Fairport knows to a Hugging
// Face model directory. Accepts the flags of transformers' conversion
// scripts (convert_data2vec_audio_original_pytorch_checkpoint_to_pytorch.py
// and its siblings).
#include <unistd.h>

#include <cstdio>
#include <string>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "base/cli.h"
#include "base/user_path.h"
#include "converter/conversion.h"

ABSL_FLAG(std::string, checkpoint_path, "", "fairseq checkpoint.pt to convert");
ABSL_FLAG(std::string, pytorch_dump_folder_path, "",
          "output directory (created atomically)");
ABSL_FLAG(std::string, dict_path, "",
          "fairseq dict.ltr.txt, or its directory (CTC models); the label "
          "dictionary dict.lang.txt (sequence classification)");
ABSL_FLAG(std::string, target_lang, "",
          "for a model with per-language adapters (MMS): the language whose "
          "adapters and head model.safetensors holds (default: the first)");
ABSL_FLAG(std::string, config_path, "",
          "HF config.json whose fields override the inferred ones");
ABSL_FLAG(bool, not_finetuned, false,
          "accepted for compatibility; the kind is detected, and this asserts "
          "a pretrained checkpoint");
ABSL_FLAG(bool, overwrite, false,
          "replace an existing non-empty output directory");
ABSL_FLAG(std::string, dtype, "keep", "keep|float32|float16|bfloat16");
ABSL_FLAG(std::string, format, "safetensors", "safetensors|bin|both");
ABSL_FLAG(bool, strict, true,
          "fail on fairseq tensors that have no place in the HF model");

namespace {

int Main(int argc, char** argv) {
  using namespace fairport;
  std::vector<std::string> rest = ParseFlagsOrExit(
      argc, argv,
      "converter --checkpoint_path=checkpoint.pt "
      "--pytorch_dump_folder_path=OUT [--dict_path=dict.ltr.txt]");
  if (!rest.empty())
    ExitBadUsage(absl::StrCat("unexpected argument '", rest[0], "'"));
  ConversionOptions options;
  options.checkpoint_path =
      ResolveUserPath(absl::GetFlag(FLAGS_checkpoint_path));
  options.output_dir =
      ResolveUserPath(absl::GetFlag(FLAGS_pytorch_dump_folder_path));
  if (options.checkpoint_path.empty())
    ExitBadUsage("--checkpoint_path is required");
  if (options.output_dir.empty())
    ExitBadUsage("--pytorch_dump_folder_path is required");
  options.dict_path = ResolveUserPath(absl::GetFlag(FLAGS_dict_path));
  options.config_path = ResolveUserPath(absl::GetFlag(FLAGS_config_path));
  options.target_lang = absl::GetFlag(FLAGS_target_lang);
  options.not_finetuned = absl::GetFlag(FLAGS_not_finetuned);
  options.overwrite = absl::GetFlag(FLAGS_overwrite);
  options.strict = absl::GetFlag(FLAGS_strict);
  const std::string dtype = absl::GetFlag(FLAGS_dtype);
  if (dtype == "float32") {
    options.dtype = DType::kF32;
  } else if (dtype == "float16") {
    options.dtype = DType::kF16;
  } else if (dtype == "bfloat16") {
    options.dtype = DType::kBF16;
  } else if (dtype != "keep") {
    ExitBadUsage(absl::StrCat(
        "--dtype must be keep, float32, float16 or bfloat16, not '", dtype,
        "'"));
  }
  const std::string format = absl::GetFlag(FLAGS_format);
  if (format != "safetensors" && format != "bin" && format != "both") {
    ExitBadUsage(absl::StrCat(
        "--format must be safetensors, bin or both, not '", format, "'"));
  }
  options.write_safetensors = format != "bin";
  options.write_bin = format != "safetensors";
  options.progress = ::isatty(STDERR_FILENO);

  absl::StatusOr<ConversionSummary> summary = Convert(options);
  if (!summary.ok()) return ReportError(summary.status());
  std::fputs(summary->ToText().c_str(), stdout);
  return 0;
}

}  // namespace

int main(int argc, char** argv) { return fairport::RunTool(argc, argv, Main); }
