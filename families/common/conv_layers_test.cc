#include "families/common/conv_layers.h"

#include <limits>
#include <vector>

#include "gtest/gtest.h"

namespace fairport::data2vec_audio {
namespace {

TEST(ConvLayersTest, ExpandsRepetitionAndConcatenation) {
  auto layers = ParseConvFeatureLayers(
      "[(512, 10, 5)] + [(512, 3, 2)] * 4 + [(512,2,2)] * 2");
  ASSERT_TRUE(layers.ok()) << layers.status();
  ASSERT_EQ(layers->size(), 7u);
  EXPECT_EQ((*layers)[0].kernel, 10);
  EXPECT_EQ((*layers)[4].stride, 2);
  EXPECT_EQ((*layers)[6].kernel, 2);
}

TEST(ConvLayersTest, AcceptsMultiTupleListsAndLeftRepetition) {
  auto layers = ParseConvFeatureLayers("2 * [(24, 10, 5), (32, 4, 2),]");
  ASSERT_TRUE(layers.ok()) << layers.status();
  ASSERT_EQ(layers->size(), 4u);
  EXPECT_EQ((*layers)[3].dim, 32);
}

TEST(ConvLayersTest, RejectsUnclosedList) {
  auto layers =
      ParseConvFeatureLayers("[(24, 10, 5)] + [(32, 4, 2)] * 2 + [(36, 3, 2)");
  ASSERT_FALSE(layers.ok());
  EXPECT_NE(layers.status().message().find("expected"), std::string::npos);
}

TEST(ConvLayersTest, RejectsTwoTuplesAndCalls) {
  EXPECT_FALSE(ParseConvFeatureLayers("[(512, 10)]").ok());
  EXPECT_FALSE(ParseConvFeatureLayers("__import__('os')").ok());
  EXPECT_FALSE(ParseConvFeatureLayers("[(512, 10, 5)] * 100000").ok());
}

TEST(ConvLayersTest, InputSamplesSaturateWhereTheyWouldOverflow) {
  // Three layers of kernel and stride 2**31 (the parser's largest) need
  // 2**93 samples for one frame.
  const std::vector<int64_t> huge(3, int64_t{1} << 31);
  EXPECT_EQ(ConvReceptiveField(huge, huge),
            std::numeric_limits<int64_t>::max());
  // kernels (10, 3), strides (5, 2): 4 frames need (4 - 1) * 2 + 3 = 9
  // frames of layer 0, which need (9 - 1) * 5 + 10 = 50 samples.
  EXPECT_EQ(ConvInputSamples({10, 3}, {5, 2}, 4), 50);
}

TEST(ConvLayersTest, TooFewSamplesMakeNoFrame) {
  EXPECT_EQ(ConvOutputFrames({10, 3}, {5, 2}, 19), 0);
  EXPECT_EQ(ConvOutputFrames({10, 3}, {5, 2}, 20), 1);
}

}  // namespace
}  // namespace fairport::data2vec_audio
