"""cc rules whose sources compile against a precompiled header.

`torch_cc_library`, `torch_cc_binary` and `torch_cc_test` are rules_cc's
rules for targets that compute with LibTorch: each depends on LibTorch,
absl and nlohmann/json through //bazel/precompiled:torch and has every
source compiled with the precompiled header: `-include` of the header, which gcc answers
from the .gch, or, in the fuzz targets' clang configuration, `-include-pch`
of the .pch (precompiled_header.bzl). A LibTorch source compiles in 0.5-0.8
of the time with g++, 0.2-0.6 with clang (bench/results/compile_costs.json).
"""

load("@rules_cc//cc:defs.bzl", "cc_binary", "cc_library", "cc_test")

def _with_header(kwargs):
    kwargs = dict(kwargs)
    kwargs["deps"] = kwargs.get("deps", []) + ["//bazel/precompiled:torch"]
    kwargs["copts"] = kwargs.get("copts", []) + select({
        "//bazel/precompiled:clang": [
            "-include-pch",
            "$(BINDIR)/bazel/precompiled/torch.h.pch",
        ],
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
