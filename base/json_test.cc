#include "base/json.h"

#include <string>

#include "absl/strings/string_view.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace fairport {
namespace {

TEST(JsonTest, ParsesOneValue) {
  const nlohmann::json j = ParseJson(R"({"b": [1, 2.5, "x"], "a": null})");
  ASSERT_TRUE(j.is_object());
  EXPECT_EQ(j["b"][0].get<int>(), 1);
  EXPECT_EQ(j["b"][1].get<double>(), 2.5);
  EXPECT_EQ(j["b"][2].get<std::string>(), "x");
  EXPECT_TRUE(j["a"].is_null());
}

TEST(JsonTest, ParsesOnlyTheViewsBytes) {
  const std::string text = "[1][2]";
  const nlohmann::json j = ParseJson(absl::string_view(text).substr(0, 3));
  ASSERT_TRUE(j.is_array());
  EXPECT_EQ(j.size(), 1u);
  EXPECT_EQ(j[0].get<int>(), 1);
}

TEST(JsonTest, NotJsonIsDiscardedNotThrown) {
  for (const char* text :
       {"", "{", "[1,]", "[1] 2", "{\"a\" 1}", "\"\xff\"", "nul", "01"}) {
    EXPECT_TRUE(ParseJson(text).is_discarded()) << text;
    EXPECT_TRUE(ParseOrderedJson(text).is_discarded()) << text;
  }
}

TEST(JsonTest, DumpsCompactOrIndented) {
  const nlohmann::json j = ParseJson(R"({"b": [1, true], "a": "\u00e9"})");
  // nlohmann::json sorts object keys; non-ASCII stays UTF-8.
  EXPECT_EQ(DumpJson(j), "{\"a\":\"\xc3\xa9\",\"b\":[1,true]}");
  EXPECT_EQ(DumpJson(j, 2),
            "{\n  \"a\": \"\xc3\xa9\",\n  \"b\": [\n    1,\n    true\n  ]\n}");
}

TEST(JsonTest, OrderedJsonKeepsTheTextsOrder) {
  const nlohmann::ordered_json j = ParseOrderedJson(R"({"b": 1, "a": 2})");
  EXPECT_EQ(DumpJson(j), R"({"b":1,"a":2})");
  EXPECT_EQ(DumpJson(j, 1), "{\n \"b\": 1,\n \"a\": 2\n}");
}

TEST(JsonTest, DumpingInvalidUtf8Throws) {
  EXPECT_THROW(DumpJson(nlohmann::json("\xff")), nlohmann::json::type_error);
}

TEST(JsonTest, RoundTrip) {
  const std::string text = R"({"x":[-1,0.125,"tab\there",{"y":null}]})";
  EXPECT_EQ(DumpJson(ParseJson(text)), text);
}

}  // namespace
}  // namespace fairport
