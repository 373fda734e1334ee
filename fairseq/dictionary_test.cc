#include "fairseq/dictionary.h"

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

}  // namespace
}  // namespace fairport
