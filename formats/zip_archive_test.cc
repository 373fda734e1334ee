#include "formats/zip_archive.h"

#include <fstream>

#include "gtest/gtest.h"
#include "tests/fixtures.h"
#include "tests/zip_builder.h"

namespace fairport {
namespace {

using ::fairport::testing::BuildZip;
using ::fairport::testing::FixturePath;
using ::fairport::testing::ZipSpec;

std::string WriteTemp(const std::string& name, const std::string& bytes) {
  std::string path = ::fairport::testing::TempDir() + "/" + name;
  std::ofstream(path, std::ios::binary) << bytes;
  return path;
}

TEST(ZipArchiveTest, ReadsStoredAndDeflatedEntries) {
  std::string big(100000, 'x');
  std::string path = WriteTemp(
      "mixed.zip",
      BuildZip({{"a/one", "hello"}, {"a/two", big, /*deflate=*/true}}));
  absl::StatusOr<ZipArchive> zip = ZipArchive::Open(path);
  ASSERT_TRUE(zip.ok()) << zip.status();
  ASSERT_EQ(zip->entries().size(), 2u);
  absl::StatusOr<EntryBytes> one = zip->Contents(*zip->Find("a/one"));
  ASSERT_TRUE(one.ok());
  EXPECT_EQ(one->view(), "hello");
  EXPECT_TRUE(one->mapped());
  absl::StatusOr<EntryBytes> two = zip->Contents(*zip->Find("a/two"));
  ASSERT_TRUE(two.ok()) << two.status();
  EXPECT_EQ(two->view(), big);
  EXPECT_TRUE(zip->VerifyAllCrcs().ok());
}

TEST(ZipArchiveTest, ReadsZip64ExtraFields) {
  std::string path = WriteTemp(
      "z64.zip", BuildZip({{"r/data", "0123456789", false, /*zip64=*/true}}));
  absl::StatusOr<ZipArchive> zip = ZipArchive::Open(path);
  ASSERT_TRUE(zip.ok()) << zip.status();
  EXPECT_EQ(zip->entries()[0].uncompressed_size, 10u);
  EXPECT_EQ(zip->Contents(zip->entries()[0])->view(), "0123456789");
}

TEST(ZipArchiveTest, RejectsDuplicateNames) {
  std::string path =
      WriteTemp("dup.zip", BuildZip({{"r/x", "1"}, {"r/x", "2"}}));
  absl::StatusOr<ZipArchive> zip = ZipArchive::Open(path);
  ASSERT_FALSE(zip.ok());
  EXPECT_NE(zip.status().message().find("duplicate entry name r/x"),
            std::string::npos)
      << zip.status();
}

TEST(ZipArchiveTest, RejectsTruncatedArchiveNamingTheFile) {
  std::string bytes = BuildZip({{"r/x", std::string(1000, 'a')}});
  std::string path = WriteTemp("trunc.zip", bytes.substr(0, 600));
  absl::StatusOr<ZipArchive> zip = ZipArchive::Open(path);
  ASSERT_FALSE(zip.ok());
  EXPECT_NE(zip.status().message().find(path), std::string::npos);
  EXPECT_NE(zip.status().message().find("end-of-central-directory"),
            std::string::npos);
}

TEST(ZipArchiveTest, RejectsBadLocalHeaderSignature) {
  std::string bytes = BuildZip({{"r/x", "abc"}});
  bytes[0] = 'Q';
  absl::StatusOr<ZipArchive> zip =
      ZipArchive::Open(WriteTemp("badlocal.zip", bytes));
  ASSERT_FALSE(zip.ok());
  EXPECT_NE(zip.status().message().find("bad local header"), std::string::npos)
      << zip.status();
}

TEST(ZipArchiveTest, CrcMismatchNamesTheEntry) {
  std::string bytes = BuildZip({{"r/x", "abcdef"}, {"r/y", "ghijkl"}});
  bytes[30 + 3 + 6 + 30 + 3 + 2] ^= 0x01;  // a payload byte of r/y
  absl::StatusOr<ZipArchive> zip =
      ZipArchive::Open(WriteTemp("crc.zip", bytes));
  ASSERT_TRUE(zip.ok()) << zip.status();  // opening reads headers only
  absl::Status crc = zip->VerifyAllCrcs();
  ASSERT_FALSE(crc.ok());
  EXPECT_NE(crc.message().find("r/y: CRC-32 mismatch"), std::string::npos)
      << crc;
}

TEST(ZipArchiveTest, RefusesLegacyTorchSaveFormat) {
  absl::StatusOr<ZipArchive> zip = ZipArchive::Open(WriteTemp(
      "legacy.pt", std::string("\x80\x02\x8a\x0a", 4) + std::string(40, '\0')));
  ASSERT_FALSE(zip.ok());
  EXPECT_NE(zip.status().message().find("legacy (pre-1.6) torch.save"),
            std::string::npos);
}

TEST(ZipArchiveTest, FixtureCentralDirectoryPastEofIsRejected) {
  absl::StatusOr<ZipArchive> zip =
      ZipArchive::Open(FixturePath("bad/cd_offset_past_eof/checkpoint.pt"));
  ASSERT_FALSE(zip.ok());
  EXPECT_NE(zip.status().message().find("central directory at offset 933490"),
            std::string::npos)
      << zip.status();
}

TEST(ZipArchiveTest, FixtureBitFlipIsFoundByCrcPass) {
  absl::StatusOr<ZipArchive> zip =
      ZipArchive::Open(FixturePath("bad/bad_crc_storage/checkpoint.pt"));
  ASSERT_TRUE(zip.ok()) << zip.status();
  absl::Status crc = zip->VerifyAllCrcs();
  ASSERT_FALSE(crc.ok());
  EXPECT_NE(crc.message().find("checkpoint/data/106: CRC-32 mismatch"),
            std::string::npos)
      << crc;
}

TEST(ZipArchiveTest, FixtureLayoutIsAsTorchSaveWritesIt) {
  absl::StatusOr<ZipArchive> zip =
      ZipArchive::Open(FixturePath("finetuned/checkpoint.pt"));
  ASSERT_TRUE(zip.ok()) << zip.status();
  EXPECT_EQ(zip->entries().front().name, "checkpoint/data.pkl");
  EXPECT_EQ(zip->entries().back().name, "checkpoint/version");
  for (const ZipEntry& e : zip->entries())
    EXPECT_EQ(e.data_offset % 64, 0u) << e.name;
  EXPECT_TRUE(zip->VerifyAllCrcs().ok());
}

}  // namespace
}  // namespace fairport
