// Proves the offline toolchain wiring: LibTorch, Abseil and generated
// Protobuf code link into one test and work.
#include <string>

#include "absl/strings/str_cat.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"
#include "proto/parity_report.pb.h"
#include "torch/types.h"

namespace fairport {
namespace {

TEST(ToolchainTest, LibTorchMatmulMatchesHandComputedProduct) {
  torch::Tensor a = torch::tensor({{1.0f, 2.0f}, {3.0f, 4.0f}});
  torch::Tensor b = torch::tensor({{5.0f, 6.0f}, {7.0f, 8.0f}});
  torch::Tensor c = torch::matmul(a, b);
  // [[1*5+2*7, 1*6+2*8], [3*5+4*7, 3*6+4*8]]
  EXPECT_FLOAT_EQ(c[0][0].item<float>(), 19.0f);
  EXPECT_FLOAT_EQ(c[0][1].item<float>(), 22.0f);
  EXPECT_FLOAT_EQ(c[1][0].item<float>(), 43.0f);
  EXPECT_FLOAT_EQ(c[1][1].item<float>(), 50.0f);
}

TEST(ToolchainTest, ProtobufMessageRoundTripsThroughJson) {
  ParityReport report;
  report.set_model_kind(absl::StrCat("data2vec", "-audio"));
  report.set_atol(1e-4);
  report.set_passed(true);
  std::string json;
  ASSERT_TRUE(google::protobuf::util::MessageToJsonString(report, &json).ok());
  ParityReport parsed;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(json, &parsed).ok());
  EXPECT_EQ(parsed.model_kind(), "data2vec-audio");
  EXPECT_DOUBLE_EQ(parsed.atol(), 1e-4);
  EXPECT_TRUE(parsed.passed());
}

}  // namespace
}  // namespace fairport
