// LibTorch reports failures as exceptions (c10::Error); they end here as a
// Status naming `what`, with the first line of LibTorch's message.
#ifndef FAIRPORT_OPS_TORCH_ERRORS_H_
#define FAIRPORT_OPS_TORCH_ERRORS_H_

#include <exception>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace fairport::ops {

// Runs `f`, which returns absl::Status or absl::StatusOr<T>.
template <typename F>
auto CatchTorchErrors(const std::string& what, F&& f) -> decltype(f()) {
  try {
    return f();
  } catch (const std::exception& e) {
    std::string message = e.what();
    return absl::InternalError(
        absl::StrCat(what, ": ", message.substr(0, message.find('\n'))));
  }
}

}  // namespace fairport::ops

#endif  // FAIRPORT_OPS_TORCH_ERRORS_H_
