// What nearly every source of Fairport parses first (the standard library,
// absl's Status and strings, nlohmann/json), compiled once per configuration
// by //bazel/precompiled:base (see precompiled_header.bzl) for the targets
// that do not compute with LibTorch; torch_headers.h is this and ATen. Only
// headers of the libraries the `base` target depends on belong here.
#include <algorithm>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/string_view.h"
#include "nlohmann/json.hpp"
