// What nearly every LibTorch-computing source of Fairport parses first,
// compiled once per configuration by //bazel/precompiled:torch (see
// precompiled_header.bzl): base_headers.h and ATen's Tensor. Only headers of
// the libraries the `torch` target depends on belong here.
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
