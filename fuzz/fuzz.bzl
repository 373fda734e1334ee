"""libFuzzer targets built by Bazel with clang, ASan and UBSan.

fuzz_binary(name, srcs, deps) builds a libFuzzer binary from `srcs` and
its cc_library `deps` in a configuration of their own: the clang toolchain
of //bazel/clang, every source compiled with coverage instrumentation and
the sanitizers, the binary linked with libFuzzer. Bazel caches those
actions like any other, so the suite compiles a fuzz target once, in
parallel, and not at all when nothing it depends on changed.
"""

load("//bazel/precompiled:defs.bzl", "cc_binary")

_SANITIZERS = "address,undefined"

def _fuzz_transition_impl(settings, attr):
    return {
        "//command_line_option:crosstool_top": "//bazel/clang:toolchain",
        "//command_line_option:compiler": "clang",
        "//command_line_option:copt": settings["//command_line_option:copt"] + [
            "-fsanitize=fuzzer-no-link," + _SANITIZERS,
            "-fno-sanitize-recover=undefined",
        ],
        "//command_line_option:linkopt": settings["//command_line_option:linkopt"] + [
            "-fsanitize=fuzzer," + _SANITIZERS,
            # Bazel links with the C driver; UBSan's vptr checks need the
            # C++ part of its runtime.
            "-fsanitize-link-c++-runtime",
        ],
    }

_fuzz_transition = transition(
    implementation = _fuzz_transition_impl,
    inputs = [
        "//command_line_option:copt",
        "//command_line_option:linkopt",
    ],
    outputs = [
        "//command_line_option:crosstool_top",
        "//command_line_option:compiler",
        "//command_line_option:copt",
        "//command_line_option:linkopt",
    ],
)

def _fuzz_configured_binary_impl(ctx):
    binary = ctx.attr.binary[0][DefaultInfo]
    executable = ctx.actions.declare_file(ctx.label.name)
    ctx.actions.symlink(
        output = executable,
        target_file = binary.files_to_run.executable,
        is_executable = True,
    )
    return [DefaultInfo(
        executable = executable,
        runfiles = ctx.runfiles(files = [executable]).merge(binary.default_runfiles),
    )]

_fuzz_configured_binary = rule(
    implementation = _fuzz_configured_binary_impl,
    attrs = {
        "binary": attr.label(cfg = _fuzz_transition, executable = True, mandatory = True),
        "_allowlist_function_transition": attr.label(
            default = "@bazel_tools//tools/allowlists/function_transition_allowlist",
        ),
    },
    executable = True,
)

def fuzz_binary(name, srcs, deps, **kwargs):
    """A libFuzzer binary `name` (clang, ASan, UBSan) from srcs and deps."""

    # Only meaningful in the fuzz configuration (it has no main of its own):
    # `manual` keeps //... from building it with gcc.
    cc_binary(
        name = name + "_unconfigured",
        srcs = srcs,
        deps = deps,
        tags = ["manual"],
        visibility = ["//visibility:private"],
    )
    _fuzz_configured_binary(
        name = name,
        binary = ":" + name + "_unconfigured",
        **kwargs
    )
