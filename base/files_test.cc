#include "base/files.h"

#include <sys/stat.h>

#include <cstdlib>
#include <fstream>

#include "gtest/gtest.h"

namespace fairport {
namespace {

std::string Temp(const std::string& name) {
  const char* dir = std::getenv("TEST_TMPDIR");
  return std::string(dir != nullptr ? dir : "/tmp") + "/" + name;
}

bool Exists(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0;
}

TEST(FilesTest, WriteThenReadRoundTripsBytesAndReplacesOldContents) {
  const std::string path = Temp("round_trip.bin");
  const std::string bytes("a\0b\xff\n", 5);
  ASSERT_TRUE(WriteFileAtomically(path, "old contents, longer").ok());
  ASSERT_TRUE(WriteFileAtomically(path, bytes).ok());
  absl::StatusOr<std::string> read = ReadFile(path);
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_EQ(*read, bytes);
  EXPECT_FALSE(Exists(path + ".partial"));
}

TEST(FilesTest, MissingFileIsNotFoundNamingIt) {
  const std::string path = Temp("no_such_file");
  absl::StatusOr<std::string> read = ReadFile(path);
  ASSERT_FALSE(read.ok());
  EXPECT_EQ(read.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(read.status().message().find(path + ": cannot open"), 0u)
      << read.status();
}

TEST(FilesTest, UnwritableTargetFailsNamingItAndLeavesNothing) {
  const std::string dir = Temp("a_directory");
  ::mkdir(dir.c_str(), 0755);
  // Renaming a file over a directory fails after the partial file is
  // written: the partial file must not stay behind.
  absl::Status status = WriteFileAtomically(dir, "x");
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.message().find(dir + ": cannot write"), 0u) << status;
  EXPECT_FALSE(Exists(dir + ".partial"));
  const std::string missing = Temp("no_such_dir/file");
  EXPECT_FALSE(WriteFileAtomically(missing, "x").ok());
}

}  // namespace
}  // namespace fairport
