#include "hf/staged_directory.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

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

}  // namespace

void RemoveTree(const std::string& path) {
  struct stat st;
  if (::lstat(path.c_str(), &st) != 0) return;
  if (S_ISDIR(st.st_mode)) {
    if (DIR* dir = ::opendir(path.c_str())) {
      while (dirent* e = ::readdir(dir)) {
        if (std::strcmp(e->d_name, ".") == 0 ||
            std::strcmp(e->d_name, "..") == 0)
          continue;
        RemoveTree(absl::StrCat(path, "/", e->d_name));
      }
      ::closedir(dir);
    }
    ::rmdir(path.c_str());
  } else {
    ::unlink(path.c_str());
  }
}

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
  std::string pattern =
      absl::StrCat(parent, "/.", Base(target), ".partial-XXXXXX");
  if (::mkdtemp(pattern.data()) == nullptr) {
    return absl::PermissionDeniedError(
        absl::StrCat(target, ": cannot create a staging directory in ", parent,
                     ": ", std::strerror(errno)));
  }
  ::chmod(pattern.c_str(), 0755);
  return StagedDirectory(target, pattern, overwrite);
}

StagedDirectory::StagedDirectory(StagedDirectory&& other) noexcept
    : target_(std::move(other.target_)),
      staging_(std::move(other.staging_)),
      overwrite_(other.overwrite_) {
  other.staging_.clear();
}

StagedDirectory::~StagedDirectory() {
  if (!staging_.empty()) RemoveTree(staging_);
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
  std::string old;
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
        target_, ": cannot move the result into place: ", std::strerror(err)));
  }
  staging_.clear();
  if (!old.empty()) RemoveTree(old);
  return absl::OkStatus();
}

}  // namespace fairport
