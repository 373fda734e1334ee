// The threads LibTorch and its BLAS compute on, and work split across them
// by item rather than by operator.
#ifndef FAIRPORT_OPS_THREADS_H_
#define FAIRPORT_OPS_THREADS_H_

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace fairport::ops {

// How the BLAS under LibTorch (libblas.so.3) runs a matrix product, read
// from OpenBLAS itself (openblas_get_parallel) when it is OpenBLAS.
enum class BlasThreading {
  kSerial,      // on the calling thread
  kOwnThreads,  // OpenBLAS's own pthread pool, blind to LibTorch's threads
  kOpenMp,      // OpenMP: LibTorch's threads, serial in a parallel region
  kUnknown,     // not OpenBLAS
};
BlasThreading LoadedBlasThreading();
std::string BlasThreadingName(BlasThreading threading);

// LibTorch's intra-op threads and, for an OpenBLAS with its own pool, that
// pool's threads: `threads` in all.
void SetComputeThreads(int threads);

// Splits items of these sizes into min(groups, items) groups of item
// indices, balanced by total size: largest first, each to the group with
// the smallest total so far (ties to the lower group, then the lower
// index). Deterministic.
std::vector<std::vector<int64_t>> BalancedGroups(
    const std::vector<int64_t>& sizes, int64_t groups);

// Runs body(0) ... body(n - 1) at once, one per LibTorch thread, each
// computing alone: LibTorch's operators run serially inside the parallel
// region, and so does the BLAS (an OpenBLAS with its own pool is set to one
// thread meanwhile). The calling thread's grad mode holds in every body.
// The first exception a body throws is rethrown here, after all finish.
void ParallelForEach(int64_t n, const std::function<void(int64_t)>& body);

}  // namespace fairport::ops

#endif  // FAIRPORT_OPS_THREADS_H_
