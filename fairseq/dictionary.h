// A fairseq Dictionary file (dict.ltr.txt): "<symbol> <count>" per line,
// split at the last space, with an optional " #fairseq:overwrite" flag.
// Indices as fairseq assigns them: <s>=0, <pad>=1, </s>=2, <unk>=3, then
// the file's symbols in order.
#ifndef FAIRPORT_FAIRSEQ_DICTIONARY_H_
#define FAIRPORT_FAIRSEQ_DICTIONARY_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace fairport {

class FairseqDictionary {
 public:
  static absl::StatusOr<FairseqDictionary> Load(const std::string& path);
  // `name` is used in error messages.
  static absl::StatusOr<FairseqDictionary> Parse(absl::string_view text,
                                                 const std::string& name);

  // Symbols by index.
  const std::vector<std::string>& symbols() const { return symbols_; }
  size_t size() const { return symbols_.size(); }

 private:
  std::vector<std::string> symbols_;
};

}  // namespace fairport

#endif  // FAIRPORT_FAIRSEQ_DICTIONARY_H_
