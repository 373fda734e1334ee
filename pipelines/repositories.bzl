"""Brings a user's checkpoint into a Bazel workspace as a label.

    load("@fairport//pipelines:repositories.bzl", "fairseq_checkpoint")

    fairseq_checkpoint(
        name = "my_checkpoint",
        path = "/data/checkpoints/checkpoint_best.pt",   # a local file, or:
        # url = "https://example.org/checkpoint_best.pt",
        # sha256 = "...",                                 # required with url
        dict = "/data/checkpoints/dict.ltr.txt",          # CTC models
    )

gives @my_checkpoint//:checkpoint.pt (and @my_checkpoint//:dict.ltr.txt).
Files inside the workspace need none of this: use them as plain labels.
Fairport's own build never downloads; `url` is for users who are online.
"""

def _fairseq_checkpoint_impl(ctx):
    if bool(ctx.attr.path) == bool(ctx.attr.url):
        fail("fairseq_checkpoint %s: give exactly one of path and url" % ctx.name)
    if ctx.attr.url:
        if not ctx.attr.sha256:
            fail("fairseq_checkpoint %s: a url needs its sha256, so the build stays reproducible" % ctx.name)
        ctx.download(url = ctx.attr.url, output = "checkpoint.pt", sha256 = ctx.attr.sha256)
    else:
        source = ctx.path(ctx.attr.path)
        if not source.exists:
            fail("fairseq_checkpoint %s: %s does not exist" % (ctx.name, ctx.attr.path))
        ctx.symlink(source, "checkpoint.pt")
    exported = ["checkpoint.pt"]
    if ctx.attr.dict_url:
        ctx.download(url = ctx.attr.dict_url, output = "dict.ltr.txt", sha256 = ctx.attr.dict_sha256)
        exported.append("dict.ltr.txt")
    elif ctx.attr.dict:
        ctx.symlink(ctx.path(ctx.attr.dict), "dict.ltr.txt")
        exported.append("dict.ltr.txt")
    ctx.file("WORKSPACE", 'workspace(name = "%s")\n' % ctx.name)
    ctx.file("BUILD.bazel", "exports_files(%s)\n" % repr(exported))

fairseq_checkpoint = repository_rule(
    implementation = _fairseq_checkpoint_impl,
    attrs = {
        "dict": attr.string(doc = "local path of dict.ltr.txt"),
        "dict_sha256": attr.string(),
        "dict_url": attr.string(),
        "path": attr.string(doc = "local path of the checkpoint"),
        "sha256": attr.string(doc = "sha256 of the file at url"),
        "url": attr.string(),
    },
)
