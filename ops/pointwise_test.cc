#include "ops/pointwise.h"

#include <cmath>

#include "ATen/Context.h"
#include "ATen/TensorOperators.h"
#include "ATen/ops/gelu.h"
#include "ATen/ops/layer_norm.h"
#include "ATen/ops/linspace.h"
#include "ATen/ops/randn.h"
#include "c10/util/Exception.h"
#include "gtest/gtest.h"

namespace fairport::ops {
namespace {

double MaxAbsDiff(const at::Tensor& a, const at::Tensor& b) {
  return (a.to(at::kDouble) - b.to(at::kDouble)).abs().max().item<double>();
}

// x Phi(x) computed in double with std::erf, over [-8, 8] (past the
// approximation's clamp) on a fine grid.
TEST(GeluInPlaceTest, WithinAFewUlpOfTheExactFormula) {
  at::Tensor x = at::linspace(-8, 8, 100001);
  at::Tensor y = x.clone();
  GeluInPlace(y);
  const at::Tensor xd = x.to(at::kDouble);
  const at::Tensor exact = 0.5 * xd * (1 + (xd / std::sqrt(2.0)).erf());
  EXPECT_LT(MaxAbsDiff(y, exact), 1e-6);
  EXPECT_EQ(y[0].item<float>(), -0.0f);  // GELU(-8) is 0 in float
  EXPECT_EQ(y[-1].item<float>(), 8.0f);
}

TEST(GeluInPlaceTest, MatchesLibTorchsGelu) {
  at::manual_seed(1);
  at::Tensor x = at::randn({1000, 77}) * 3;  // odd length: tail elements
  at::Tensor y = x.clone();
  GeluInPlace(y);
  EXPECT_LT(MaxAbsDiff(y, at::gelu(x)), 1e-6);
}

TEST(LayerNormGeluInPlaceTest, MatchesLibTorchsLayerNormThenGelu) {
  at::manual_seed(2);
  for (int64_t c : {512, 768, 37}) {
    at::Tensor x = at::randn({300, c}) * 4 + 1;
    at::Tensor w = at::randn({c}), b = at::randn({c});
    at::Tensor y = x.clone();
    LayerNormGeluInPlace(y, w, b, 1e-5);
    EXPECT_LT(MaxAbsDiff(y, at::gelu(at::layer_norm(x, {c}, w, b, 1e-5))), 2e-6)
        << c;
    at::Tensor plain = x.clone();  // no affine parameters
    LayerNormGeluInPlace(plain, at::Tensor(), at::Tensor(), 1e-5);
    EXPECT_LT(MaxAbsDiff(plain, at::gelu(at::layer_norm(x, {c}))), 2e-6) << c;
  }
}

TEST(LayerNormGeluInPlaceTest, RefusesWhatItCannotComputeInPlace) {
  at::Tensor strided = at::randn({8, 6}).t();
  EXPECT_THROW(GeluInPlace(strided), c10::Error);
  at::Tensor doubles = at::randn({4, 6}).to(at::kDouble);
  EXPECT_THROW(LayerNormGeluInPlace(doubles, at::Tensor(), at::Tensor(), 1e-5),
               c10::Error);
  at::Tensor x = at::randn({4, 6});
  EXPECT_THROW(LayerNormGeluInPlace(x, at::randn({5}), at::Tensor(), 1e-5),
               c10::Error);
}

}  // namespace
}  // namespace fairport::ops
