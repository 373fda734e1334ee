"""cc rules whose sources compile against a precompiled header.

`cc_library`, `cc_binary` and `cc_test` are rules_cc's rules with every
source compiled against //bazel/precompiled:base (the standard library,
absl's Status and strings, nlohmann/json), which they add as a dependency;
`torch_cc_library`, `torch_cc_binary` and `torch_cc_test` are the same for
targets that compute with LibTorch, against //bazel/precompiled:torch (the
same and ATen's Tensor). gcc gets `-include` of the header and answers it
from the .gch; the fuzz targets' clang configuration gets `-include-pch` of
the .pch (precompiled_header.bzl). A LibTorch source compiles in 0.5-0.8 of
its time with g++, 0.4 with clang; a source with json in 0.7-1.0 with g++,
0.65-0.95 with clang (bench/results/compile_costs.json). A target whose flags
cannot match the header's (-fopenmp defines _OPENMP) uses rules_cc's rule.
`--define=precompiled_headers=off` builds without them (the headers are then
neither made nor used), to find a source that forgot an include they supply.
"""

load(
    "@rules_cc//cc:defs.bzl",
    _cc_binary = "cc_binary",
    _cc_library = "cc_library",
    _cc_test = "cc_test",
)

def _with_header(header, kwargs):
    kwargs = dict(kwargs)
    kwargs["deps"] = kwargs.get("deps", []) + ["//bazel/precompiled:" + header]
    kwargs["copts"] = kwargs.get("copts", []) + select({
        "//bazel/precompiled:off": [],
        "//bazel/precompiled:clang_off": [],
        "//bazel/precompiled:clang": [
            "-include-pch",
            "$(BINDIR)/bazel/precompiled/%s.h.pch" % header,
        ],
        "//conditions:default": [
            "-include",
            "bazel/precompiled/%s.h" % header,
            # A .gch made with other flags fails the build instead of being
            # silently parsed as text.
            "-Werror=invalid-pch",
        ],
    })
    return kwargs

def cc_library(**kwargs):
    _cc_library(**_with_header("base", kwargs))

def cc_binary(**kwargs):
    _cc_binary(**_with_header("base", kwargs))

def cc_test(**kwargs):
    _cc_test(**_with_header("base", kwargs))

def torch_cc_library(**kwargs):
    _cc_library(**_with_header("torch", kwargs))

def torch_cc_binary(**kwargs):
    _cc_binary(**_with_header("torch", kwargs))

def torch_cc_test(**kwargs):
    _cc_test(**_with_header("torch", kwargs))
