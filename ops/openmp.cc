#include "ops/openmp.h"

#include <unistd.h>

#include <cstdlib>

namespace fairport::ops {

void UsePassiveOpenMpWaits(char** argv) {
  if (std::getenv("OMP_WAIT_POLICY") != nullptr) return;
  if (::setenv("OMP_WAIT_POLICY", "PASSIVE", 1) != 0) return;
  ::execv("/proc/self/exe", argv);
}

}  // namespace fairport::ops
