"""synthetic_checkpoint: a tiny fairseq checkpoint made by make_checkpoint.

The demo pipelines' inputs. A rule rather than a genrule so that
make_checkpoint runs in the target configuration, like the pipeline tools
(defs.bzl): the tests link the same objects, and the checkpoint code is
not compiled a second time for the host.
"""

def _synthetic_checkpoint_impl(ctx):
    outputs = [ctx.outputs.checkpoint]
    args = ctx.actions.args()
    args.add("--size=tiny")
    if ctx.attr.family:
        args.add("--family=" + ctx.attr.family)
    if ctx.outputs.dict:
        # make_checkpoint writes dict.ltr.txt beside a fine-tuned checkpoint.
        if ctx.outputs.dict.dirname != ctx.outputs.checkpoint.dirname or ctx.outputs.dict.basename != "dict.ltr.txt":
            fail("dict must be dict.ltr.txt beside the checkpoint")
        args.add("--finetuned")
        outputs.append(ctx.outputs.dict)
    if ctx.attr.languages:
        args.add_joined(ctx.attr.languages, join_with = ",", format_joined = "--languages=%s")
    if ctx.attr.labels:
        args.add_joined(ctx.attr.labels, join_with = ",", format_joined = "--labels=%s")
    args.add(ctx.outputs.checkpoint, format = "--output=%s")
    ctx.actions.run(
        executable = ctx.executable._make_checkpoint,
        arguments = [args],
        outputs = outputs,
        mnemonic = "SyntheticCheckpoint",
        progress_message = "Writing the synthetic checkpoint %s" % ctx.outputs.checkpoint.short_path,
    )
    return [DefaultInfo(files = depset(outputs))]

synthetic_checkpoint = rule(
    implementation = _synthetic_checkpoint_impl,
    doc = "A tiny synthetic fairseq checkpoint (fine-tuned for CTC when `dict` is given).",
    attrs = {
        "checkpoint": attr.output(mandatory = True),
        "dict": attr.output(),
        "family": attr.string(),
        "labels": attr.string_list(),
        "languages": attr.string_list(),
        "_make_checkpoint": attr.label(
            default = Label("//pipelines:make_checkpoint"),
            executable = True,
            cfg = "target",
        ),
    },
)
