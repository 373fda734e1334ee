// Command-line paths as the user meant them: under `bazel run`, a relative
// path is relative to the directory Bazel was run from
// (BUILD_WORKING_DIRECTORY), not to the runfiles tree.
#ifndef FAIRPORT_BASE_USER_PATH_H_
#define FAIRPORT_BASE_USER_PATH_H_

#include <cstdlib>
#include <string>

namespace fairport {

inline std::string ResolveUserPath(const std::string& path) {
  if (path.empty() || path[0] == '/') return path;
  const char* cwd = std::getenv("BUILD_WORKING_DIRECTORY");
  if (cwd == nullptr || *cwd == '\0') return path;
  return std::string(cwd) + "/" + path;
}

}  // namespace fairport

#endif  // FAIRPORT_BASE_USER_PATH_H_
