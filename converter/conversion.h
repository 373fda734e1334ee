// fairseq checkpoint -> Hugging Face model directory, through the family
// that claims the checkpoint (families/registry.h).
// Reads the checkpoint only; writes the directory atomically.
#ifndef FAIRPORT_CONVERTER_CONVERSION_H_
#define FAIRPORT_CONVERTER_CONVERSION_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "formats/dtype.h"

namespace fairport {

struct ConversionOptions {
  std::string checkpoint_path;
  std::string output_dir;
  // CTC: file, or a directory holding dict.ltr.txt. Sequence
  // classification: the label dictionary (dict.lang.txt, or its directory).
  std::string dict_path;
  std::string config_path;  // HF config.json whose fields override inference
  // For a model with per-language adapters: the language model.safetensors
  // holds ("": the checkpoint's first).
  std::string target_lang;
  bool not_finetuned = false;
  bool overwrite = false;
  std::optional<DType> dtype;  // nullopt: keep each tensor's stored dtype
  bool write_safetensors = true;
  bool write_bin = false;
  bool strict = true;
  bool progress = false;  // a progress line on stderr
};

struct ConversionSummary {
  std::string model_kind;
  std::string output_dir;
  int64_t parameters = 0;
  int64_t tensors_written = 0;
  std::map<std::string, std::vector<std::string>> skipped;
  std::vector<std::string> unmapped;
  std::vector<std::string> defaulted;
  std::vector<std::string> notes;
  std::map<std::string, uint64_t> files;  // name -> bytes

  std::string ToText() const;
};

// Errors are one line naming the file and the problem. On error nothing is
// left at `output_dir` that was not there before.
absl::StatusOr<ConversionSummary> Convert(const ConversionOptions& options);

}  // namespace fairport

#endif  // FAIRPORT_CONVERTER_CONVERSION_H_
