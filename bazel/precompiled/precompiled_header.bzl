"""Precompiled headers for Fairport's translation units.

Every source parses the same headers first (the standard library, absl,
nlohmann/json, and for those that compute with LibTorch ATen's Tensor: a few
hundred thousand lines); a precompiled header parses them once per
configuration. `precompiled_header`
compiles a header with the very flags Bazel's own compile actions get (the
toolchain's, --copt, --cxxopt, the deps' include directories and defines)
and exports the result as headers of a CcInfo; a target uses it with a dep
on it and the copts of //bazel/precompiled:defs.bzl:

- gcc (every configuration but the fuzz targets'): `<name>.h` and
  `<name>.h.gch`, used with `-include <package>/<name>.h`: gcc finds
  `<name>.h` under bazel-out's bin directory and loads the `.gch` beside it
  instead of parsing the headers (it checks the `.gch` was made with
  compatible flags; defs.bzl makes a mismatch an error).
- clang (the fuzz targets' configuration): `<name>.h.pch`, used with
  `-include-pch $(BINDIR)/<package>/<name>.h.pch` (clang's driver looks for
  a `.pch` only beside the path `-include` names, not along the include
  path). It is made from the header on stdin, because clang records its
  main input's path and each sandboxed action sees the header under
  another; with `-fpch-instantiate-templates`, so that templates are
  instantiated once; without timestamps (clang still checks each header's
  size), so that it stays valid on a machine whose packages were installed
  at another time. A `.pch` made with other flags is a fatal error.

Neither is byte-for-byte reproducible (gcc writes addresses into the .gch,
clang the action's working directory, a sandbox of its own, into the .pch);
the objects compiled against two different builds of either are identical
(checked with families/data2vec_audio/hf_forward.cc), and a cached one is
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

    if ctx.var.get("precompiled_headers") == "off":
        return [DefaultInfo(), deps]

    clang = cc_toolchain.compiler == "clang"
    flags = ctx.fragments.cpp.copts + ctx.fragments.cpp.cxxopts + ["-x", "c++-header"]
    if clang:
        # The header is read from stdin: clang records the path of its main
        # input and refuses the .pch where that path is gone, and each
        # sandboxed action sees the header under a path of its own. Template
        # instantiations go into the .pch once instead of into every object
        # (-fpch-instantiate-templates); without timestamps (the .pch still
        # checks its headers' sizes) it stays valid on a machine whose
        # packages were installed at another time.
        compiled = ctx.actions.declare_file(ctx.label.name + ".h.pch")
        outputs = [compiled]
        inputs = [ctx.file.hdr]
        source = "-"
        command = '"$@" < "%s"' % ctx.file.hdr.path
        flags = flags + ["-fpch-instantiate-templates", "-Xclang", "-fno-pch-timestamp"]
    else:
        # gcc finds <name>.h.gch beside the <name>.h that -include names.
        header = ctx.actions.declare_file(ctx.label.name + ".h")
        ctx.actions.symlink(output = header, target_file = ctx.file.hdr)
        compiled = ctx.actions.declare_file(ctx.label.name + ".h.gch")
        outputs = [header, compiled]
        inputs = [header, ctx.file.hdr]
        source = header.path
        command = '"$@"'

    variables = cc_common.create_compile_variables(
        cc_toolchain = cc_toolchain,
        feature_configuration = features,
        source_file = source,
        output_file = compiled.path,
        user_compile_flags = flags,
        include_directories = deps_context.includes,
        quote_include_directories = deps_context.quote_includes,
        system_include_directories = deps_context.system_includes,
        framework_include_directories = deps_context.framework_includes,
        preprocessor_defines = deps_context.defines,
        use_pic = True,
    )
    ctx.actions.run_shell(
        command = command,
        arguments = [cc_common.get_tool_for_action(
            feature_configuration = features,
            action_name = CPP_COMPILE_ACTION_NAME,
        )] + cc_common.get_memory_inefficient_command_line(
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
            inputs,
            transitive = [deps_context.headers, cc_toolchain.all_files],
        ),
        outputs = [compiled],
        mnemonic = "CppPrecompileHeader",
        progress_message = "Precompiling %s" % ctx.file.hdr.short_path,
    )

    own = CcInfo(compilation_context = cc_common.create_compilation_context(
        headers = depset(outputs),
    ))
    return [
        DefaultInfo(files = depset(outputs)),
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
