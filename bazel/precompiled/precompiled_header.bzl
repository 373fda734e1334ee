"""Precompiled headers for the LibTorch-heavy translation units.

Every source that computes with LibTorch parses the same few hundred thousand
lines first (ATen's Tensor, absl, nlohmann/json, the standard library); a
precompiled header parses them once per configuration. `precompiled_header`
compiles a header into `<name>.h` and `<name>.h.gch` with the very flags
Bazel's own compile actions get (the toolchain's, --copt, --cxxopt, the
deps' include directories and defines), and exports both as headers of a
CcInfo. A target uses it with `copts = ["-include", "<package>/<name>.h"]`
and a dep on it (//bazel/precompiled:defs.bzl does both): the compiler finds
`<name>.h` under bazel-out's bin directory, `<name>.h.gch` beside it, and
loads that instead of parsing the headers (gcc checks the .gch was made with
compatible flags; defs.bzl makes a mismatch an error). gcc only: clang's
driver looks for a precompiled header beside the path `-include` names, not
along the include path, so in a clang configuration (the fuzz targets') the
rule compiles nothing and defs.bzl passes no `-include`.

The .gch is not byte-for-byte reproducible (gcc writes addresses into it);
the objects compiled against two different builds of it are identical
(checked with families/data2vec_audio/hf_forward.cc), and a cached .gch is
shared as any other output.
"""

load("@bazel_tools//tools/build_defs/cc:action_names.bzl", "CPP_COMPILE_ACTION_NAME")
load("@bazel_tools//tools/cpp:toolchain_utils.bzl", "find_cpp_toolchain")

def _precompiled_header_impl(ctx):
    cc_toolchain = find_cpp_toolchain(ctx)
    features = cc_common.configure_features(
        ctx = ctx,
        cc_toolchain = cc_toolchain,
        requested_features = ctx.features,
        unsupported_features = ctx.disabled_features,
    )
    deps = cc_common.merge_cc_infos(cc_infos = [d[CcInfo] for d in ctx.attr.deps])
    deps_context = deps.compilation_context

    if cc_toolchain.compiler == "clang":
        return [DefaultInfo(), deps]

    header = ctx.actions.declare_file(ctx.label.name + ".h")
    ctx.actions.symlink(output = header, target_file = ctx.file.hdr)
    compiled = ctx.actions.declare_file(ctx.label.name + ".h.gch")

    variables = cc_common.create_compile_variables(
        cc_toolchain = cc_toolchain,
        feature_configuration = features,
        source_file = header.path,
        output_file = compiled.path,
        user_compile_flags = ctx.fragments.cpp.copts + ctx.fragments.cpp.cxxopts +
                             ["-x", "c++-header"],
        include_directories = deps_context.includes,
        quote_include_directories = deps_context.quote_includes,
        system_include_directories = deps_context.system_includes,
        framework_include_directories = deps_context.framework_includes,
        preprocessor_defines = deps_context.defines,
        use_pic = True,
    )
    ctx.actions.run(
        executable = cc_common.get_tool_for_action(
            feature_configuration = features,
            action_name = CPP_COMPILE_ACTION_NAME,
        ),
        arguments = cc_common.get_memory_inefficient_command_line(
            feature_configuration = features,
            action_name = CPP_COMPILE_ACTION_NAME,
            variables = variables,
        ),
        env = cc_common.get_environment_variables(
            feature_configuration = features,
            action_name = CPP_COMPILE_ACTION_NAME,
            variables = variables,
        ),
        inputs = depset(
            [header, ctx.file.hdr],
            transitive = [deps_context.headers, cc_toolchain.all_files],
        ),
        outputs = [compiled],
        mnemonic = "CppPrecompileHeader",
        progress_message = "Precompiling %s" % ctx.file.hdr.short_path,
    )

    own = CcInfo(compilation_context = cc_common.create_compilation_context(
        headers = depset([header, compiled]),
    ))
    return [
        DefaultInfo(files = depset([header, compiled])),
        cc_common.merge_cc_infos(direct_cc_infos = [own], cc_infos = [deps]),
    ]

precompiled_header = rule(
    implementation = _precompiled_header_impl,
    attrs = {
        "hdr": attr.label(allow_single_file = [".h"], mandatory = True),
        "deps": attr.label_list(providers = [CcInfo]),
        "_cc_toolchain": attr.label(
            default = Label("@bazel_tools//tools/cpp:current_cc_toolchain"),
        ),
    },
    fragments = ["cpp"],
    toolchains = ["@bazel_tools//tools/cpp:toolchain_type"],
    incompatible_use_toolchain_transition = True,
)
