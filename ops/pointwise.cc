#include "ops/pointwise.h"

#include <algorithm>
#include <cmath>
#include <cstdint>

#include "ATen/Parallel.h"
#include "c10/util/Exception.h"

// One copy of each kernel per instruction set; the loader picks the best
// the CPU has (GCC function multiversioning).
#define FAIRPORT_FOR_EACH_CPU \
  __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))

namespace fairport::ops {
namespace {

// Lanes the row statistics are summed in, so that the sums vectorise.
constexpr int kLanes = 16;
// Elements per parallel task.
constexpr int64_t kGrain = 1 << 15;

// erf(x) = x p(x^2) / q(x^2) on [-4, 4], +-1 outside (as in float): the
// coefficients of Eigen's generic_fast_erf_float (XLA's ErfImpl32).
inline float Erf(float a) {
  const float x = std::min(4.0f, std::max(-4.0f, a));
  const float x2 = x * x;
  float p = x2 * -2.72614225801306e-10f + 2.77068142495902e-08f;
  p = x2 * p + -2.10102402082508e-06f;
  p = x2 * p + -5.69250639462346e-05f;
  p = x2 * p + -7.34990630326855e-04f;
  p = x2 * p + -2.95459980854025e-03f;
  p = x2 * p + -1.60960333262415e-02f;
  float q = x2 * -1.45660718464996e-05f + -2.13374055278905e-04f;
  q = x2 * q + -1.68282697438203e-03f;
  q = x2 * q + -7.37332916720468e-03f;
  q = x2 * q + -1.42647390514189e-02f;
  return x * p / q;
}

inline float Gelu(float x) {
  constexpr float kSqrtHalf = 0.70710678118654752f;
  return 0.5f * x * (1.0f + Erf(x * kSqrtHalf));
}

FAIRPORT_FOR_EACH_CPU void GeluSpan(float* x, int64_t n) {
  for (int64_t i = 0; i < n; ++i) x[i] = Gelu(x[i]);
}

// Sum of row[0..c) in kLanes partial sums, then across them.
inline float Sum(const float* row, int64_t c) {
  float lanes[kLanes] = {};
  int64_t i = 0;
  for (; i + kLanes <= c; i += kLanes)
    for (int l = 0; l < kLanes; ++l) lanes[l] += row[i + l];
  for (; i < c; ++i) lanes[0] += row[i];
  float sum = 0;
  for (int l = 0; l < kLanes; ++l) sum += lanes[l];
  return sum;
}

inline float SquaredDeviations(const float* row, int64_t c, float mean) {
  float lanes[kLanes] = {};
  int64_t i = 0;
  for (; i + kLanes <= c; i += kLanes) {
    for (int l = 0; l < kLanes; ++l) {
      const float d = row[i + l] - mean;
      lanes[l] += d * d;
    }
  }
  for (; i < c; ++i) lanes[0] += (row[i] - mean) * (row[i] - mean);
  float sum = 0;
  for (int l = 0; l < kLanes; ++l) sum += lanes[l];
  return sum;
}

FAIRPORT_FOR_EACH_CPU void LayerNormGeluRows(float* x, int64_t rows, int64_t c,
                                             const float* weight,
                                             const float* bias, float eps) {
  for (int64_t r = 0; r < rows; ++r) {
    float* row = x + r * c;
    const float mean = Sum(row, c) / c;
    const float rstd =
        1.0f / std::sqrt(SquaredDeviations(row, c, mean) / c + eps);
    for (int64_t i = 0; i < c; ++i) {
      float y = (row[i] - mean) * rstd;
      if (weight != nullptr) y *= weight[i];
      if (bias != nullptr) y += bias[i];
      row[i] = Gelu(y);
    }
  }
}

void CheckFloatContiguous(const at::Tensor& x, const char* what) {
  TORCH_CHECK(ComputesInPlaceOn(x), what, ": a contiguous float32 tensor, not ",
              x.scalar_type(), " ", x.sizes(),
              x.is_contiguous() ? "" : " (strided)");
}

}  // namespace

bool ComputesInPlaceOn(const at::Tensor& x) {
  return x.scalar_type() == at::kFloat && x.is_contiguous();
}

void GeluInPlace(at::Tensor& x) {
  CheckFloatContiguous(x, "GELU");
  float* data = x.data_ptr<float>();
  at::parallel_for(0, x.numel(), kGrain, [&](int64_t begin, int64_t end) {
    GeluSpan(data + begin, end - begin);
  });
}

void LayerNormGeluInPlace(at::Tensor& x, const at::Tensor& weight,
                          const at::Tensor& bias, double eps) {
  CheckFloatContiguous(x, "LayerNorm + GELU");
  TORCH_CHECK(x.dim() == 2, "LayerNorm + GELU: (N, C) rows, not ", x.sizes());
  const int64_t c = x.size(1);
  for (const at::Tensor* t : {&weight, &bias}) {
    if (!t->defined()) continue;
    CheckFloatContiguous(*t, "LayerNorm + GELU parameters");
    TORCH_CHECK(t->numel() == c, "LayerNorm + GELU: ", t->numel(),
                " parameters for ", c, " channels");
  }
  float* data = x.data_ptr<float>();
  const float* w = weight.defined() ? weight.data_ptr<float>() : nullptr;
  const float* b = bias.defined() ? bias.data_ptr<float>() : nullptr;
  const int64_t grain = std::max<int64_t>(1, kGrain / std::max<int64_t>(c, 1));
  at::parallel_for(0, x.size(0), grain, [&](int64_t begin, int64_t end) {
    LayerNormGeluRows(data + begin * c, end - begin, c, w, b,
                      static_cast<float>(eps));
  });
}

}  // namespace fairport::ops
