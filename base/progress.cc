#include "base/progress.h"

#include <unistd.h>

#include <algorithm>
#include <iostream>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace fairport {

ProgressOutput ProgressOutput::Stderr() {
  ProgressOutput output;
  output.out = &std::cerr;
  output.terminal = ::isatty(STDERR_FILENO) == 1;
  return output;
}

std::string ProgressDuration(absl::Duration d) {
  const int64_t seconds = absl::ToInt64Seconds(d);
  if (seconds < 60) return absl::StrFormat("%.1f s", absl::ToDoubleSeconds(d));
  if (seconds < 3600)
    return absl::StrFormat("%dm%02ds", seconds / 60, seconds % 60);
  return absl::StrFormat("%dh%02dm", seconds / 3600, seconds / 60 % 60);
}

ProgressMeter::ProgressMeter(const ProgressOutput& output, std::string label,
                             std::string unit, int64_t total)
    : output_(output),
      label_(std::move(label)),
      unit_(std::move(unit)),
      total_(total) {
  if (output_.out == nullptr || total_ < kQuietBelow) {
    output_.out = nullptr;
    return;
  }
  start_ = output_.clock();
  tenth_ = (total_ + 9) / 10;
  next_line_at_ = tenth_;
  if (output_.terminal) Show(0);
}

ProgressMeter::~ProgressMeter() {
  if (output_.out == nullptr || finished_ || shown_width_ == 0) return;
  *output_.out << '\r' << std::string(shown_width_, ' ') << '\r' << std::flush;
}

void ProgressMeter::Update(int64_t done) {
  if (output_.out == nullptr || finished_) return;
  done = std::clamp<int64_t>(done, 0, total_);
  finished_ = done == total_;
  if (output_.terminal) {
    Show(done);
    if (finished_) *output_.out << '\n';
  } else if (done >= next_line_at_ || finished_) {
    *output_.out << Line(done) << '\n';
    next_line_at_ = (done / tenth_ + 1) * tenth_;
  }
  *output_.out << std::flush;
}

void ProgressMeter::Show(int64_t done) {
  const std::string line = Line(done);
  *output_.out << '\r' << line;
  // Blanks over the rest of a longer line shown before.
  if (line.size() < shown_width_)
    *output_.out << std::string(shown_width_ - line.size(), ' ');
  shown_width_ = std::max(shown_width_, line.size());
  *output_.out << std::flush;
}

std::string ProgressMeter::Line(int64_t done) const {
  const absl::Duration elapsed = output_.clock() - start_;
  std::string line = absl::StrCat(label_, ": ", done, "/", total_, " ", unit_);
  if (done == total_) {
    absl::StrAppend(&line, ", done in ", ProgressDuration(elapsed));
  } else if (done == 0) {
    absl::StrAppend(&line, ", ", ProgressDuration(elapsed), " elapsed");
  } else {
    absl::StrAppend(&line, " (", done * 100 / total_, "%), ",
                    ProgressDuration(elapsed), " elapsed, about ",
                    ProgressDuration(elapsed / done * (total_ - done)),
                    " left");
  }
  return line;
}

}  // namespace fairport
