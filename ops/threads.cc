#include "ops/threads.h"

#include <dlfcn.h>

#include <algorithm>
#include <numeric>

#include "ATen/Parallel.h"
#include "ATen/core/grad_mode.h"

namespace fairport::ops {
namespace {

template <typename Function>
Function* OpenBlasFunction(const char* name) {
  return reinterpret_cast<Function*>(::dlsym(RTLD_DEFAULT, name));
}

// OpenBLAS's pool size, or 0 when the BLAS is not OpenBLAS.
int OpenBlasThreads() {
  auto* get = OpenBlasFunction<int()>("openblas_get_num_threads");
  return get == nullptr ? 0 : get();
}

void SetOpenBlasThreads(int threads) {
  auto* set = OpenBlasFunction<void(int)>("openblas_set_num_threads");
  if (set != nullptr) set(threads);
}

// An OpenBLAS with its own pool computes on the calling thread while this
// lives.
class SerialOwnThreadsBlas {
 public:
  SerialOwnThreadsBlas()
      : threads_(LoadedBlasThreading() == BlasThreading::kOwnThreads
                     ? OpenBlasThreads()
                     : 0) {
    if (threads_ > 1) SetOpenBlasThreads(1);
  }
  ~SerialOwnThreadsBlas() {
    if (threads_ > 1) SetOpenBlasThreads(threads_);
  }
  SerialOwnThreadsBlas(const SerialOwnThreadsBlas&) = delete;
  SerialOwnThreadsBlas& operator=(const SerialOwnThreadsBlas&) = delete;

 private:
  int threads_;
};

}  // namespace

BlasThreading LoadedBlasThreading() {
  auto* parallel = OpenBlasFunction<int()>("openblas_get_parallel");
  if (parallel == nullptr) return BlasThreading::kUnknown;
  switch (parallel()) {
    case 0:
      return BlasThreading::kSerial;
    case 1:
      return BlasThreading::kOwnThreads;
    case 2:
      return BlasThreading::kOpenMp;
  }
  return BlasThreading::kUnknown;
}

std::string BlasThreadingName(BlasThreading threading) {
  switch (threading) {
    case BlasThreading::kSerial:
      return "OpenBLAS, serial";
    case BlasThreading::kOwnThreads:
      return "OpenBLAS, own pthread pool";
    case BlasThreading::kOpenMp:
      return "OpenBLAS, OpenMP";
    case BlasThreading::kUnknown:
      break;
  }
  return "not OpenBLAS";
}

void SetComputeThreads(int threads) {
  at::set_num_threads(threads);
  if (LoadedBlasThreading() == BlasThreading::kOwnThreads)
    SetOpenBlasThreads(threads);
}

std::vector<std::vector<int64_t>> BalancedGroups(
    const std::vector<int64_t>& sizes, int64_t groups) {
  const int64_t n = static_cast<int64_t>(sizes.size());
  groups = std::max<int64_t>(1, std::min(groups, n));
  std::vector<int64_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](int64_t a, int64_t b) { return sizes[a] > sizes[b]; });
  std::vector<std::vector<int64_t>> members(groups);
  std::vector<int64_t> load(groups, 0);
  for (int64_t i : order) {
    const int64_t g = std::min_element(load.begin(), load.end()) - load.begin();
    members[g].push_back(i);
    load[g] += sizes[i];
  }
  if (n == 0) members.clear();
  return members;
}

void ParallelForEach(int64_t n, const std::function<void(int64_t)>& body) {
  const bool grad = at::GradMode::is_enabled();
  SerialOwnThreadsBlas serial_blas;
  // Grain 1: with n <= threads, each item is one thread's whole share.
  at::parallel_for(0, n, 1, [&](int64_t begin, int64_t end) {
    at::AutoGradMode mode(grad);  // thread-local
    for (int64_t i = begin; i < end; ++i) body(i);
  });
}

}  // namespace fairport::ops
