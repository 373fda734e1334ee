// Staged outputs that an interrupted run removes.
//
// HandleInterrupts (called by RunTool, base/cli.h, before a tool starts any
// thread) blocks SIGINT, SIGTERM and SIGHUP in every thread and waits for
// them on a thread of its own, which removes every registered path and
// exits with 128 + the signal number. SIGKILL cannot be caught; staging
// folders carry a lock so a later run can reclaim what a killed one left
// (hf/staged_directory.h).
#ifndef FAIRPORT_BASE_INTERRUPTS_H_
#define FAIRPORT_BASE_INTERRUPTS_H_

#include <cstdint>
#include <string>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"

namespace fairport {

void HandleInterrupts();

// Removes every registered path and exits with `exit_code` at once.
[[noreturn]] void RemoveStagedOutputsAndExit(int exit_code);

// Registers `path` (a file or a directory tree) for removal on an
// interrupt, for as long as the object lives.
class RemoveOnInterrupt {
 public:
  explicit RemoveOnInterrupt(std::string path);
  RemoveOnInterrupt(const RemoveOnInterrupt&) = delete;
  RemoveOnInterrupt& operator=(const RemoveOnInterrupt&) = delete;
  ~RemoveOnInterrupt();

  // Runs `publish` (typically the rename of the path into place) so that an
  // interrupt takes effect either wholly before it, and the path is
  // removed, or after it, and nothing is; then stops watching the path.
  absl::Status Publish(absl::FunctionRef<absl::Status()> publish);

 private:
  uint64_t id_;
};

}  // namespace fairport

#endif  // FAIRPORT_BASE_INTERRUPTS_H_
