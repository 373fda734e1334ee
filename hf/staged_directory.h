// An output directory that appears atomically: files are written into a
// staging directory beside the target (.NAME.partial-XXXXXX), which Commit
// renames into place. If Commit is never reached, or the process gets
// SIGINT, SIGTERM or SIGHUP (base/interrupts.h), the staging directory is
// removed, so a failed run leaves nothing behind.
//
// A SIGKILLed run cannot clean up, so each staging directory holds a lock
// file, flock()ed by its owner for as long as the owner runs (it is made
// and locked as .NAME.creating-XXXXXX, then renamed). Create removes the
// staging directories of the same target whose lock nobody holds, and
// never touches one whose owner still runs.
#ifndef FAIRPORT_HF_STAGED_DIRECTORY_H_
#define FAIRPORT_HF_STAGED_DIRECTORY_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "base/interrupts.h"

namespace fairport {

class StagedDirectory {
 public:
  // Fails if `target` exists and is not an empty directory, unless
  // `overwrite`, in which case Commit replaces it.
  static absl::Status CheckTarget(const std::string& target, bool overwrite);
  static absl::StatusOr<StagedDirectory> Create(const std::string& target,
                                                bool overwrite);

  StagedDirectory(StagedDirectory&& other) noexcept;
  StagedDirectory& operator=(StagedDirectory&&) = delete;
  ~StagedDirectory();

  // Path of `name` inside the staging directory.
  std::string PathOf(absl::string_view name) const;
  absl::Status WriteFile(absl::string_view name,
                         absl::string_view contents) const;
  absl::Status Commit();

 private:
  StagedDirectory(std::string target, std::string staging, bool overwrite,
                  int lock_fd, std::unique_ptr<RemoveOnInterrupt> on_interrupt);

  std::string target_;
  std::string staging_;  // empty once committed or moved from
  bool overwrite_;
  int lock_fd_;  // flock()ed while this process owns the staging directory
  std::unique_ptr<RemoveOnInterrupt> on_interrupt_;
};

// The name of the lock file inside a staging directory.
inline constexpr char kStagingLockName[] = ".fairport-staging.lock";

}  // namespace fairport

#endif  // FAIRPORT_HF_STAGED_DIRECTORY_H_
