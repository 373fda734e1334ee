#include "base/progress.h"

#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_split.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"

namespace fairport {
namespace {

// A clock that reads what the test sets.
class FakeClock {
 public:
  ProgressOutput Output(std::ostream& out, bool terminal) {
    ProgressOutput output;
    output.out = &out;
    output.terminal = terminal;
    output.clock = [this] { return now_; };
    return output;
  }
  void Advance(absl::Duration d) { now_ += d; }

 private:
  absl::Time now_ = absl::FromUnixSeconds(1000000);
};

std::vector<std::string> Lines(const std::string& text) {
  return absl::StrSplit(text, '\n', absl::SkipEmpty());
}

TEST(ProgressMeterTest, NotOnATerminalPrintsALineEachTenth) {
  FakeClock clock;
  std::ostringstream out;
  {
    ProgressMeter meter(clock.Output(out, false), "fairseq pass", "utterances",
                        40);
    // Batches of 3 utterances, 2 s each.
    for (int done = 3; done < 40; done += 3) {
      clock.Advance(absl::Seconds(2));
      meter.Update(done);
    }
    clock.Advance(absl::Seconds(2));
    meter.Update(40);
  }
  // Tenths of 40 are 4, 8, ...: the first update at or past each.
  EXPECT_EQ(Lines(out.str()),
            (std::vector<std::string>{
                "fairseq pass: 6/40 utterances (15%), 4.0 s elapsed, about "
                "22.7 s left",
                "fairseq pass: 9/40 utterances (22%), 6.0 s elapsed, about "
                "20.7 s left",
                "fairseq pass: 12/40 utterances (30%), 8.0 s elapsed, about "
                "18.7 s left",
                "fairseq pass: 18/40 utterances (45%), 12.0 s elapsed, about "
                "14.7 s left",
                "fairseq pass: 21/40 utterances (52%), 14.0 s elapsed, about "
                "12.7 s left",
                "fairseq pass: 24/40 utterances (60%), 16.0 s elapsed, about "
                "10.7 s left",
                "fairseq pass: 30/40 utterances (75%), 20.0 s elapsed, about "
                "6.7 s left",
                "fairseq pass: 33/40 utterances (82%), 22.0 s elapsed, about "
                "4.7 s left",
                "fairseq pass: 36/40 utterances (90%), 24.0 s elapsed, about "
                "2.7 s left",
                "fairseq pass: 40/40 utterances, done in 28.0 s",
            }));
  EXPECT_EQ(out.str().find('\r'), std::string::npos);
}

TEST(ProgressMeterTest, NotOnATerminalOneBatchPrintsOnlyTheEnd) {
  FakeClock clock;
  std::ostringstream out;
  ProgressMeter meter(clock.Output(out, false), "HF pass", "utterances", 12);
  clock.Advance(absl::Seconds(75));
  meter.Update(12);
  EXPECT_EQ(out.str(), "HF pass: 12/12 utterances, done in 1m15s\n");
}

TEST(ProgressMeterTest, OnATerminalRewritesOneLine) {
  FakeClock clock;
  std::ostringstream out;
  {
    ProgressMeter meter(clock.Output(out, true), "HF pass", "utterances", 8);
    clock.Advance(absl::Seconds(1));
    meter.Update(1);
    clock.Advance(absl::Seconds(3));
    meter.Update(8);
  }
  const std::string first = "HF pass: 0/8 utterances, 0.0 s elapsed";
  const std::string second =
      "HF pass: 1/8 utterances (12%), 1.0 s elapsed, about 7.0 s left";
  const std::string last = "HF pass: 8/8 utterances, done in 4.0 s";
  EXPECT_EQ(out.str(), "\r" + first + "\r" + second + "\r" + last +
                           std::string(second.size() - last.size(), ' ') +
                           "\n");
}

TEST(ProgressMeterTest, OnATerminalAnUnfinishedLineIsClearedForTheError) {
  FakeClock clock;
  std::ostringstream out;
  {
    ProgressMeter meter(clock.Output(out, true), "fairseq pass", "utterances",
                        100);
    meter.Update(16);
  }
  const std::string shown =
      "fairseq pass: 16/100 utterances (16%), 0.0 s elapsed, about 0.0 s "
      "left";
  const std::string start = "fairseq pass: 0/100 utterances, 0.0 s elapsed";
  EXPECT_EQ(out.str(), "\r" + start + "\r" + shown + "\r" +
                           std::string(shown.size(), ' ') + "\r");
}

TEST(ProgressMeterTest, FewerThanEightItemsPrintNothing) {
  for (bool terminal : {false, true}) {
    FakeClock clock;
    std::ostringstream out;
    {
      ProgressMeter meter(clock.Output(out, terminal), "fairseq pass",
                          "utterances", ProgressMeter::kQuietBelow - 1);
      for (int done = 1; done < ProgressMeter::kQuietBelow; ++done) {
        clock.Advance(absl::Seconds(10));
        meter.Update(done);
      }
    }
    EXPECT_EQ(out.str(), "") << "terminal: " << terminal;
  }
}

TEST(ProgressDurationTest, ReadsAsPeopleWriteIt) {
  EXPECT_EQ(ProgressDuration(absl::Milliseconds(400)), "0.4 s");
  EXPECT_EQ(ProgressDuration(absl::Seconds(59)), "59.0 s");
  EXPECT_EQ(ProgressDuration(absl::Seconds(185)), "3m05s");
  EXPECT_EQ(ProgressDuration(absl::Seconds(2 * 3600 + 7 * 60 + 30)), "2h07m");
}

}  // namespace
}  // namespace fairport
