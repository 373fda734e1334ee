"""Rules that make each step of a release its own cached, hermetic action.

    load("@fairport//pipelines:defs.bzl", "fairseq_release")

    fairseq_release(
        name = "my_model",
        checkpoint = "@my_checkpoint//:checkpoint.pt",
        dict = "@my_checkpoint//:dict.ltr.txt",
    )

gives :my_model_hf (the converted directory), :my_model_reference (outputs
of the original model; depends only on the checkpoint, the dataset and the
reference tool; for an MMS adapter model given `languages`, one
:my_model_reference_<lang> per language), :my_model_parity (the report), :my_model_parity_test,
:my_model_package (the release .tar.gz) and :my_model.publish.

    fairseq_audit(
        name = "hub_model_audit",
        checkpoint = "@my_checkpoint//:checkpoint.pt",
        model_dir = ":hub_model_files",  # filegroup(srcs = glob(["hub_model/*"]))
    )

audits a directory written elsewhere (the Hub, transformers' scripts):
:hub_model_audit (the report) and :hub_model_audit_test.
"""

_TOOL = {
    "converter": Label("//converter:converter"),
    "package": Label("//pipelines:package"),
    "parity_gate": Label("//pipelines:parity_gate"),
    "parity": Label("//verify:parity"),
    "reference": Label("//verify:reference"),
}

# Every tool the rules run, for the tests whose nested Bazel builds run them
# (tests/pipeline_cache_test.sh, tests/remote_cache_test.sh) to depend on.
PIPELINE_TOOLS = [str(tool) for tool in _TOOL.values()]

# The tools run in the target configuration: on this machine it is the
# execution platform too, and the reference and parity tools then share
# every compiled object with the tests, so the LibTorch code is compiled
# once for them both instead of once more for the host.
def _tool(name):
    return attr.label(default = _TOOL[name], executable = True, cfg = "target")

def _dataset_manifest(files):
    for f in files:
        if f.basename == "manifest.json":
            return f
    fail("the dataset needs a manifest.json among its files")

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
        mnemonic = "FairseqConvert",
        progress_message = "Converting %s to a Hugging Face directory" % ctx.file.checkpoint.short_path,
    )
    return [DefaultInfo(files = depset([out]), runfiles = ctx.runfiles(files = [out]))]

hf_conversion = rule(
    implementation = _hf_conversion_impl,
    doc = "A fairseq checkpoint (any family Fairport knows) converted to a Hugging Face model directory.",
    attrs = {
        "checkpoint": attr.label(allow_single_file = True, mandatory = True),
        "config": attr.label(allow_single_file = [".json"]),
        "dict": attr.label(allow_single_file = True),
        "dtype": attr.string(default = "keep", values = ["keep", "float32", "float16", "bfloat16"]),
        "_converter": _tool("converter"),
    },
)

# The forward passes' OpenMP wait policy, set here so that the tools need not
# re-execute themselves to get it (see ops/openmp.h): that would load
# LibTorch twice per action.
_LIBTORCH_ENV = {"OMP_WAIT_POLICY": "PASSIVE"}

def _reference_outputs_impl(ctx):
    out = ctx.actions.declare_file(ctx.label.name + ".safetensors")
    manifest = _dataset_manifest(ctx.files.dataset)
    ctx.actions.run(
        executable = ctx.executable._reference,
        arguments = [
            "--checkpoint_path=" + ctx.file.checkpoint.path,
            "--dataset=" + manifest.path,
            "--output=" + out.path,
        ] + (["--language=" + ctx.attr.language] if ctx.attr.language else []),
        inputs = [ctx.file.checkpoint] + ctx.files.dataset,
        outputs = [out],
        env = _LIBTORCH_ENV,
        mnemonic = "FairseqReference",
        progress_message = "Running the original model of %s%s" % (
            ctx.file.checkpoint.short_path,
            " (%s)" % ctx.attr.language if ctx.attr.language else "",
        ),
    )
    return [DefaultInfo(files = depset([out]))]

