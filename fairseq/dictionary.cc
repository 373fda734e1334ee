#include "fairseq/dictionary.h"

#include <optional>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "base/files.h"
#include "base/status_macros.h"
#include "base/utf8.h"

namespace fairport {

absl::StatusOr<FairseqDictionary> FairseqDictionary::Load(
    const std::string& path) {
  ASSIGN_OR_RETURN(std::string text, ReadFile(path));
  return Parse(text, path);
}

absl::StatusOr<FairseqDictionary> FairseqDictionary::Parse(
    absl::string_view text, const std::string& name) {
  return ParseLines(text, name, {"<s>", "<pad>", "</s>", "<unk>"});
}

absl::StatusOr<FairseqDictionary> FairseqDictionary::LoadLabels(
    const std::string& path) {
  ASSIGN_OR_RETURN(std::string text, ReadFile(path));
  return ParseLines(text, path, {});
}

absl::StatusOr<std::optional<FairseqDictionary>>
FairseqDictionary::FromTaskState(const PickleValue* task_state,
                                 const std::string& where) {
  using Kind = PickleValue::Kind;
  if (task_state == nullptr || !task_state->is(Kind::kDict))
    return std::nullopt;
  const PickleValue* dictionary = task_state->Find("target_dictionary");
  if (dictionary == nullptr || dictionary->is(Kind::kNone)) return std::nullopt;
  const std::string field = absl::StrCat(where, "['target_dictionary']");
  const PickleValue* symbols = dictionary->Find("symbols");
  if (symbols == nullptr || !symbols->is(Kind::kList)) {
    return absl::InvalidArgumentError(absl::StrCat(
        field, " is a ", dictionary->TypeName(),
        " without a 'symbols' list, not a pickled fairseq Dictionary"));
  }
  FairseqDictionary dict;
  for (const PickleValue* symbol : symbols->items()) {
    if (!symbol->is(Kind::kString)) {
      return absl::InvalidArgumentError(
          absl::StrCat(field, ".symbols holds a ", symbol->TypeName(),
                       " where symbols are strings"));
    }
    dict.symbols_.push_back(symbol->text());
  }
  return dict;
}

absl::StatusOr<FairseqDictionary> FairseqDictionary::ParseLines(
    absl::string_view text, const std::string& name,
    std::vector<std::string> specials) {
  FairseqDictionary dict;
  dict.symbols_ = std::move(specials);
  absl::flat_hash_map<std::string, size_t> index;
  for (size_t i = 0; i < dict.symbols_.size(); ++i) index[dict.symbols_[i]] = i;
  if (absl::EndsWith(text, "\n")) text.remove_suffix(1);
  if (text.empty()) return dict;
  int line_number = 0;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    ++line_number;
    line = absl::StripTrailingAsciiWhitespace(line);  // fairseq: line.rstrip()
    auto error = [&](absl::string_view problem) {
      return absl::InvalidArgumentError(
          absl::StrCat(name, ": line ", line_number, ": ", problem));
    };
    // fairseq's Dictionary.add_from_file: rsplit(" ", 1), then the flag.
    size_t space = line.rfind(' ');
    if (space == absl::string_view::npos) {
      return error(
          "expected '<symbol> <count>' (fairseq: Incorrect dictionary format)");
    }
    absl::string_view field = line.substr(space + 1);
    absl::string_view rest = line.substr(0, space);
    bool overwrite = false;
    if (field == "#fairseq:overwrite") {
      overwrite = true;
      space = rest.rfind(' ');
      if (space == absl::string_view::npos) {
        return error("expected '<symbol> <count> #fairseq:overwrite'");
      }
      field = rest.substr(space + 1);
      rest = rest.substr(0, space);
    }
    int64_t count;
    if (!absl::SimpleAtoi(field, &count)) {
      return error(absl::StrCat("count '", field, "' is not an integer"));
    }
    if (std::optional<size_t> bad = FirstInvalidUtf8Byte(rest)) {
      return error(absl::StrCat("symbol is not valid UTF-8 (byte ", *bad + 1,
                                " of the line)"));
    }
    std::string symbol(rest);
    if (index.contains(symbol)) {
      if (!overwrite) {
        return error(absl::StrCat(
            "duplicate symbol '", symbol,
            "' without #fairseq:overwrite (fairseq: Duplicate word found)"));
      }
      continue;
    }
    index[symbol] = dict.symbols_.size();
    dict.symbols_.push_back(symbol);
  }
  return dict;
}

}  // namespace fairport
