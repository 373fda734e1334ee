#include "formats/torch_archive.h"

#include <cstring>
#include <fstream>

#include "gtest/gtest.h"
#include "tests/fixtures.h"
#include "tests/zip_builder.h"

namespace fairport {
namespace {

std::string P(std::initializer_list<int> bytes) {
  std::string s;
  for (int b : bytes) s.push_back(static_cast<char>(b));
  return s;
}

// _rebuild_tensor_v2(('storage', FloatStorage, '0', 'cpu', 6), 0, (3, 2), (1,
// 3), False, ()): the transpose of a row-major 2x3 matrix, as x.t() pickles.
std::string TransposedTensorPickle() {
  return P({0x80, 2, 'c'}) + "torch._utils\n_rebuild_tensor_v2\n" +
         P({'(', '(', 'X', 7, 0, 0, 0}) + "storage" + P({'c'}) +
         "torch\nFloatStorage\n" + P({'X', 1, 0, 0, 0, '0', 'X', 3, 0, 0, 0}) +
         "cpu" + P({'K', 6, 't', 'Q', 'K',  0,    'K', 3,   'K', 2,  0x86,
                    'K', 1, 'K', 3,   0x86, 0x89, ')', 't', 'R', '.'});
}

std::string Floats(std::initializer_list<float> values) {
  std::string s(values.size() * 4, '\0');
  std::memcpy(s.data(), values.begin(), s.size());
  return s;
}

// _rebuild_tensor_v2(('storage', FloatStorage, '0', 'cpu', 2**62 + 10), 0,
// (10,), (1,), False, ()): 10 floats of a storage whose byte size,
// (2**62 + 10) * 4, wraps to 40 in 64 bits.
std::string WrappingStoragePickle() {
  return P({0x80, 2, 'c'}) + "torch._utils\n_rebuild_tensor_v2\n" +
         P({'(', '(', 'X', 7, 0, 0, 0}) + "storage" + P({'c'}) +
         "torch\nFloatStorage\n" + P({'X', 1, 0, 0, 0, '0', 'X', 3, 0, 0, 0}) +
         "cpu" +
         P({0x8a, 8,   10, 0,    0,   0, 0,    0,    0,   0x40, 't', 'Q', 'K',
            0,    'K', 10, 0x85, 'K', 1, 0x85, 0x89, ')', 't',  'R', '.'});
}

TEST(TorchArchiveTest, RejectsStorageWhoseByteSizeOverflows) {
  std::string path = testing::TempDir() + "/wrapping.pt";
  std::ofstream(path, std::ios::binary)
      << testing::BuildZip({{"arc/data.pkl", WrappingStoragePickle()},
                            {"arc/data/0", std::string(40, '\0')},
                            {"arc/version", "3\n"}});
  absl::StatusOr<TorchArchive> archive = TorchArchive::Open(path);
  ASSERT_FALSE(archive.ok());
  EXPECT_NE(archive.status().message().find(
                "claims 4611686018427387914 elements of float32, more bytes "
                "than 64 bits can count"),
            std::string::npos)
      << archive.status();
}

TEST(TorchArchiveTest, MaterialisesNonContiguousViewsInRowMajorOrder) {
  std::string path = testing::TempDir() + "/transposed.pt";
  std::ofstream(path, std::ios::binary)
      << testing::BuildZip({{"arc/data.pkl", TransposedTensorPickle()},
                            {"arc/data/0", Floats({0, 1, 2, 3, 4, 5})},
                            {"arc/version", "3\n"}});
  absl::StatusOr<TorchArchive> archive = TorchArchive::Open(path);
  ASSERT_TRUE(archive.ok()) << archive.status();
  EXPECT_EQ(archive->root_folder(), "arc");
  const TensorRef& t = archive->root().tensor();
  absl::StatusOr<EntryBytes> bytes = archive->TensorBytes(t);
  ASSERT_TRUE(bytes.ok()) << bytes.status();
  EXPECT_FALSE(bytes->mapped());
  // element [i][j] of the view is storage[i + 3j]
  EXPECT_EQ(bytes->view(), Floats({0, 3, 1, 4, 2, 5}));
}

TEST(TorchArchiveTest, ContiguousTensorsAreViewsIntoTheFile) {
  absl::StatusOr<TorchArchive> archive =
      TorchArchive::Open(testing::FixturePath("finetuned/checkpoint.pt"));
  ASSERT_TRUE(archive.ok()) << archive.status();
  const PickleValue* model = archive->root().Find("model");
  ASSERT_NE(model, nullptr);
  absl::StatusOr<EntryBytes> bytes =
      archive->TensorBytes(model->entries()[0].second->tensor());
  ASSERT_TRUE(bytes.ok());
  EXPECT_TRUE(bytes->mapped());
  EXPECT_EQ(bytes->view().size(), 40u * 4);
}

TEST(TorchArchiveTest, RejectsEntriesOutsideTheArchiveFolder) {
  std::string path = testing::TempDir() + "/stray.pt";
  std::ofstream(path, std::ios::binary) << testing::BuildZip(
      {{"arc/data.pkl", P({0x80, 2, 'N', '.'})}, {"other/x", "1"}});
  absl::StatusOr<TorchArchive> archive = TorchArchive::Open(path);
  ASSERT_FALSE(archive.ok());
  EXPECT_NE(archive.status().message().find("outside the archive folder"),
            std::string::npos);
}

}  // namespace
}  // namespace fairport
