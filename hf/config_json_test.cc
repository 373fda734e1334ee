#include "hf/config_json.h"

#include <string>

#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace fairport {
namespace {

TEST(ConfigJsonTest, Id2LabelKeysGoInNumericOrderAsTransformersWritesThem) {
  nlohmann::json config = {{"num_labels", 11}, {"architectures", {"X"}}};
  const char* labels[] = {"a", "b", "c", "d", "e", "f",
                          "g", "h", "i", "j", "k"};
  for (int i = 0; i < 11; ++i) {
    config["id2label"][std::to_string(i)] = labels[i];
    config["label2id"][labels[i]] = i;
  }
  // What python3 -c 'import json; print(json.dumps({"num_labels": 11,
  // "architectures": ["X"], "id2label": {i: l for i, l in
  // enumerate("abcdefghijk")}, "label2id": {l: i for i, l in
  // enumerate("abcdefghijk")}}, indent=2, sort_keys=True))' prints.
  std::string expected = "{\n  \"architectures\": [\n    \"X\"\n  ],\n";
  expected += "  \"id2label\": {\n";
  for (int i = 0; i < 11; ++i) {
    expected += "    \"" + std::to_string(i) + "\": \"" + labels[i] + "\"";
    expected += i < 10 ? ",\n" : "\n";
  }
  expected += "  },\n  \"label2id\": {\n";
  for (int i = 0; i < 11; ++i) {
    expected += "    \"" + std::string(labels[i]) + "\": " + std::to_string(i);
    expected += i < 10 ? ",\n" : "\n";
  }
  expected += "  },\n  \"num_labels\": 11\n}\n";
  EXPECT_EQ(ConfigJsonText(config), expected);
}

TEST(ConfigJsonTest, WithoutId2LabelItIsTheSortedDump) {
  nlohmann::json config = {
      {"b", 0.1}, {"a", nullptr}, {"c", {{"z", 1}, {"y", 2}}}};
  EXPECT_EQ(ConfigJsonText(config),
            "{\n  \"a\": null,\n  \"b\": 0.1,\n  \"c\": {\n    \"y\": 2,\n"
            "    \"z\": 1\n  }\n}\n");
}

TEST(ConfigJsonTest, NonIntegerLabelKeysFollowTheIntegers) {
  nlohmann::json config;
  config["id2label"] = {{"10", "k"}, {"x", "?"}, {"2", "c"}, {"02", "z"}};
  EXPECT_EQ(ConfigJsonText(config),
            "{\n  \"id2label\": {\n    \"2\": \"c\",\n    \"10\": \"k\",\n"
            "    \"02\": \"z\",\n    \"x\": \"?\"\n  }\n}\n");
}

}  // namespace
}  // namespace fairport
