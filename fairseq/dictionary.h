// A fairseq Dictionary file (dict.ltr.txt): "<symbol> <count>" per line,
// split at the last space, with an optional " #fairseq:overwrite" flag.
// Indices as fairseq assigns them: <s>=0, <pad>=1, </s>=2, <unk>=3, then
// the file's symbols in order.
#ifndef FAIRPORT_FAIRSEQ_DICTIONARY_H_
#define FAIRPORT_FAIRSEQ_DICTIONARY_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "formats/pickle.h"

namespace fairport {

class FairseqDictionary {
 public:
  static absl::StatusOr<FairseqDictionary> Load(const std::string& path);
  // `name` is used in error messages.
  static absl::StatusOr<FairseqDictionary> Parse(absl::string_view text,
                                                 const std::string& name);
  // A label dictionary (MMS language ID's dict.lang.txt): the file's
  // symbols alone, as fairseq's audio_classification task loads it
  // (add_special_symbols=False, fairseq/tasks/audio_classification.py:62).
  static absl::StatusOr<FairseqDictionary> LoadLabels(const std::string& path);
  // The dictionary a fine-tuning task pickles in the checkpoint's
  // task_state (`{"target_dictionary": Dictionary}`, trainer.py:424): the
  // `symbols` of the inert Dictionary object's state, specials included as
  // stored. nullopt when `task_state` holds none. `where` names the
  // task_state in errors ("checkpoint.pt: task_state").
  static absl::StatusOr<std::optional<FairseqDictionary>> FromTaskState(
      const PickleValue* task_state, const std::string& where);

  // Symbols by index.
  const std::vector<std::string>& symbols() const { return symbols_; }
  size_t size() const { return symbols_.size(); }

 private:
  static absl::StatusOr<FairseqDictionary> ParseLines(
      absl::string_view text, const std::string& name,
      std::vector<std::string> specials);

  std::vector<std::string> symbols_;
};

}  // namespace fairport

#endif  // FAIRPORT_FAIRSEQ_DICTIONARY_H_