reference_outputs = rule(
    implementation = _reference_outputs_impl,
    doc = "Outputs of the ORIGINAL model (fairseq-structured forward pass) on a dataset.",
    attrs = {
        "checkpoint": attr.label(allow_single_file = True, mandatory = True),
        "dataset": attr.label(allow_files = True, mandatory = True),
        # A model with per-language adapters (MMS): the corpus key to run.
        "language": attr.string(),
        "_reference": _tool("reference"),
    },
)

def _model_dir(files):
    """The model directory among `files` and the files it needs as inputs.

    Either one directory (a conversion's output) or the files of a source
    directory (a filegroup), which must hold config.json.
    """
    if len(files) == 1 and files[0].is_directory:
        return files[0].path, files
    configs = [f for f in files if f.basename == "config.json"]
    if len(configs) != 1:
        fail("the model needs exactly one config.json among its files, found %d" % len(configs))
    return configs[0].dirname, files

def _parity_report_impl(ctx):
    json = ctx.actions.declare_file(ctx.label.name + ".json")
    markdown = ctx.actions.declare_file(ctx.label.name + ".md")
    manifest = _dataset_manifest(ctx.files.dataset)
    model_dir, model_inputs = _model_dir(ctx.files.model)
    references = ([ctx.file.reference] if ctx.file.reference else []) + ctx.files.references
    if not references:
        fail("parity_report needs reference outputs (reference or references)")
    ctx.actions.run(
        executable = ctx.executable._parity,
        arguments = [
            "--model_dir=" + model_dir,
            "--reference=" + ",".join([r.path for r in references]),
            "--dataset=" + manifest.path,
            "--output=" + json.path,
            "--atol=%g" % float(ctx.attr.atol),
            # The report gates publishing; the action itself succeeds.
            "--nofail_on_mismatch",
        ],
        inputs = model_inputs + references + ctx.files.dataset,
        outputs = [json, markdown],
        env = _LIBTORCH_ENV,
        mnemonic = "FairportParity",
        progress_message = "Checking parity of %s" % model_dir,
    )
    return [DefaultInfo(files = depset([json, markdown]), runfiles = ctx.runfiles(files = [json, markdown]))]

parity_report = rule(
    implementation = _parity_report_impl,
    doc = "Parity of a converted directory against reference outputs (JSON + Markdown).",
    attrs = {
        "atol": attr.string(default = "1e-4"),
        "dataset": attr.label(allow_files = True, mandatory = True),
        "model": attr.label(allow_files = True, mandatory = True),
        "reference": attr.label(allow_single_file = True),
        # One reference per language of a model with per-language adapters.
        "references": attr.label_list(allow_files = [".safetensors"]),
        "_parity": _tool("parity"),
    },
)

def _release_package_impl(ctx):
    out = ctx.actions.declare_file(ctx.label.name + ".tar.gz")
    model = ctx.files.model[0]
    report = [f for f in ctx.files.parity if f.extension == "json"][0]
    args = [
        "--name=" + ctx.attr.release_name,
        "--model_dir=" + model.path,
        "--parity_report=" + report.path,
        "--version_file=" + ctx.file._version.path,
        "--toolchain_versions=" + ctx.file._toolchain_versions.path,
        "--output=" + out.path,
    ]
    if ctx.attr.license:
        args.append("--license=" + ctx.attr.license)
    ctx.actions.run(
        executable = ctx.executable._package,
        arguments = args,
        inputs = [model, ctx.file._version, ctx.file._toolchain_versions] + ctx.files.parity,
        outputs = [out],
        mnemonic = "FairportPackage",
        progress_message = "Packaging %s" % ctx.attr.release_name,
    )
    return [DefaultInfo(files = depset([out]), runfiles = ctx.runfiles(files = [out]))]

release_package = rule(
    implementation = _release_package_impl,
    doc = "The deterministic release .tar.gz: HF directory, parity report, model card, MANIFEST.",
    attrs = {
        "license": attr.string(),
        "model": attr.label(mandatory = True),
        "parity": attr.label(mandatory = True),
        "release_name": attr.string(mandatory = True),
        "_package": _tool("package"),
        "_toolchain_versions": attr.label(
            default = Label("@fairport_toolchain_versions//:versions.json"),
            allow_single_file = True,
        ),
        "_version": attr.label(default = Label("//:VERSION"), allow_single_file = True),
    },
)

