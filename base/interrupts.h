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
#include <memory>
#include <string>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace fairport {

void HandleInterrupts();

// Removes every registered path and exits with `exit_code` at once.
[[noreturn]] void RemoveStagedOutputsAndExit(int exit_code);

// Registers `path` (a file or a directory tree) for removal on an
// interrupt, for as long as the object lives.
class RemoveOnInterrupt {
 public:
  explicit RemoveOnInterrupt(std::string path);
  // Runs `make`, which creates a path whose name it only then knows (e.g.
  // mkdtemp) and returns it, and registers the path in the same step: an
  // interrupt takes effect either before anything was made or once the
  // path is registered, and it is removed. `make` must not register paths.
  static absl::StatusOr<std::unique_ptr<RemoveOnInterrupt>> Make(
      absl::FunctionRef<absl::StatusOr<std::string>()> make);
  RemoveOnInterrupt(const RemoveOnInterrupt&) = delete;
  RemoveOnInterrupt& operator=(const RemoveOnInterrupt&) = delete;
  ~RemoveOnInterrupt();

  // Runs `publish` (typically the rename of the path into place) so that an
  // interrupt takes effect either wholly before it, and the path is
  // removed, or after it, and nothing is; then stops watching the path.
  absl::Status Publish(absl::FunctionRef<absl::Status()> publish);

 private:
  RemoveOnInterrupt() = default;

  uint64_t id_ = 0;
};

}  // namespace fairport

#endif  // FAIRPORT_BASE_INTERRUPTS_H_
