// Runs one of the project's binaries as a user would, capturing its exit
// status, stdout and stderr.
#ifndef FAIRPORT_TESTS_RUN_TOOL_H_
#define FAIRPORT_TESTS_RUN_TOOL_H_

#include <string>
#include <vector>

namespace fairport::testing {

struct ToolResult {
  int exit_code = -1;  // -1 when killed by a signal
  int signal = 0;
  std::string out;
  std::string err;
};

ToolResult RunTool(const std::string& binary,
                   const std::vector<std::string>& args);

}  // namespace fairport::testing

#endif  // FAIRPORT_TESTS_RUN_TOOL_H_
