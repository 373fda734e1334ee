// What Fairport's command-line tools share: flag parsing that exits 2 on
// bad usage (absl's own parser exits 1), and one-line errors.
#ifndef FAIRPORT_BASE_CLI_H_
#define FAIRPORT_BASE_CLI_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace fairport {

inline constexpr int kExitBadInput = 1;
inline constexpr int kExitBadUsage = 2;

// Parses absl flags; on an unknown flag or a malformed value prints one
// line and exits 2. Returns the positional arguments (argv[0] excluded).
std::vector<std::string> ParseFlagsOrExit(int argc, char** argv,
                                          absl::string_view usage);

// Prints "<tool>: usage: <problem>" and exits 2.
[[noreturn]] void ExitBadUsage(absl::string_view problem);

// Prints the status message as one line on stderr; returns the exit code.
int ReportError(const absl::Status& status);

// Runs a tool's `main` so that nothing escapes it: an exception (from
// nlohmann-json, LibTorch or the standard library, on any thread) becomes
// one line on stderr and exit 1, and SIGINT, SIGTERM or SIGHUP remove the
// tool's staged outputs and exit 128 + signal (base/interrupts.h).
int RunTool(int argc, char** argv, int (*main)(int, char**));

}  // namespace fairport

#endif  // FAIRPORT_BASE_CLI_H_
