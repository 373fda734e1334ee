// End-to-end: the tools against hostile inputs and interrupted runs. Each
// must end with one line on stderr and exit 1 (or 128 + signal when
// interrupted), quickly, and leave no output or staging behind.
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "base/files.h"
#include "gtest/gtest.h"
#include "tests/fixtures.h"
#include "tests/hostile_inputs.h"
#include "tests/run_tool.h"

extern char** environ;

namespace fairport {
namespace {

using ::fairport::testing::FixturePath;
using ::fairport::testing::RunTool;
using ::fairport::testing::Slurp;
using ::fairport::testing::TempDir;
using ::fairport::testing::ToolPath;
using ::fairport::testing::ToolResult;

constexpr char kStagingLock[] = ".fairport-staging.lock";

// A fresh, empty directory for one test.
std::string Scratch(const std::string& name) {
  const std::string dir = TempDir() + "/" + name;
  RemoveTree(dir);
  ::mkdir(dir.c_str(), 0755);
  return dir;
}

std::vector<std::string> Entries(const std::string& dir) {
  std::vector<std::string> names;
  if (DIR* d = ::opendir(dir.c_str())) {
    while (dirent* e = ::readdir(d)) {
      const std::string name = e->d_name;
      if (name != "." && name != "..") names.push_back(name);
    }
    ::closedir(d);
  }
  return names;
}

std::vector<std::string> StagingIn(const std::string& dir) {
  std::vector<std::string> staging;
  for (const std::string& name : Entries(dir))
    if (absl::StrContains(name, ".partial")) staging.push_back(name);
  return staging;
}

void ExpectOneLineError(const ToolResult& r, const std::string& fragment) {
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_EQ(r.signal, 0);
  EXPECT_TRUE(absl::StrContains(r.err, fragment)) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
}

TEST(HostileInputTest, SharedSubtreesAreRefusedByInspectAndConverter) {
  const std::string dir = Scratch("shared");
  const std::string path = dir + "/checkpoint.pt";
  std::ofstream(path, std::ios::binary) << testing::SharedDictCheckpoint();
  ExpectOneLineError(RunTool(ToolPath("converter/inspect"), {path}),
                     "already appears under another name");
  ExpectOneLineError(RunTool(ToolPath("converter/converter"),
                             {"--checkpoint_path=" + path,
                              "--pytorch_dump_folder_path=" + dir + "/out"}),
                     "already appears under another name");
  EXPECT_FALSE(PathExists(dir + "/out"));
  EXPECT_TRUE(StagingIn(dir).empty());
}

TEST(HostileInputTest, NonUtf8DictionaryTokenIsAnErrorNamingFileAndLine) {
  const std::string dir = Scratch("dict_utf8");
  std::string dict = Slurp(FixturePath("finetuned/dict.ltr.txt"));
  ASSERT_GT(dict.size(), 2u);
  dict[0] = '\xff';  // first line's token
  std::ofstream(dir + "/dict.ltr.txt", std::ios::binary) << dict;
  ToolResult r =
      RunTool(ToolPath("converter/converter"),
              {"--checkpoint_path=" + FixturePath("finetuned/checkpoint.pt"),
               "--dict_path=" + dir + "/dict.ltr.txt",
               "--pytorch_dump_folder_path=" + dir + "/out"});
  ExpectOneLineError(r,
                     dir + "/dict.ltr.txt: line 1: symbol is not valid UTF-8");
  EXPECT_FALSE(PathExists(dir + "/out"));
  EXPECT_TRUE(StagingIn(dir).empty());
}

// Starts the converter on a base-size checkpoint (fp32 to fp16, so each
// tensor is cast through a window), and stops it once its staging folder
// exists, so that a signal is sure to arrive mid-conversion.
class InterruptedConversionTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    checkpoint_ = TempDir() + "/base_checkpoint.pt";
    ToolResult made = RunTool(ToolPath("pipelines/make_checkpoint"),
                              {"--size=base", "--output=" + checkpoint_});
    ASSERT_EQ(made.exit_code, 0) << made.err;
  }

