// libFuzzer target for the fairseq dictionary reader and the tokenizer
// files written from it: any bytes as dict.ltr.txt give a dictionary whose
// files are valid JSON, or an error; never a crash or an escaping exception.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "base/json.h"
#include "fairseq/dictionary.h"
#include "hf/ctc_tokenizer.h"
#include "nlohmann/json.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  absl::string_view text(reinterpret_cast<const char*>(data), size);
  absl::StatusOr<fairport::FairseqDictionary> dict =
      fairport::FairseqDictionary::Parse(text, "dict.ltr.txt");
  if (!dict.ok()) return 0;
  // An exception escaping here fails the run, as it would abort the tool.
  for (const auto& [name, contents] :
       fairport::CtcTokenizerFiles(dict->symbols())) {
    if (fairport::ParseJson(contents).is_discarded()) std::abort();
  }
  return 0;
}
