// inspect: verifies a fairseq checkpoint's integrity and prints its model
// kind, a config summary and every tensor of its `model` dict, as a user
// would otherwise poke at torch.load in Python. Executes nothing in it.
#include <cstdio>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "base/cli.h"
#include "base/json.h"
#include "base/status_macros.h"
#include "base/user_path.h"
#include "fairseq/checkpoint.h"
#include "families/family.h"
#include "families/registry.h"

namespace fairport {
namespace {

absl::Status Inspect(const std::string& path) {
  ASSIGN_OR_RETURN(FairseqCheckpoint checkpoint, FairseqCheckpoint::Load(path));
  RETURN_IF_ERROR(checkpoint.archive().zip().VerifyAllCrcs());
  std::string out;
  absl::StrAppend(&out, "file: ", path, "\n");
  absl::StrAppend(&out,
                  "integrity: ", checkpoint.archive().zip().entries().size(),
                  " zip entries, CRC-32 verified\n");
  absl::StrAppend(&out, "config: ",
                  checkpoint.legacy_args() ? "legacy args (argparse.Namespace)"
                                           : "cfg (hydra)",
                  "\n");
  absl::StrAppend(&out, "architecture: ", checkpoint.architecture(), "\n");
  absl::StatusOr<const ModelFamily*> family = FamilyOf(checkpoint);
  absl::StatusOr<ModelKind> kind =
      family.ok() ? (*family)->DetectKind(checkpoint) : family.status();
  if (kind.ok()) {
    absl::StrAppend(&out, "family: ", (*family)->name(), "\n");
    absl::StrAppend(&out, "model kind: ", (*family)->KindName(*kind), "\n");
    absl::StatusOr<InferredConfig> config =
        (*family)->InferConfig(checkpoint, *kind, std::nullopt);
    if (config.ok()) {
      const auto& c = config->hf_config;
      absl::StrAppend(
          &out, "config summary: hidden ", DumpJson(c["hidden_size"]),
          ", layers ", DumpJson(c["num_hidden_layers"]), ", heads ",
          DumpJson(c["num_attention_heads"]), ", ffn ",
          DumpJson(c["intermediate_size"]), ", conv_dim ",
          DumpJson(c["conv_dim"]), ", conv_kernel ", DumpJson(c["conv_kernel"]),
          ", conv_stride ", DumpJson(c["conv_stride"]), ", pos_conv ",
          DumpJson(c["num_conv_pos_embeddings"]), " x kernel ",
          DumpJson(c["conv_pos_kernel_size"]), "\n");
    } else {
      absl::StrAppend(&out, "config summary: unavailable: ",
                      config.status().message(), "\n");
    }
  } else {
    absl::StrAppend(
        &out, "model kind: not convertible: ", kind.status().message(), "\n");
  }
  int64_t parameters = 0;
  for (const NamedTensor& t : checkpoint.state_dict())
    parameters += t.tensor->numel();
  absl::StrAppend(&out, "tensors: ", checkpoint.state_dict().size(), " (",
                  parameters, " elements)\n");
  for (const NamedTensor& t : checkpoint.state_dict()) {
    absl::StrAppend(&out, t.name, "\t", TorchName(t.tensor->storage->dtype),
                    "\t[", absl::StrJoin(t.tensor->shape, ", "), "]",
                    t.tensor->IsContiguous() ? "" : "\tnon-contiguous", "\n");
  }
  std::fputs(out.c_str(), stdout);
  return absl::OkStatus();
}

}  // namespace
}  // namespace fairport

namespace {

int Main(int argc, char** argv) {
  using namespace fairport;
  std::vector<std::string> files =
      ParseFlagsOrExit(argc, argv, "inspect CHECKPOINT.pt");
  if (files.size() != 1)
    ExitBadUsage("inspect takes exactly one checkpoint file");
  absl::Status status = Inspect(ResolveUserPath(files[0]));
  return status.ok() ? 0 : ReportError(status);
}

}  // namespace

int main(int argc, char** argv) { return fairport::RunTool(argc, argv, Main); }
