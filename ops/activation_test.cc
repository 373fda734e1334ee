#include "ops/activation.h"

#include <cmath>

#include "ATen/TensorOperators.h"
#include "ATen/ops/tensor.h"
#include "gtest/gtest.h"

namespace fairport::ops {
namespace {

// Each activation at a few points, against the formula computed by hand in
// double precision.
TEST(ActivationTest, MatchesTheFormulas) {
  const std::vector<double> points = {-2.5, -1.0, -0.1, 0.0, 0.3, 1.0, 3.0};
  at::Tensor x = at::tensor(std::vector<float>(points.begin(), points.end()));
  auto expect = [&](Activation a, auto formula) {
    at::Tensor y = Activate(a, x);
    for (size_t i = 0; i < points.size(); ++i) {
      EXPECT_NEAR(y[i].item<float>(), formula(points[i]), 2e-6)
          << static_cast<int>(a) << " at " << points[i];
    }
  };
  expect(Activation::kGelu,
         [](double v) { return 0.5 * v * (1 + std::erf(v / std::sqrt(2.0))); });
  expect(Activation::kGeluTanh, [](double v) {
    return 0.5 * v *
           (1 + std::tanh(std::sqrt(2 / M_PI) * (v + 0.044715 * v * v * v)));
  });
  expect(Activation::kRelu, [](double v) { return v > 0 ? v : 0.0; });
  expect(Activation::kTanh, [](double v) { return std::tanh(v); });
  expect(Activation::kLinear, [](double v) { return v; });
  expect(Activation::kSilu, [](double v) { return v / (1 + std::exp(-v)); });
}

}  // namespace
}  // namespace fairport::ops