def _references(name, checkpoint, dataset, languages, visibility):
    """Reference outputs: one target, or one per language (each cached alone)."""
    if not languages:
        reference_outputs(
            name = name,
            checkpoint = checkpoint,
            dataset = dataset,
            visibility = visibility,
        )
        return [":" + name]
    for language in languages:
        reference_outputs(
            name = "%s_%s" % (name, language),
            checkpoint = checkpoint,
            dataset = dataset,
            language = language,
            visibility = visibility,
        )
    return [":%s_%s" % (name, language) for language in languages]

def fairseq_release(
        name,
        checkpoint,
        dict = None,
        dataset = Label("//datasets:default"),
        config = None,
        dtype = "keep",
        atol = "1e-4",
        license = None,
        languages = None,
        visibility = None):
    """Conversion, reference, parity, parity test, package and publish targets.

    `languages`: for a model with per-language adapters (MMS), every
    language (corpus key): one reference target per language
    (:NAME_reference_<lang>), all checked by the one parity report, which
    fails if a language of the checkpoint or an adapter file goes unchecked.
    """
    hf_conversion(
        name = name + "_hf",
        checkpoint = checkpoint,
        dict = dict,
        config = config,
        dtype = dtype,
        visibility = visibility,
    )
    parity_report(
        name = name + "_parity",
        model = ":" + name + "_hf",
        references = _references(name + "_reference", checkpoint, dataset, languages, visibility),
        dataset = dataset,
        atol = atol,
        visibility = visibility,
    )
    native.sh_test(
        name = name + "_parity_test",
        size = "small",
        srcs = [Label("//pipelines:parity_gate.sh")],
        args = ["$(rootpath %s)" % _TOOL["parity_gate"], "$(rootpaths :%s_parity)" % name],
        data = [":" + name + "_parity", _TOOL["parity_gate"]],
    )
    release_package(
        name = name + "_package",
        release_name = name,
        model = ":" + name + "_hf",
        parity = ":" + name + "_parity",
        license = license,
        visibility = visibility,
    )
    native.sh_binary(
        name = name + ".publish",
        srcs = [Label("//pipelines:publish.sh")],
        args = [
            "$(rootpath %s)" % _TOOL["parity_gate"],
            "$(rootpath :%s_package)" % name,
            "$(rootpaths :%s_parity)" % name,
        ],
        data = [":" + name + "_package", ":" + name + "_parity", _TOOL["parity_gate"]],
    )

def fairseq_audit(
        name,
        checkpoint,
        model_dir,
        dataset = Label("//datasets:default"),
        atol = "1e-4",
        languages = None,
        visibility = None):
    """Audits a Hugging Face directory written elsewhere against its checkpoint.

    `model_dir` is a label of the directory's files (a filegroup over, e.g.,
    `glob(["my_model/*"])`) or of a rule that makes the directory. Gives
    :NAME_reference (the original model's outputs), :NAME (the parity report,
    JSON + Markdown) and :NAME_test, which passes only when the report does;
    the report says where a failing directory first diverges. `languages`
    as for fairseq_release.
    """
    parity_report(
        name = name,
        model = model_dir,
        references = _references(name + "_reference", checkpoint, dataset, languages, visibility),
        dataset = dataset,
        atol = atol,
        visibility = visibility,
    )
    native.sh_test(
        name = name + "_test",
        size = "small",
        srcs = [Label("//pipelines:parity_gate.sh")],
        args = ["$(rootpath %s)" % _TOOL["parity_gate"], "$(rootpaths :%s)" % name],
        data = [":" + name, _TOOL["parity_gate"]],
    )

# The name this macro had when Fairport converted data2vec audio only;
# existing BUILD files keep working.
data2vec_audio_release = fairseq_release
