#include "families/wav2vec2_encoder/attn_adapters.h"

#include <cstdint>
#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace fairport::wav2vec2_encoder {
namespace {

std::vector<int64_t> Layers(const std::string& trf_idx, int64_t layers) {
  absl::StatusOr<std::vector<int64_t>> got =
      AdapterLayers(trf_idx, layers, "cfg.model.adp_trf_idx");
  EXPECT_TRUE(got.ok()) << got.status();
  return got.ok() ? *got : std::vector<int64_t>{99};
}

// As python's list(range(*map(int, s.split(":")))), asked of each layer
// (mms.md section 4).
TEST(AdapterLayersTest, FollowsPythonsRange) {
  EXPECT_EQ(Layers("all", 3), (std::vector<int64_t>{0, 1, 2}));
  EXPECT_EQ(Layers("1:3", 3), (std::vector<int64_t>{1, 2}));
  EXPECT_EQ(Layers("0:3:2", 4), (std::vector<int64_t>{0, 2}));
  EXPECT_EQ(Layers("2", 4), (std::vector<int64_t>{0, 1}));  // range(2)
  EXPECT_EQ(Layers("5:0:-2", 6), (std::vector<int64_t>{1, 3, 5}));
  EXPECT_EQ(Layers(" 1 : 3", 4), (std::vector<int64_t>{1, 2}));  // int(" 1 ")
  EXPECT_EQ(Layers("2:10", 4), (std::vector<int64_t>{2, 3}));
  EXPECT_EQ(Layers("-1", 4), (std::vector<int64_t>{}));
}

TEST(AdapterLayersTest, WhatRangeRejectsIsAnErrorNamingTheField) {
  for (const char* bad : {"1:2:0", "a", "1:2:3:4", "", "1:"}) {
    absl::StatusOr<std::vector<int64_t>> got =
        AdapterLayers(bad, 4, "cfg.model.adp_trf_idx");
    ASSERT_FALSE(got.ok()) << bad;
    EXPECT_NE(got.status().message().find("cfg.model.adp_trf_idx is '"),
              std::string::npos)
        << got.status();
  }
}

}  // namespace
}  // namespace fairport::wav2vec2_encoder
