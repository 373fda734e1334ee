// Whole-file reads, and whole-file writes that readers never see half done;
// errors name the file.
#ifndef FAIRPORT_BASE_FILES_H_
#define FAIRPORT_BASE_FILES_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace fairport {

// The file's bytes. NotFound if it cannot be opened, DataLoss if reading
// fails part way.
absl::StatusOr<std::string> ReadFile(const std::string& path);

// Writes `contents` to `path`.partial and renames that over `path`, so
// `path` holds either its old contents or all of the new ones. On failure,
// or an interrupt (base/interrupts.h), the partial file is removed.
absl::Status WriteFileAtomically(const std::string& path,
                                 absl::string_view contents);

// Whether anything (a file, a directory, a dangling symlink) is at `path`.
bool PathExists(const std::string& path);

// The names in a directory (not "." and ".."), sorted. NotFound if it
// cannot be opened.
absl::StatusOr<std::vector<std::string>> ListDirectory(const std::string& path);

// Removes a file or a directory tree, without following symlinks.
void RemoveTree(const std::string& path);

}  // namespace fairport

#endif  // FAIRPORT_BASE_FILES_H_
