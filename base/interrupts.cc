#include "base/interrupts.h"

#include <signal.h>
#include <unistd.h>

#include <map>
#include <thread>
#include <utility>

#include "absl/synchronization/mutex.h"
#include "base/files.h"

namespace fairport {
namespace {

struct Registry {
  absl::Mutex mutex;
  uint64_t next_id ABSL_GUARDED_BY(mutex) = 0;
  std::map<uint64_t, std::string> paths ABSL_GUARDED_BY(mutex);
};

Registry& TheRegistry() {
  static Registry* registry = new Registry;  // never destroyed: see _exit
  return *registry;
}

sigset_t InterruptSignals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGHUP);
  return set;
}

}  // namespace

void RemoveStagedOutputsAndExit(int exit_code) {
  Registry& registry = TheRegistry();
  // Held until _exit, so no Publish can start after the removal.
  registry.mutex.Lock();
  for (const auto& [id, path] : registry.paths) {
    // The tool may still be adding files while the tree is removed.
    for (int attempt = 0; attempt < 8 && PathExists(path); ++attempt)
      RemoveTree(path);
  }
  ::_exit(exit_code);
}

void HandleInterrupts() {
  static bool installed = false;
  if (installed) return;
  installed = true;
  sigset_t set = InterruptSignals();
  ::pthread_sigmask(SIG_BLOCK, &set, nullptr);
  std::thread([set] {
    int signal = 0;
    while (::sigwait(&set, &signal) != 0) {
    }
    RemoveStagedOutputsAndExit(128 + signal);
  }).detach();
}

RemoveOnInterrupt::RemoveOnInterrupt(std::string path) {
  Registry& registry = TheRegistry();
  absl::MutexLock lock(&registry.mutex);
  id_ = registry.next_id++;
  registry.paths.emplace(id_, std::move(path));
}

absl::StatusOr<std::unique_ptr<RemoveOnInterrupt>> RemoveOnInterrupt::Make(
    absl::FunctionRef<absl::StatusOr<std::string>()> make) {
  Registry& registry = TheRegistry();
  // Held while the path is made, so the interrupt thread waits for it.
  absl::MutexLock lock(&registry.mutex);
  absl::StatusOr<std::string> path = make();
  if (!path.ok()) return path.status();
  std::unique_ptr<RemoveOnInterrupt> watch(new RemoveOnInterrupt());
  watch->id_ = registry.next_id++;
  registry.paths.emplace(watch->id_, *std::move(path));
  return watch;
}

RemoveOnInterrupt::~RemoveOnInterrupt() {
  Registry& registry = TheRegistry();
  absl::MutexLock lock(&registry.mutex);
  registry.paths.erase(id_);
}

absl::Status RemoveOnInterrupt::Publish(
    absl::FunctionRef<absl::Status()> publish) {
  Registry& registry = TheRegistry();
  absl::MutexLock lock(&registry.mutex);
  absl::Status status = publish();
  if (status.ok()) registry.paths.erase(id_);
  return status;
}

}  // namespace fairport
