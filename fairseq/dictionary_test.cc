#include "fairseq/dictionary.h"

#include "fairseq/checkpoint.h"
#include "gtest/gtest.h"
#include "tests/fixtures.h"

namespace fairport {
namespace {

TEST(DictionaryTest, SpecialsComeFirstThenFileOrder) {
  auto dict = FairseqDictionary::Parse("| 10\nE 9\nA 8\n", "d");
  ASSERT_TRUE(dict.ok()) << dict.status();
  EXPECT_EQ(dict->symbols(),
            (std::vector<std::string>{"<s>", "<pad>", "</s>", "<unk>", "|", "E",
                                      "A"}));
}

TEST(DictionaryTest, SplitsAtTheLastSpace) {
  auto dict = FairseqDictionary::Parse("a b 3\n", "d");
  ASSERT_TRUE(dict.ok());
  EXPECT_EQ(dict->symbols()[4], "a b");
}

TEST(DictionaryTest, OverwriteFlagAllowsDuplicates) {
  auto dict = FairseqDictionary::Parse("x 1\nx 2 #fairseq:overwrite\n", "d");
  ASSERT_TRUE(dict.ok()) << dict.status();
  EXPECT_EQ(dict->size(), 5u);
}

TEST(DictionaryTest, EmptyFileHasOnlyTheSpecials) {
  auto dict = FairseqDictionary::Parse("", "d");
  ASSERT_TRUE(dict.ok());
  EXPECT_EQ(dict->size(), 4u);
}

TEST(DictionaryTest, RejectsLineWithoutCount) {
  auto dict = FairseqDictionary::Parse("A 1\nB\n", "dict.ltr.txt");
  ASSERT_FALSE(dict.ok());
  EXPECT_NE(dict.status().message().find("dict.ltr.txt: line 2"),
            std::string::npos)
      << dict.status();
}

TEST(DictionaryTest, RejectsNonIntegerCount) {
  EXPECT_FALSE(FairseqDictionary::Parse("A x\n", "d").ok());
}

TEST(DictionaryTest, RejectsSymbolThatIsNotUtf8NamingTheLine) {
  absl::StatusOr<FairseqDictionary> dict =
      FairseqDictionary::Parse("A 5\n\xff 3\n", "dict.ltr.txt");
  ASSERT_FALSE(dict.ok());
  EXPECT_EQ(dict.status().message(),
            "dict.ltr.txt: line 2: symbol is not valid UTF-8 (byte 1 of the "
            "line)");
}

TEST(DictionaryTest, FixtureDuplicateSymbolIsRejected) {
  auto dict = FairseqDictionary::Load(
      testing::FixturePath("bad/dict_duplicate_symbol/dict.ltr.txt"));
  ASSERT_FALSE(dict.ok());
  EXPECT_NE(dict.status().message().find("duplicate symbol 'D'"),
            std::string::npos)
      << dict.status();
}

TEST(DictionaryTest, FixtureDictionaryHas33Symbols) {
  auto dict =
      FairseqDictionary::Load(testing::FixturePath("finetuned/dict.ltr.txt"));
  ASSERT_TRUE(dict.ok()) << dict.status();
  EXPECT_EQ(dict->size(), 33u);
  EXPECT_EQ(dict->symbols()[4], "|");
}

// MMS's dict.lang.txt: the labels alone (add_special_symbols=False).
TEST(DictionaryTest, LabelDictionaryHasNoSpecials) {
  auto labels = FairseqDictionary::LoadLabels(
      testing::FixturePath("mms_lid/dict.lang.txt"));
  ASSERT_TRUE(labels.ok()) << labels.status();
  EXPECT_EQ(labels->symbols(),
            (std::vector<std::string>{"eng", "fra", "deu", "cmn", "hin"}));
}

// The Dictionary a fine-tuning task pickles in task_state, read from the
// inert pickle tree: the same symbols as the dictionary files beside it.
TEST(DictionaryTest, PickledTaskStateDictionaryIsItsSymbols) {
  struct Case {
    const char* checkpoint;
    std::vector<const char*> path;  // keys from the top level to task_state
    const char* file;
    bool labels;
  };
  const Case cases[] = {
      {"mms_lid", {"task_state"}, "mms_lid/dict.lang.txt", true},
      {"mms_adapter_ctc",
       {"task_state"},
       "mms_adapter_ctc/dict.ltr.txt",
       false},
      {"mms_adapter_merged",
       {"adapter", "fra", "task_state"},
       "mms_adapter_merged/dict.fra.ltr.txt",
       false},
  };
  for (const Case& c : cases) {
    auto checkpoint = FairseqCheckpoint::Load(
        testing::FixturePath(std::string(c.checkpoint) + "/checkpoint.pt"));
    ASSERT_TRUE(checkpoint.ok()) << checkpoint.status();
    const PickleValue* node = &checkpoint->archive().root();
    for (const char* key : c.path) {
      ASSERT_NE(node, nullptr) << key;
      node = node->Find(key);
    }
    auto pickled = FairseqDictionary::FromTaskState(node, "task_state");
    ASSERT_TRUE(pickled.ok()) << pickled.status();
    ASSERT_TRUE(pickled->has_value()) << c.checkpoint;
    const std::string file = testing::FixturePath(c.file);
    auto expected = c.labels ? FairseqDictionary::LoadLabels(file)
                             : FairseqDictionary::Load(file);
    ASSERT_TRUE(expected.ok()) << expected.status();
    EXPECT_EQ((*pickled)->symbols(), expected->symbols()) << c.checkpoint;
  }
}

TEST(DictionaryTest, NoTaskStateHoldsNoDictionary) {
  auto pickled = FairseqDictionary::FromTaskState(nullptr, "task_state");
  ASSERT_TRUE(pickled.ok());
  EXPECT_FALSE(pickled->has_value());
}

}  // namespace
}  // namespace fairport
