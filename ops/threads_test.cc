#include "ops/threads.h"

#include <dlfcn.h>

#include <atomic>
#include <set>
#include <stdexcept>
#include <thread>

#include "ATen/Parallel.h"
#include "ATen/core/grad_mode.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace fairport::ops {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

TEST(BalancedGroupsTest, LongestFirstToTheLightestGroup) {
  // 5 -> g0, 4 -> g1, 3 -> g1 (4 < 5), 2 -> g0 (5 < 7): 7 and 7.
  EXPECT_THAT(BalancedGroups({5, 4, 3, 2}, 2),
              ElementsAre(ElementsAre(0, 3), ElementsAre(1, 2)));
  // Unordered sizes; ties go to the lower index and the lower group.
  EXPECT_THAT(
      BalancedGroups({1, 6, 1, 3, 3}, 3),
      ElementsAre(ElementsAre(1), ElementsAre(3, 0), ElementsAre(4, 2)));
}

TEST(BalancedGroupsTest, NoMoreGroupsThanItems) {
  EXPECT_THAT(BalancedGroups({2, 9}, 4),
              ElementsAre(ElementsAre(1), ElementsAre(0)));
  EXPECT_THAT(BalancedGroups({2, 9}, 1), ElementsAre(ElementsAre(1, 0)));
  EXPECT_THAT(BalancedGroups({}, 2), IsEmpty());
}

TEST(ParallelForEachTest, RunsEveryItemOnceInsideTheParallelRegion) {
  at::set_num_threads(2);
  std::vector<int> runs(2, 0);
  std::vector<bool> inside(2, false);
  ParallelForEach(2, [&](int64_t i) {
    ++runs[i];
    inside[i] = at::in_parallel_region();
  });
  EXPECT_THAT(runs, ElementsAre(1, 1));
  // Inside the region LibTorch's own operators run serially.
  EXPECT_THAT(inside, ElementsAre(true, true));
}

TEST(ParallelForEachTest, KeepsTheCallersGradMode) {
  at::set_num_threads(2);
  at::NoGradGuard no_grad;
  std::vector<bool> enabled(2, true);
  ParallelForEach(2,
                  [&](int64_t i) { enabled[i] = at::GradMode::is_enabled(); });
  EXPECT_THAT(enabled, ElementsAre(false, false));
}

TEST(ParallelForEachTest, RethrowsABodysException) {
  at::set_num_threads(2);
  EXPECT_THROW(ParallelForEach(2,
                               [](int64_t i) {
                                 if (i == 1) throw std::runtime_error("item 1");
                               }),
               std::runtime_error);
}

// An OpenBLAS with its own pool (tools/setup.sh installs that build) runs on
// one thread inside the parallel region and gets its pool back after it;
// any other OpenBLAS is left as it was.
TEST(ParallelForEachTest, OpenBlasOwnPoolIsSerialInsideAndRestoredAfter) {
  auto* threads = reinterpret_cast<int (*)()>(
      ::dlsym(RTLD_DEFAULT, "openblas_get_num_threads"));
  ASSERT_NE(threads, nullptr);
  const bool own = LoadedBlasThreading() == BlasThreading::kOwnThreads;
  SetComputeThreads(2);
  const int before = threads();
  if (own) EXPECT_EQ(before, 2);
  std::vector<int> inside(2, 0);
  ParallelForEach(2, [&](int64_t i) { inside[i] = threads(); });
  if (own) EXPECT_THAT(inside, ElementsAre(1, 1));
  EXPECT_EQ(threads(), before);
}

TEST(BlasThreadingTest, SetComputeThreadsSetsLibTorchsThreads) {
  SetComputeThreads(1);
  EXPECT_EQ(at::get_num_threads(), 1);
  SetComputeThreads(2);
  EXPECT_EQ(at::get_num_threads(), 2);
  // Debian's LibTorch links OpenBLAS (tools/setup.sh installs it).
  EXPECT_NE(LoadedBlasThreading(), BlasThreading::kUnknown);
}

}  // namespace
}  // namespace fairport::ops
