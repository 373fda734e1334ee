#include "base/cli.h"

#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <stdexcept>
#include <string>
#include <thread>

#include "absl/status/status.h"
#include "base/json.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace fairport {
namespace {

struct Outcome {
  int status = 0;
  std::string err;
};

// Runs RunTool(main) in a child process named "tool", capturing stderr.
Outcome RunInChild(int (*main)(int, char**)) {
  int err[2];
  if (::pipe(err) != 0) return {};
  pid_t pid = ::fork();
  if (pid == 0) {
    ::dup2(err[1], STDERR_FILENO);
    char name[] = "/some/dir/tool";
    char* argv[] = {name, nullptr};
    std::_Exit(RunTool(1, argv, main));
  }
  ::close(err[1]);
  Outcome outcome;
  char buffer[512];
  ssize_t n;
  while ((n = ::read(err[0], buffer, sizeof buffer)) > 0)
    outcome.err.append(buffer, n);
  ::close(err[0]);
  ::waitpid(pid, &outcome.status, 0);
  return outcome;
}

TEST(RunToolTest, ReturnsTheToolsExitCode) {
  Outcome outcome = RunInChild([](int, char**) { return 7; });
  ASSERT_TRUE(WIFEXITED(outcome.status));
  EXPECT_EQ(WEXITSTATUS(outcome.status), 7);
  EXPECT_EQ(outcome.err, "");
}

TEST(RunToolTest, ExceptionBecomesOneLineAndExitOne) {
  // What nlohmann-json throws for text that is not UTF-8.
  Outcome outcome = RunInChild([](int, char**) {
    return static_cast<int>(DumpJson(nlohmann::json("\xff")).size());
  });
  ASSERT_TRUE(WIFEXITED(outcome.status)) << outcome.status;
  EXPECT_EQ(WEXITSTATUS(outcome.status), 1);
  EXPECT_EQ(outcome.err.rfind("tool: error: internal error: ", 0), 0u)
      << outcome.err;
  EXPECT_NE(outcome.err.find("invalid UTF-8 byte"), std::string::npos)
      << outcome.err;
  EXPECT_EQ(outcome.err.find('\n'), outcome.err.size() - 1) << outcome.err;
}

TEST(RunToolTest, ExceptionOnAnotherThreadBecomesOneLineAndExitOne) {
  Outcome outcome = RunInChild([](int, char**) {
    std::thread([] { throw std::runtime_error("worker\nfailed"); }).join();
    return 0;
  });
  ASSERT_TRUE(WIFEXITED(outcome.status)) << outcome.status;
  EXPECT_EQ(WEXITSTATUS(outcome.status), 1);
  EXPECT_EQ(outcome.err, "tool: error: internal error: worker failed\n");
}

TEST(ReportErrorTest, AnErrorWithoutAMessageStillSaysWhatItIs) {
  Outcome outcome = RunInChild([](int, char**) {
    return ReportError(absl::Status(absl::StatusCode::kDataLoss, ""));
  });
  ASSERT_TRUE(WIFEXITED(outcome.status)) << outcome.status;
  EXPECT_EQ(WEXITSTATUS(outcome.status), 1);
  EXPECT_EQ(outcome.err, "tool: error: DATA_LOSS error without a message\n");
}

}  // namespace
}  // namespace fairport
