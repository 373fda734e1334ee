"""Binds the build to Debian 12 packages: no download ever happens here.

Each rule says beside it why it is needed; bazel/README.md has the overview.
"""

_SETUP_HINT = "run `bash tools/setup.sh` to install Fairport's Debian packages"

def _debian_rules_cc_impl(ctx):
    # Debian's rules_cc 0.0.4 loads use_cpp_toolchain, which Bazel 4.2.3's
    # @bazel_tools lacks; copy the tree and replace it with the toolchain type.
    src = ctx.path(ctx.attr.path)
    if not src.exists:
        fail("%s not found: %s" % (ctx.attr.path, _SETUP_HINT))
    result = ctx.execute(["cp", "-R", str(src) + "/.", "."])
    if result.return_code != 0:
        fail("copying %s failed: %s" % (ctx.attr.path, result.stderr))
    for rel in ctx.attr.patched_files:
        text = ctx.read(rel)
        text = text.replace(', "use_cpp_toolchain")', ")")
        text = text.replace("use_cpp_toolchain()", '["@bazel_tools//tools/cpp:toolchain_type"]')
        ctx.file(rel, text, legacy_utf8 = False)

debian_rules_cc = repository_rule(
    implementation = _debian_rules_cc_impl,
    attrs = {
        "path": attr.string(mandatory = True),
        "patched_files": attr.string_list(mandatory = True),
    },
    local = True,
)

def _debian_cc_library_impl(ctx):
    for required in ctx.attr.required_paths:
        if not ctx.path(required).exists:
            fail("%s is missing: %s" % (required, _SETUP_HINT))
    linkopts = []
    if ctx.attr.pkg_config:
        result = ctx.execute(["pkg-config", "--libs"] + ctx.attr.pkg_config)
        if result.return_code != 0:
            fail("pkg-config --libs %s failed (%s): %s" % (
                " ".join(ctx.attr.pkg_config),
                result.stderr.strip(),
                _SETUP_HINT,
            ))
        linkopts = [opt for opt in result.stdout.strip().split(" ") if opt]
    linkopts += ctx.attr.linkopts
    hdrs = "[]"
    includes = []
    for link_name, system_dir in ctx.attr.include_dirs.items():
        ctx.symlink(system_dir, link_name)
        includes.append(link_name)
    if includes:
        hdrs = "glob([%s])" % ", ".join(['"%s/**"' % i for i in includes])
    ctx.file("WORKSPACE", 'workspace(name = "%s")\n' % ctx.name)
    ctx.file("BUILD.bazel", """cc_library(
    name = "{name}",
    hdrs = {hdrs},
    defines = {defines},
    includes = {includes},
    linkopts = {linkopts},
    visibility = ["//visibility:public"],
)
""".format(
        name = ctx.name,
        hdrs = hdrs,
        defines = repr(ctx.attr.defines),
        includes = repr(includes),
        linkopts = repr(linkopts),
    ))

debian_cc_library = repository_rule(
    implementation = _debian_cc_library_impl,
    attrs = {
        "defines": attr.string_list(doc = "macros defined for the library and its dependents"),
        "include_dirs": attr.string_dict(doc = "link name in the repository -> system include dir"),
        "linkopts": attr.string_list(),
        "pkg_config": attr.string_list(doc = "pkg-config modules whose --libs are linked"),
        "required_paths": attr.string_list(),
    },
    local = True,
)

def _debian_protobuf_impl(ctx):
    for required in ["/usr/bin/protoc", "/usr/include/google/protobuf/message.h"]:
        if not ctx.path(required).exists:
            fail("%s is missing: %s" % (required, _SETUP_HINT))
    ctx.file("protoc.sh", 'exec /usr/bin/protoc "$@"\n', executable = True)
    ctx.file("WORKSPACE", 'workspace(name = "com_google_protobuf")\n')
    ctx.file("BUILD.bazel", """
sh_binary(
    name = "protoc",
    srcs = ["protoc.sh"],
    visibility = ["//visibility:public"],
)

cc_library(
    name = "protobuf",
    linkopts = ["-lprotobuf", "-lpthread"],
    visibility = ["//visibility:public"],
)

proto_lang_toolchain(
    name = "cc_toolchain",
    command_line = "--cpp_out=$(OUT)",
    runtime = ":protobuf",
    visibility = ["//visibility:public"],
)
""")

debian_protobuf = repository_rule(implementation = _debian_protobuf_impl, local = True)

