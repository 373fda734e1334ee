// verify/README.md's tables of what the HF pass reads of config.json are
// the families' lists of fields (each family's hf_classes.cc), row for row:
// every class a family's HF pass builds has its table, every table in the
// README is one of those classes. On a difference the test prints the
// table the code implies.
#include <set>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/types/span.h"
#include "base/json.h"
#include "families/common/passes/hf_class_config.h"
#include "families/data2vec_audio/hf_classes.h"
#include "families/hubert/hf_classes.h"
#include "families/wav2vec2/hf_classes.h"
#include "families/wav2vec2_conformer/hf_classes.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/fixtures.h"

namespace fairport {
namespace {

using ::fairport::testing::Slurp;
using ::fairport::testing::ToolPath;

std::vector<HfClassFields> AllClasses() {
  std::vector<HfClassFields> out;
  for (absl::Span<const HfClassFields> family :
       {wav2vec2::Wav2Vec2Classes(), hubert::HubertClasses(),
        data2vec_audio::HfClasses(), wav2vec2_conformer::HfClasses()}) {
    out.insert(out.end(), family.begin(), family.end());
  }
  return out;
}

std::string TypeName(HfFieldType type) {
  switch (type) {
    case HfFieldType::kAny:
      return "any";
    case HfFieldType::kInt:
      return "int";
    case HfFieldType::kNumber:
      return "number";
    case HfFieldType::kProbability:
      return "number in [0, 1]";
    case HfFieldType::kBool:
      return "bool";
    case HfFieldType::kString:
      return "string";
    case HfFieldType::kIntList:
      return "list of int";
    case HfFieldType::kObject:
      return "object";
  }
  return "?";
}

std::string UseText(const HfConfigField& f) {
  switch (f.use) {
    case HfFieldUse::kImplemented:
      return "implemented";
    case HfFieldUse::kNoEffectInEval:
      return "has no effect in eval";
    case HfFieldUse::kRefusedUnless: {
      std::string when = *f.only_when == '\0'
                             ? std::string()
                             : absl::StrCat(" (when ", f.only_when, ")");
      return absl::StrCat("refused unless ", f.implemented, when, ": would ",
                          f.otherwise);
    }
  }
  return "?";
}

// The README's table for `cls`, heading included.
std::string Table(const HfClassFields& cls) {
  std::string out = absl::StrCat(
      "#### ", cls.hf_class, " (", cls.fields.size(), " fields)\n\n",
      "| field | default | type | transformers file | HF pass |\n"
      "|---|---|---|---|---|\n");
  for (const HfConfigField& f : cls.fields) {
    absl::StrAppend(&out, "| `", f.name, "` | `", f.default_json, "` | ",
                    TypeName(f.type), " | ", f.source, " | ", UseText(f),
                    " |\n");
  }
  return out;
}

std::string Readme() { return Slurp(ToolPath("verify/README.md")); }

// The tables hold JSON as text, parsed when a config is read (an entry that
// is not JSON would read as a discarded value, not fail).
TEST(ReadmeTablesTest, EveryFieldsJsonTextParses) {
  for (const HfClassFields& cls : AllClasses()) {
    for (const HfConfigField& f : cls.fields) {
      SCOPED_TRACE(absl::StrCat(cls.hf_class, ".", f.name));
      EXPECT_FALSE(ParseJson(f.default_json).is_discarded()) << f.default_json;
      if (*f.implemented != '\0') {
        EXPECT_TRUE(ParseJson(f.implemented).is_array()) << f.implemented;
      }
      if (*f.only_when != '\0') {
        std::vector<std::string> parts =
            absl::StrSplit(f.only_when, absl::MaxSplits('=', 1));
        ASSERT_EQ(parts.size(), 2u) << f.only_when;
        EXPECT_FALSE(ParseJson(parts[1]).is_discarded()) << f.only_when;
      }
    }
  }
}

TEST(ReadmeTablesTest, EveryClassHasItsTableRowForRow) {
  const std::string readme = Readme();
  ASSERT_FALSE(readme.empty());
  for (const HfClassFields& cls : AllClasses()) {
    const std::string table = Table(cls);
    // The whole table: no further row after it.
    const size_t at = readme.find(table);
    const size_t end = at + table.size();
    EXPECT_TRUE(at != std::string::npos &&
                (end == readme.size() || readme[end] == '\n'))
        << "verify/README.md lacks, or differs from, the table of "
        << cls.hf_class << " the code reads:\n\n"
        << table;
  }
}

TEST(ReadmeTablesTest, EveryTableIsAClassAHfPassBuilds) {
  std::set<std::string> classes;
  for (const HfClassFields& cls : AllClasses()) classes.insert(cls.hf_class);
  int tables = 0;
  for (absl::string_view line : absl::StrSplit(Readme(), '\n')) {
    if (!absl::ConsumePrefix(&line, "#### ") ||
        !absl::EndsWith(line, " fields)")) {
      continue;
    }
    ++tables;
    const std::string name(line.substr(0, line.find(' ')));
    EXPECT_TRUE(classes.count(name)) << "verify/README.md has a table of "
                                     << name << ", which no HF pass builds";
  }
  EXPECT_EQ(tables, static_cast<int>(classes.size()));
}

}  // namespace
}  // namespace fairport
