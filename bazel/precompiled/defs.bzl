"""cc rules whose sources compile against a precompiled header.

`torch_cc_library`, `torch_cc_binary` and `torch_cc_test` are rules_cc's
rules for targets that compute with LibTorch: each depends on LibTorch,
absl and nlohmann/json through //bazel/precompiled:torch and has every
source compiled with `-include` of its header, which gcc answers from the
.gch (precompiled_header.bzl); the fuzz targets' clang configuration
compiles them without it. A LibTorch source compiles in 0.5-0.8 of the
time (g++, bench/results/compile_costs.json).
"""

load("@rules_cc//cc:defs.bzl", "cc_binary", "cc_library", "cc_test")

def _with_header(kwargs):
    kwargs = dict(kwargs)
    kwargs["deps"] = kwargs.get("deps", []) + ["//bazel/precompiled:torch"]
    kwargs["copts"] = kwargs.get("copts", []) + select({
        "//bazel/precompiled:clang": [],
        "//conditions:default": [
            "-include",
            "bazel/precompiled/torch.h",
            # A .gch made with other flags fails the build instead of being
            # silently parsed as text.
            "-Werror=invalid-pch",
        ],
    })
    return kwargs

def torch_cc_library(**kwargs):
    cc_library(**_with_header(kwargs))

def torch_cc_binary(**kwargs):
    cc_binary(**_with_header(kwargs))

def torch_cc_test(**kwargs):
    cc_test(**_with_header(kwargs))