def _offline_coverage_tools_impl(ctx):
    # Every cc_test depends on this repository; Bazel would otherwise download it.
    ctx.file("coverage_report_generator.sh", """#!/bin/sh
echo "coverage reports are not available in Fairport's offline build" >&2
exit 1
""", executable = True)
    ctx.file("WORKSPACE", 'workspace(name = "remote_coverage_tools")\n')
    ctx.file("BUILD.bazel", """
sh_binary(
    name = "coverage_report_generator",
    srcs = ["coverage_report_generator.sh"],
    visibility = ["//visibility:public"],
)

filegroup(
    name = "lcov_merger",
    srcs = ["coverage_report_generator.sh"],
    visibility = ["//visibility:public"],
)
""")

offline_coverage_tools = repository_rule(implementation = _offline_coverage_tools_impl, local = True)

_ABSL_MODULES = [
    "absl_flags",
    "absl_flags_parse",
    "absl_flat_hash_map",
    "absl_flat_hash_set",
    "absl_status",
    "absl_statusor",
    "absl_str_format",
    "absl_strings",
    "absl_synchronization",
    "absl_time",
]

def _toolchain_versions_impl(ctx):
    # The Debian versions a release MANIFEST records, read once per fetch.
    versions = {}
    for package in ctx.attr.packages:
        result = ctx.execute(["dpkg-query", "-W", "-f=${Version}", package])
        versions[package] = result.stdout.strip() if result.return_code == 0 else "unknown"
    ctx.file("versions.json", json.encode(versions) + "\n")
    ctx.file("WORKSPACE", 'workspace(name = "%s")\n' % ctx.name)
    ctx.file("BUILD.bazel", 'exports_files(["versions.json"])\n')

toolchain_versions = repository_rule(
    implementation = _toolchain_versions_impl,
    attrs = {"packages": attr.string_list()},
    local = True,
)

def fairport_dependencies():
    """Declares every external repository of the build."""
    debian_rules_cc(
        name = "rules_cc",
        path = "/usr/share/bazel/rules/cc",
        patched_files = [
            "cc/private/rules_impl/cc_flags_supplier.bzl",
            "cc/private/rules_impl/compiler_flag.bzl",
        ],
    )
    native.local_repository(name = "rules_java", path = "/usr/share/bazel/rules/java")
    offline_coverage_tools(name = "remote_coverage_tools")
    debian_protobuf(name = "com_google_protobuf")
    debian_cc_library(
        name = "absl",
        pkg_config = _ABSL_MODULES,
        required_paths = ["/usr/include/absl/status/statusor.h"],
    )
    debian_cc_library(
        name = "gtest",
        linkopts = ["-lgmock", "-lgtest_main", "-lgtest", "-lpthread"],
        required_paths = ["/usr/include/gtest/gtest.h", "/usr/include/gmock/gmock.h"],
    )
    debian_cc_library(
        name = "libtorch",
        # ATen's own build mode: ATen/TensorOperators.h and the other ATen
        # headers include only the per-operator headers they use, not every
        # operator's declarations (ATen/Functions.h: 1.6-2.9 s of each such
        # file's g++ -O2 compile, measured), and including those
        # whole-library headers (torch/types.h, ATen/ATen.h) is an error.
        defines = ["AT_PER_OPERATOR_HEADERS", "TORCH_ASSERT_ONLY_METHOD_OPERATORS"],
        include_dirs = {"torch_api_include": "/usr/include/torch/csrc/api/include"},
        linkopts = ["-ltorch", "-ltorch_cpu", "-lc10"],
        required_paths = ["/usr/include/torch/csrc/api/include/torch/torch.h"],
    )
    debian_cc_library(
        name = "sndfile",
        linkopts = ["-lsndfile"],
        required_paths = ["/usr/include/sndfile.h"],
    )
    debian_cc_library(
        name = "nlohmann_json",
        required_paths = ["/usr/include/nlohmann/json.hpp"],
    )
    debian_cc_library(
        name = "samplerate",
        linkopts = ["-lsamplerate"],
        required_paths = ["/usr/include/samplerate.h"],
    )
    debian_cc_library(
        name = "openssl",
        linkopts = ["-lcrypto"],
        required_paths = ["/usr/include/openssl/evp.h"],
    )
    debian_cc_library(
        name = "isal",
        linkopts = ["-lisal"],
        required_paths = ["/usr/include/isa-l/crc.h"],
    )
    debian_cc_library(
        name = "zlib",
        linkopts = ["-lz"],
        required_paths = ["/usr/include/zlib.h"],
    )
    toolchain_versions(
        name = "fairport_toolchain_versions",
        packages = ["libtorch-dev", "libprotobuf-dev", "libabsl-dev"],
    )
