// Progress of a long run over a known number of items (the utterances of a
// dataset), for people watching stderr: on a terminal one line rewritten in
// place ("\r") at every update; elsewhere (a log file, a pipe, a Bazel
// action) a line each time another tenth of the items is done. Each line
// gives the items done of the total, the time elapsed and an estimate of
// the time left (the mean time per item so far, times the items left).
//
// A run of fewer than kQuietBelow items prints nothing: it ends before
// progress would tell anyone anything, and stderr stays for errors.
#ifndef FAIRPORT_BASE_PROGRESS_H_
#define FAIRPORT_BASE_PROGRESS_H_

#include <cstdint>
#include <functional>
#include <ostream>
#include <string>

#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace fairport {

// Where progress goes; a null `out` shows none.
struct ProgressOutput {
  std::ostream* out = nullptr;
  bool terminal = false;
  std::function<absl::Time()> clock = [] { return absl::Now(); };

  // std::cerr, rewritten in place when stderr is a terminal.
  static ProgressOutput Stderr();
};

class ProgressMeter {
 public:
  static constexpr int64_t kQuietBelow = 8;

  // Starts the clock; on a terminal, shows 0 of `total` at once. Lines
  // read "<label>: <done>/<total> <unit> ...".
  ProgressMeter(const ProgressOutput& output, std::string label,
                std::string unit, int64_t total);
  // Clears a terminal line left unfinished (the run failed), so that an
  // error printed next stands on a line of its own.
  ~ProgressMeter();
  ProgressMeter(const ProgressMeter&) = delete;
  ProgressMeter& operator=(const ProgressMeter&) = delete;

  // `done` of the total items are finished (it never goes down).
  void Update(int64_t done);

 private:
  std::string Line(int64_t done) const;
  void Show(int64_t done);

  ProgressOutput output_;
  std::string label_;
  std::string unit_;
  int64_t total_;
  int64_t tenth_ = 1;
  absl::Time start_;
  int64_t next_line_at_ = 0;  // not on a terminal: the next tenth
  size_t shown_width_ = 0;    // on a terminal: the line now shown
  bool finished_ = false;
};

// "0.4 s", "12.0 s", "3m05s", "2h07m".
std::string ProgressDuration(absl::Duration d);

}  // namespace fairport

#endif  // FAIRPORT_BASE_PROGRESS_H_
