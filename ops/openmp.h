// OpenMP's wait policy for programs that compute with LibTorch.
#ifndef FAIRPORT_OPS_OPENMP_H_
#define FAIRPORT_OPS_OPENMP_H_

namespace fairport::ops {

// LibTorch's OpenMP workers spin after every parallel region, while its
// matrix products run on OpenBLAS's own threads: with 2 threads the two
// fight for the cores (measured: the transformer layers of a base model 2.5 s
// per forward pass spinning, 1.2 s passive). libgomp reads OMP_WAIT_POLICY
// only when it loads, so unless the environment sets it, this re-executes
// the program once with OMP_WAIT_POLICY=PASSIVE. Call it first in main();
// if the re-execution fails the program simply goes on.
void UsePassiveOpenMpWaits(char** argv);

}  // namespace fairport::ops

#endif  // FAIRPORT_OPS_OPENMP_H_
