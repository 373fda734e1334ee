// An output directory that appears atomically: files are written into a
// temporary directory beside the target, which is renamed into place by
// Commit. If Commit is never reached the temporary directory is removed, so
// a failed run leaves nothing behind.
#ifndef FAIRPORT_HF_STAGED_DIRECTORY_H_
#define FAIRPORT_HF_STAGED_DIRECTORY_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

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
  StagedDirectory(std::string target, std::string staging, bool overwrite)
      : target_(std::move(target)),
        staging_(std::move(staging)),
        overwrite_(overwrite) {}

  std::string target_;
  std::string staging_;  // empty once committed or moved from
  bool overwrite_;
};

// Removes a directory tree without following symlinks.
void RemoveTree(const std::string& path);

}  // namespace fairport

#endif  // FAIRPORT_HF_STAGED_DIRECTORY_H_
