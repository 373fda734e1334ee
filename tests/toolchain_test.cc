// Proves the offline toolchain wiring: LibTorch, Abseil and generated
// Protobuf code link into one test and work.
#include <string>

#include "ATen/core/Tensor.h"
#include "ATen/ops/matmul.h"
#include "ATen/ops/tensor.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"
#include "proto/parity_report.pb.h"

namespace fairport {
namespace {

TEST(ToolchainTest, LibTorchMatmulMatchesHandComputedProduct) {
  at::Tensor a = at::tensor({1.0f, 2.0f, 3.0f, 4.0f}).view({2, 2});
  at::Tensor b = at::tensor({5.0f, 6.0f, 7.0f, 8.0f}).view({2, 2});
  at::Tensor c = at::matmul(a, b);
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
