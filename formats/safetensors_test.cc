// SafetensorsFile against hand-written headers: every tensor's
// data_offsets must hold exactly what its dtype and shape need, the
// tensors must tile the data area, and errors name the file and tensor.
#include "formats/safetensors.h"

#include <fstream>
#include <string>

#include "absl/strings/match.h"
#include "gtest/gtest.h"
#include "tests/fixtures.h"

namespace fairport {
namespace {

using ::fairport::testing::TempDir;

// A file of `header` (JSON) and `data` bytes, its length prefix correct
// unless `header_length` says otherwise.
std::string Write(const std::string& name, const std::string& header,
                  const std::string& data, uint64_t header_length = 0) {
  if (header_length == 0) header_length = header.size();
  std::string bytes;
  for (int i = 0; i < 8; ++i)
    bytes.push_back(static_cast<char>(header_length >> (8 * i)));
  const std::string path = TempDir() + "/" + name + ".safetensors";
  std::ofstream(path, std::ios::binary) << bytes << header << data;
  return path;
}

std::string ErrorOf(const std::string& name, const std::string& header,
                    const std::string& data, uint64_t header_length = 0) {
  absl::StatusOr<SafetensorsFile> file =
      SafetensorsFile::Open(Write(name, header, data, header_length));
  EXPECT_FALSE(file.ok());
  return file.ok() ? "" : std::string(file.status().message());
}

TEST(SafetensorsTest, ReadsTensorsInDataOrder) {
  absl::StatusOr<SafetensorsFile> file = SafetensorsFile::Open(
      Write("good",
            R"({"b":{"dtype":"I64","shape":[1],"data_offsets":[8,16]},)"
            R"("a":{"dtype":"F16","shape":[2,2],"data_offsets":[0,8]},)"
            R"("__metadata__":{"k":"v"}})",
            std::string(16, 'x')));
  ASSERT_TRUE(file.ok()) << file.status();
  ASSERT_EQ(file->entries().size(), 2u);
  EXPECT_EQ(file->entries()[0].name, "a");
  EXPECT_EQ(file->Bytes(*file->Find("b")).size(), 8u);
  EXPECT_EQ(file->metadata().at("k"), "v");
}

TEST(SafetensorsTest, RefusesOffsetsThatDoNotHoldTheShape) {
  EXPECT_TRUE(absl::StrContains(
      ErrorOf("short",
              R"({"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}})",
              std::string(8, 'x')),
      "short.safetensors: a: data_offsets [0, 8) do not hold 12 bytes"));
}

TEST(SafetensorsTest, RefusesAShapeWhoseSizeOverflows) {
  EXPECT_TRUE(absl::StrContains(
      ErrorOf("overflow",
              R"({"a":{"dtype":"F64","shape":[4294967296,4294967296],)"
              R"("data_offsets":[0,0]}})",
              ""),
      "a: shape overflows"));
}

TEST(SafetensorsTest, RefusesNegativeShapesAndOffsets) {
  EXPECT_TRUE(absl::StrContains(
      ErrorOf("negative_shape",
              R"({"a":{"dtype":"F32","shape":[-1],"data_offsets":[0,0]}})", ""),
      "a: shape entries must be non-negative ints"));
  EXPECT_TRUE(absl::StrContains(
      ErrorOf("negative_offset",
              R"({"a":{"dtype":"F32","shape":[0],"data_offsets":[-4,0]}})", ""),
      "a: data_offsets must be non-negative ints"));
}

TEST(SafetensorsTest, RefusesGapsAndOverlaps) {
  EXPECT_TRUE(absl::StrContains(
      ErrorOf("gap",
              R"({"a":{"dtype":"U8","shape":[2],"data_offsets":[0,2]},)"
              R"("b":{"dtype":"U8","shape":[2],"data_offsets":[3,5]}})",
              std::string(5, 'x')),
      "b: data does not follow on from the previous tensor"));
  EXPECT_TRUE(absl::StrContains(
      ErrorOf("overlap",
              R"({"a":{"dtype":"U8","shape":[2],"data_offsets":[0,2]},)"
              R"("b":{"dtype":"U8","shape":[2],"data_offsets":[1,3]}})",
              std::string(3, 'x')),
      "b: data does not follow on from the previous tensor"));
}

TEST(SafetensorsTest, NamesTheTensorThatRunsPastATruncatedFile) {
  EXPECT_TRUE(absl::StrContains(
      ErrorOf("truncated",
              R"({"a":{"dtype":"U8","shape":[2],"data_offsets":[0,2]},)"
              R"("b":{"dtype":"F32","shape":[2],"data_offsets":[2,10]}})",
              std::string(6, 'x')),
      "truncated.safetensors: b: data ends at byte 10 of a 6-byte data area"));
}

TEST(SafetensorsTest, RefusesTrailingBytes) {
  EXPECT_TRUE(absl::StrContains(
      ErrorOf("trailing",
              R"({"a":{"dtype":"U8","shape":[2],"data_offsets":[0,2]}})",
              std::string(3, 'x')),
      "tensors cover 2 bytes of a 3-byte data area"));
}

TEST(SafetensorsTest, RefusesAHeaderLongerThanTheFile) {
  EXPECT_TRUE(absl::StrContains(ErrorOf("long_header", "{}", "", 1000),
                                "header length 1000 exceeds the file"));
}

TEST(SafetensorsTest, RefusesAnUnknownDtype) {
  EXPECT_TRUE(absl::StrContains(
      ErrorOf("dtype",
              R"({"a":{"dtype":"F8_E4M3","shape":[1],"data_offsets":[0,1]}})",
              "x"),
      "a: unsupported dtype F8_E4M3"));
}

}  // namespace
}  // namespace fairport
