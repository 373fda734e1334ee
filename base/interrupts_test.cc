#include "base/interrupts.h"

#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "absl/status/status.h"
#include "base/files.h"
#include "gtest/gtest.h"

namespace fairport {
namespace {

std::string TempDir() {
  const char* dir = std::getenv("TEST_TMPDIR");
  return dir == nullptr ? "/tmp" : dir;
}

// Runs `body` in a child process that handles interrupts, then sends the
// child SIGTERM; returns its wait status.
template <typename Body>
int RunAndTerminate(Body body) {
  int ready[2];
  if (::pipe(ready) != 0) return -1;
  pid_t pid = ::fork();
  if (pid == 0) {
    HandleInterrupts();
    body();
    char byte = 1;
    (void)!::write(ready[1], &byte, 1);
    for (;;) ::pause();
  }
  char byte;
  (void)!::read(ready[0], &byte, 1);
  ::kill(pid, SIGTERM);
  int status = 0;
  ::waitpid(pid, &status, 0);
  ::close(ready[0]);
  ::close(ready[1]);
  return status;
}

TEST(InterruptsTest, SigtermRemovesRegisteredTreeAndExits143) {
  const std::string staging = TempDir() + "/staging-tree";
  int status = RunAndTerminate([&] {
    ::mkdir(staging.c_str(), 0755);
    ::mkdir((staging + "/sub").c_str(), 0755);
    std::FILE* f = std::fopen((staging + "/sub/weights").c_str(), "w");
    std::fputs("partial", f);
    std::fclose(f);
    new RemoveOnInterrupt(staging);  // lives until the process ends
  });
  ASSERT_TRUE(WIFEXITED(status)) << status;
  EXPECT_EQ(WEXITSTATUS(status), 128 + SIGTERM);
  EXPECT_FALSE(PathExists(staging));
}

TEST(InterruptsTest, PublishedPathIsKept) {
  const std::string staging = TempDir() + "/staged-file";
  const std::string target = TempDir() + "/published-file";
  int status = RunAndTerminate([&] {
    ASSERT_TRUE(WriteFileAtomically(staging, "done").ok());
    auto* guard = new RemoveOnInterrupt(staging);
    absl::Status published = guard->Publish([&] {
      return std::rename(staging.c_str(), target.c_str()) == 0
                 ? absl::OkStatus()
                 : absl::InternalError("rename");
    });
    if (!published.ok()) std::_Exit(9);
  });
  ASSERT_TRUE(WIFEXITED(status)) << status;
  EXPECT_EQ(WEXITSTATUS(status), 128 + SIGTERM);
  EXPECT_TRUE(PathExists(target));
  EXPECT_FALSE(PathExists(staging));
}

TEST(InterruptsTest, UnregisteredPathIsLeftAlone) {
  const std::string kept = TempDir() + "/kept";
  int status = RunAndTerminate([&] {
    ::mkdir(kept.c_str(), 0755);
    RemoveOnInterrupt scoped(kept);  // gone before the signal arrives
  });
  ASSERT_TRUE(WIFEXITED(status)) << status;
  EXPECT_EQ(WEXITSTATUS(status), 128 + SIGTERM);
  EXPECT_TRUE(PathExists(kept));
}

}  // namespace
}  // namespace fairport
