#include "families/wav2vec2_conformer/synthetic_checkpoint.h"

#include "absl/strings/str_cat.h"
#include "families/common/synthetic.h"

namespace fairport::wav2vec2_conformer {

std::string SyntheticDictionary() { return LetterDictionary(); }

absl::Status WriteSyntheticCheckpoint(const SyntheticOptions& options,
                                      const std::string& path) {
  return absl::UnimplementedError(
      absl::StrCat("no synthetic wav2vec2_conformer checkpoint of size '",
                   options.size, "': not written yet (", path, ")"));
}

}  // namespace fairport::wav2vec2_conformer
