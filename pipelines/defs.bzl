"""Starlark rules that make each step of a release its own cached action."""

def _hf_conversion_impl(ctx):
    out = ctx.actions.declare_directory(ctx.label.name)
    args = ctx.actions.args()
    args.add(ctx.file.checkpoint, format = "--checkpoint_path=%s")
    args.add(out.path, format = "--pytorch_dump_folder_path=%s")
    args.add("--dtype=" + ctx.attr.dtype)
    inputs = [ctx.file.checkpoint]
    if ctx.file.dict:
        args.add(ctx.file.dict, format = "--dict_path=%s")
        inputs.append(ctx.file.dict)
    if ctx.file.config:
        args.add(ctx.file.config, format = "--config_path=%s")
        inputs.append(ctx.file.config)

    # Bazel creates the (empty) output directory before the action runs.
    args.add("--overwrite")
    ctx.actions.run(
        executable = ctx.executable._converter,
        arguments = [args],
        inputs = inputs,
        outputs = [out],
        mnemonic = "Data2VecAudioConvert",
        progress_message = "Converting %s to a Hugging Face directory" % ctx.file.checkpoint.short_path,
    )
    return [DefaultInfo(files = depset([out]), runfiles = ctx.runfiles(files = [out]))]

hf_conversion = rule(
    implementation = _hf_conversion_impl,
    doc = "A fairseq data2vec-audio checkpoint converted to a Hugging Face model directory.",
    attrs = {
        "checkpoint": attr.label(allow_single_file = True, mandatory = True),
        "config": attr.label(allow_single_file = [".json"]),
        "dict": attr.label(allow_single_file = True),
        "dtype": attr.string(default = "keep", values = ["keep", "float32", "float16", "bfloat16"]),
        "_converter": attr.label(
            default = "//converter",
            executable = True,
            cfg = "host",
        ),
    },
)
