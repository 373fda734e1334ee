#include "converter/conversion.h"

#include <cstdint>
#include <fstream>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "gtest/gtest.h"
#include "tests/fixtures.h"
#include "tests/zip_builder.h"

namespace fairport {
namespace {

using ::fairport::testing::FixturePath;
using ::fairport::testing::Slurp;
using ::fairport::testing::TempDir;

// What this process has read through read(2) and pread(2): /proc/self/io's
// rchar. The CRC pass reads with pread; the conversion itself reads the
// checkpoint through its mapping, which rchar does not count.
uint64_t BytesRead() {
  for (absl::string_view line : absl::StrSplit(Slurp("/proc/self/io"), '\n')) {
    uint64_t n = 0;
    if (absl::ConsumePrefix(&line, "rchar: ") && absl::SimpleAtoi(line, &n))
      return n;
  }
  ADD_FAILURE() << "/proc/self/io has no rchar";
  return 0;
}

ConversionOptions OptionsFor(const std::string& checkpoint,
                             const std::string& out) {
  ConversionOptions options;
  options.checkpoint_path = checkpoint;
  options.output_dir = out;
  return options;
}

// The measure sees the CRC pass: a conversion that gets that far reads at
// least the whole file.
TEST(ConversionTest, CompleteConversionReadsTheWholeFileForItsCrcs) {
  const std::string checkpoint = FixturePath("finetuned/checkpoint.pt");
  ConversionOptions options =
      OptionsFor(checkpoint, TempDir() + "/conversion_complete");
  options.dict_path = FixturePath("finetuned/dict.ltr.txt");
  const uint64_t before = BytesRead();
  absl::StatusOr<ConversionSummary> summary = Convert(options);
  const uint64_t read = BytesRead() - before;
  ASSERT_TRUE(summary.ok()) << summary.status();
  EXPECT_GE(read, Slurp(checkpoint).size());
}

// A model no family claims, in a file whose last entry (16 MB) is damaged:
// the model error is reported without the CRC pass reading the file (it
// would also have found the damage, and waited for all of it).
TEST(ConversionTest, UnclaimedModelIsReportedBeforeTheCrcPassReadsTheFile) {
  // {'cfg': {'model': {'_name': 'wav2vec'}, 'task': {}}, 'model': {}}
  using std::string_literals::operator""s;
  const std::string pickle =
      "\x80\x02}(X\x03\x00\x00\x00"
      "cfg}(X\x05\x00\x00\x00model}X\x05\x00\x00\x00_nameX\x07\x00\x00\x00"
      "wav2vecsX\x04\x00\x00\x00task}uX\x05\x00\x00\x00model}u."s;
  constexpr size_t kEntryBytes = 16 << 20;
  std::string zip =
      testing::BuildZip({{"w/data.pkl", pickle},
                         {"w/version", "3\n"},
                         {"w/data/0", std::string(kEntryBytes, 'A')}});
  const size_t payload = zip.find(std::string(4096, 'A'));
  ASSERT_NE(payload, std::string::npos);
  zip[payload + kEntryBytes / 2] ^= 0x10;
  const std::string checkpoint = TempDir() + "/unclaimed_damaged.pt";
  std::ofstream(checkpoint, std::ios::binary) << zip;

  const uint64_t before = BytesRead();
  absl::StatusOr<ConversionSummary> summary =
      Convert(OptionsFor(checkpoint, TempDir() + "/unclaimed_damaged"));
  const uint64_t read = BytesRead() - before;
  ASSERT_FALSE(summary.ok());
  EXPECT_TRUE(absl::StrContains(summary.status().message(),
                                "model 'wav2vec' (cfg.model._name) belongs to "
                                "no family Fairport converts"))
      << summary.status();
  EXPECT_LT(read, kEntryBytes / 4);
}

}  // namespace
}  // namespace fairport
