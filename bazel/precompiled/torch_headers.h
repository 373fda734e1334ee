// What nearly every LibTorch-computing source of Fairport parses first,
// compiled once per configuration by //bazel/precompiled:torch (see
// precompiled_header.bzl): base_headers.h's list and ATen's Tensor. Only
// headers of the libraries the `torch` target depends on belong here. The
// list repeats base_headers.h's instead of including it: clang records a
// workspace header by the path of the sandbox that made the .pch, and a .pch
// whose recorded header is gone is refused ("could not find file").
#include <algorithm>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "ATen/TensorOperators.h"
#include "ATen/core/Tensor.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/string_view.h"
#include "nlohmann/json.hpp"
