#include "base/utf8.h"

#include <string>

#include "gtest/gtest.h"

namespace fairport {
namespace {

TEST(Utf8Test, AcceptsAsciiAndEveryEncodedLength) {
  // "a", U+00E9, U+20AC, U+1F600: one to four bytes.
  EXPECT_EQ(FirstInvalidUtf8Byte("a\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80"),
            std::nullopt);
  EXPECT_EQ(FirstInvalidUtf8Byte(""), std::nullopt);
  // U+10FFFF, the highest code point.
  EXPECT_EQ(FirstInvalidUtf8Byte("\xF4\x8F\xBF\xBF"), std::nullopt);
}

TEST(Utf8Test, NamesTheOffsetOfTheFirstBadByte) {
  EXPECT_EQ(FirstInvalidUtf8Byte("ab\xFF"), 2u);
  EXPECT_EQ(FirstInvalidUtf8Byte(std::string("x\x80y")), 1u);
}

TEST(Utf8Test, RejectsOverlongSurrogateTruncatedAndTooHighForms) {
  EXPECT_EQ(FirstInvalidUtf8Byte("\xC0\xAF"), 0u);          // overlong '/'
  EXPECT_EQ(FirstInvalidUtf8Byte("\xE0\x80\xAF"), 0u);      // overlong
  EXPECT_EQ(FirstInvalidUtf8Byte("\xED\xA0\x80"), 0u);      // U+D800
  EXPECT_EQ(FirstInvalidUtf8Byte("a\xE2\x82"), 1u);         // cut short
  EXPECT_EQ(FirstInvalidUtf8Byte("\xF4\x90\x80\x80"), 0u);  // U+110000
  EXPECT_EQ(FirstInvalidUtf8Byte("\xC3\x28"), 0u);          // bad follower
}

}  // namespace
}  // namespace fairport