  // Returns the converter's pid, stopped with SIGSTOP while staging.
  pid_t StartAndStopWhileStaging(const std::string& out) {
    const std::string binary = ToolPath("converter/converter");
    std::vector<std::string> args = {binary, "--checkpoint_path=" + checkpoint_,
                                     "--pytorch_dump_folder_path=" + out,
                                     "--dtype=float16"};
    std::vector<char*> argv;
    for (std::string& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    pid_t pid;
    if (::posix_spawn(&pid, binary.c_str(), nullptr, nullptr, argv.data(),
                      environ) != 0)
      return -1;
    const std::string parent = out.substr(0, out.find_last_of('/'));
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (std::chrono::steady_clock::now() < deadline) {
      if (!StagingIn(parent).empty()) {
        ::kill(pid, SIGSTOP);
        return pid;
      }
      int status;
      if (::waitpid(pid, &status, WNOHANG) == pid) return -1;  // too fast
      std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
    ::kill(pid, SIGKILL);
    return -1;
  }

  static int Wait(pid_t pid) {
    int status = 0;
    ::waitpid(pid, &status, 0);
    return status;
  }

  static std::string checkpoint_;
};

std::string InterruptedConversionTest::checkpoint_;

TEST_F(InterruptedConversionTest, SigtermRemovesTheStagingFolderAndExits143) {
  const std::string dir = Scratch("sigterm");
  pid_t pid = StartAndStopWhileStaging(dir + "/out");
  ASSERT_GT(pid, 0) << "the conversion ended before it could be interrupted";
  ASSERT_EQ(StagingIn(dir).size(), 1u);
  ::kill(pid, SIGTERM);
  ::kill(pid, SIGCONT);
  int status = Wait(pid);
  ASSERT_TRUE(WIFEXITED(status)) << "status " << status;
  EXPECT_EQ(WEXITSTATUS(status), 128 + SIGTERM);
  EXPECT_TRUE(Entries(dir).empty());
}

TEST_F(InterruptedConversionTest, NextRunReclaimsWhatASigkilledRunLeft) {
  const std::string dir = Scratch("sigkill");
  pid_t pid = StartAndStopWhileStaging(dir + "/out");
  ASSERT_GT(pid, 0) << "the conversion ended before it could be interrupted";
  ::kill(pid, SIGKILL);
  int status = Wait(pid);
  ASSERT_TRUE(WIFSIGNALED(status));
  std::vector<std::string> left = StagingIn(dir);
  ASSERT_EQ(left.size(), 1u);  // SIGKILL cannot be caught
  EXPECT_TRUE(PathExists(dir + "/" + left[0] + "/" + kStagingLock));

  ToolResult again = RunTool(ToolPath("converter/converter"),
                             {"--checkpoint_path=" + checkpoint_,
                              "--pytorch_dump_folder_path=" + dir + "/out"});
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_EQ(Entries(dir), std::vector<std::string>{"out"});
  EXPECT_FALSE(PathExists(dir + "/out/" + kStagingLock));
}

TEST(StagingTest, StagingOfARunningOwnerIsNeverTouched) {
  const std::string dir = Scratch("live_owner");
  const std::string live = dir + "/.out.partial-Live01";
  const std::string dead = dir + "/.out.partial-Dead01";
  const std::string other = dir + "/.other.partial-Dead02";
  for (const std::string& d : {live, dead, other}) {
    ::mkdir(d.c_str(), 0755);
    std::ofstream(d + "/" + kStagingLock) << "";
    std::ofstream(d + "/model.safetensors") << "partial";
  }
  // This test process plays the owner that still runs.
  int fd = ::open((live + "/" + kStagingLock).c_str(), O_RDONLY);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::flock(fd, LOCK_EX), 0);

  ToolResult r =
      RunTool(ToolPath("converter/converter"),
              {"--checkpoint_path=" + FixturePath("pretrained/checkpoint.pt"),
               "--pytorch_dump_folder_path=" + dir + "/out"});
  ::close(fd);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(PathExists(live + "/model.safetensors"));
  EXPECT_FALSE(PathExists(dead));
  EXPECT_TRUE(PathExists(other));  // another target's staging
  EXPECT_TRUE(PathExists(dir + "/out/config.json"));
}

TEST(PackageTest, FailedParityIsNotPackaged) {
  const std::string dir = Scratch("package_failed");
  ToolResult converted =
      RunTool(ToolPath("converter/converter"),
              {"--checkpoint_path=" + FixturePath("pretrained/checkpoint.pt"),
               "--pytorch_dump_folder_path=" + dir + "/model"});
  ASSERT_EQ(converted.exit_code, 0) << converted.err;
  std::ofstream(dir + "/parity.md") << "| utt | max abs diff |\n| a | 0.25 |\n";
  std::ofstream(dir + "/VERSION") << "1.0.0\n";
  std::ofstream(dir + "/versions.json") << "{}";
  auto package = [&](bool passed, double max_abs_diff) {
    std::ofstream(dir + "/parity.json")
        << R"({"modelKind": "pretrained", "atol": 0.0001, "passed": )"
        << (passed ? "true" : "false")
        << R"(, "overall": {"name": "all", "maxAbsDiff": )" << max_abs_diff
        << "}}";
    return RunTool(ToolPath("pipelines/package"),
                   {"--name=m", "--model_dir=" + dir + "/model",
                    "--parity_report=" + dir + "/parity.json",
                    "--version_file=" + dir + "/VERSION",
                    "--toolchain_versions=" + dir + "/versions.json",
                    "--output=" + dir + "/m.tar.gz"});
  };
  ToolResult failed = package(false, 0.25);
  ExpectOneLineError(failed,
                     "parity FAILED (max abs diff 0.25, tolerance 0.0001)");
  EXPECT_TRUE(absl::StrContains(failed.out, "| a | 0.25 |")) << failed.out;
  EXPECT_FALSE(PathExists(dir + "/m.tar.gz"));
  EXPECT_FALSE(PathExists(dir + "/m.tar.gz.partial"));

  // The same report, passed, packages.
  ToolResult ok = package(true, 0.0);
  EXPECT_EQ(ok.exit_code, 0) << ok.err;
  EXPECT_TRUE(PathExists(dir + "/m.tar.gz"));
}

}  // namespace
}  // namespace fairport
