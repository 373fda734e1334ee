#include "hf/staged_directory.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "base/files.h"
#include "base/status_macros.h"

namespace fairport {
namespace {

std::string Parent(const std::string& path) {
  size_t slash = path.find_last_of('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

std::string Base(const std::string& path) {
  size_t slash = path.find_last_of('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

bool IsEmptyDirectory(const std::string& path) {
  DIR* dir = ::opendir(path.c_str());
  if (dir == nullptr) return false;
  bool empty = true;
  while (dirent* e = ::readdir(dir)) {
    if (std::strcmp(e->d_name, ".") != 0 && std::strcmp(e->d_name, "..") != 0) {
      empty = false;
      break;
    }
  }
  ::closedir(dir);
  return empty;
}

std::string Trimmed(std::string path) {
  while (path.size() > 1 && path.back() == '/') path.pop_back();
  return path;
}

// Removes staging directories `prefix`* in `parent` left by runs that are
// gone: their lock file exists and nobody holds its flock. A directory with
// no lock file is being created or committed by a live run, or is not ours.
void ReclaimStaleStaging(const std::string& parent, const std::string& prefix) {
  DIR* dir = ::opendir(parent.c_str());
  if (dir == nullptr) return;
  std::vector<std::string> stale;
  while (dirent* e = ::readdir(dir)) {
    const std::string name = e->d_name;
    if (!absl::StartsWith(name, prefix) ||
        name.size() != prefix.size() + 6) {  // mkdtemp's XXXXXX
      continue;
    }
    const std::string path = absl::StrCat(parent, "/", name);
    int fd = ::open(absl::StrCat(path, "/", kStagingLockName).c_str(),
                    O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) continue;
    if (::flock(fd, LOCK_EX | LOCK_NB) == 0) stale.push_back(path);
    ::close(fd);
  }
  ::closedir(dir);
  for (const std::string& path : stale) RemoveTree(path);
}

}  // namespace

absl::Status StagedDirectory::CheckTarget(const std::string& target,
                                          bool overwrite) {
  struct stat st;
  if (::stat(target.c_str(), &st) != 0) return absl::OkStatus();
  if (!S_ISDIR(st.st_mode)) {
    return absl::AlreadyExistsError(
        absl::StrCat(target, ": exists and is not a directory"));
  }
  if (!overwrite && !IsEmptyDirectory(target)) {
    return absl::AlreadyExistsError(
        absl::StrCat(target,
                     ": output directory exists and is not empty (pass "
                     "--overwrite to replace it)"));
  }
  return absl::OkStatus();
}

absl::StatusOr<StagedDirectory> StagedDirectory::Create(
    const std::string& target_in, bool overwrite) {
  std::string target = Trimmed(target_in);
  absl::Status check = CheckTarget(target, overwrite);
  if (!check.ok()) return check;
  std::string parent = Parent(target);
  struct stat st;
  if (::stat(parent.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    return absl::NotFoundError(
        absl::StrCat(target, ": parent directory ", parent, " does not exist"));
  }
  // The directory is made and locked under a name reclaimers of live
  // staging never take for a finished one, then renamed: a `.partial-`
  // directory always has its lock file, held while its owner runs.
  const std::string prefix = absl::StrCat(".", Base(target), ".partial-");
  const std::string creating_prefix =
      absl::StrCat(".", Base(target), ".creating-");
  ReclaimStaleStaging(parent, prefix);
  ReclaimStaleStaging(parent, creating_prefix);
  // Made and registered for removal in one step (a signal arriving just
  // after the rename would otherwise leave the directory behind).
  int lock_fd = -1;
  std::string staging;
  absl::StatusOr<std::unique_ptr<RemoveOnInterrupt>> on_interrupt =
      RemoveOnInterrupt::Make([&]() -> absl::StatusOr<std::string> {
        std::string creating =
            absl::StrCat(parent, "/", creating_prefix, "XXXXXX");
        if (::mkdtemp(creating.data()) == nullptr) {
          return absl::PermissionDeniedError(
              absl::StrCat(target, ": cannot create a staging directory in ",
                           parent, ": ", std::strerror(errno)));
        }
        ::chmod(creating.c_str(), 0755);
        const std::string lock = absl::StrCat(creating, "/", kStagingLockName);
        lock_fd =
            ::open(lock.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
        staging = absl::StrCat(parent, "/", prefix,
                               creating.substr(creating.size() - 6));
        if (lock_fd < 0 || ::flock(lock_fd, LOCK_EX) != 0 ||
            ::rename(creating.c_str(), staging.c_str()) != 0) {
          const int err = errno;
          if (lock_fd >= 0) ::close(lock_fd);
          RemoveTree(creating);
          return absl::PermissionDeniedError(absl::StrCat(
              target, ": cannot set up a locked staging directory: ",
              std::strerror(err)));
        }
        return staging;
      });
  if (!on_interrupt.ok()) return on_interrupt.status();
  return StagedDirectory(target, staging, overwrite, lock_fd,
                         *std::move(on_interrupt));
}

StagedDirectory::StagedDirectory(
    std::string target, std::string staging, bool overwrite, int lock_fd,
    std::unique_ptr<RemoveOnInterrupt> on_interrupt)
    : target_(std::move(target)),
      staging_(std::move(staging)),
      overwrite_(overwrite),
      lock_fd_(lock_fd),
      on_interrupt_(std::move(on_interrupt)) {}

StagedDirectory::StagedDirectory(StagedDirectory&& other) noexcept
    : target_(std::move(other.target_)),
      staging_(std::move(other.staging_)),
      overwrite_(other.overwrite_),
      lock_fd_(other.lock_fd_),
      on_interrupt_(std::move(other.on_interrupt_)) {
  other.staging_.clear();
  other.lock_fd_ = -1;
}

StagedDirectory::~StagedDirectory() {
  if (!staging_.empty()) RemoveTree(staging_);
  if (lock_fd_ >= 0) ::close(lock_fd_);
}

std::string StagedDirectory::PathOf(absl::string_view name) const {
  return absl::StrCat(staging_, "/", name);
}

absl::Status StagedDirectory::WriteFile(absl::string_view name,
                                        absl::string_view contents) const {
  std::string path = PathOf(name);
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0)
    return absl::InternalError(
        absl::StrCat(path, ": cannot create: ", std::strerror(errno)));
  size_t done = 0;
  while (done < contents.size()) {
    ssize_t n = ::write(fd, contents.data() + done, contents.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      int err = errno;
      ::close(fd);
      return absl::InternalError(
          absl::StrCat(path, ": write failed: ", std::strerror(err)));
    }
    done += static_cast<size_t>(n);
  }
  if (::close(fd) != 0)
    return absl::InternalError(
        absl::StrCat(path, ": close failed: ", std::strerror(errno)));
  return absl::OkStatus();
}

absl::Status StagedDirectory::Commit() {
  // The lock file goes first (the flock stays with the open file); a
  // reclaimer that finds no lock file leaves the directory alone.
  ::unlink(absl::StrCat(staging_, "/", kStagingLockName).c_str());
  std::string old;
  // An interrupt lands before the old directory is moved aside or after the
  // new one is in place, never between.
  RETURN_IF_ERROR(on_interrupt_->Publish([&]() -> absl::Status {
    struct stat st;
    if (::stat(target_.c_str(), &st) == 0) {
      if (!overwrite_ && !IsEmptyDirectory(target_)) {
        return absl::AlreadyExistsError(
            absl::StrCat(target_, ": appeared while converting; not replaced"));
      }
      old = absl::StrCat(staging_, ".old");
      if (::rename(target_.c_str(), old.c_str()) != 0) {
        return absl::InternalError(absl::StrCat(
            target_,
            ": cannot move the old directory aside: ", std::strerror(errno)));
      }
    }
    if (::rename(staging_.c_str(), target_.c_str()) != 0) {
      int err = errno;
      if (!old.empty()) ::rename(old.c_str(), target_.c_str());
      return absl::InternalError(absl::StrCat(
          target_,
          ": cannot move the result into place: ", std::strerror(err)));
    }
    return absl::OkStatus();
  }));
  staging_.clear();
  if (!old.empty()) RemoveTree(old);
  return absl::OkStatus();
}

}  // namespace fairport
