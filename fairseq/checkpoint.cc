#include "fairseq/checkpoint.h"

#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "base/status_macros.h"

namespace fairport {
namespace {

using Kind = PickleValue::Kind;

// The state dict nests at most one level (`_ema`); allow a little more.
constexpr int kMaxStateDictDepth = 8;

// Each dict is walked once: a pickle can hold one dict under many keys
// through its memo (cheap to store, exponential to walk), which a state dict
// written by torch.save never does. So the walk is linear in the pickle.
absl::Status Flatten(const std::string& path, const PickleValue& dict,
                     const std::string& prefix, int depth,
                     absl::flat_hash_set<const PickleValue*>& walked,
                     std::vector<NamedTensor>& out) {
  if (depth > kMaxStateDictDepth) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": model['", absl::StripSuffix(prefix, "."),
                     "'] nests too deeply"));
  }
  if (!walked.insert(&dict).second) {
    return absl::InvalidArgumentError(absl::StrCat(
        path, ": model['", absl::StripSuffix(prefix, "."),
        "'] is a dict that already appears under another name; a state dict "
        "holds each sub-dict once"));
  }
  for (const auto& [key, value] : dict.entries()) {
    if (!key->is(Kind::kString)) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, ": model has a ", key->TypeName(),
                       " key where names are strings"));
    }
    std::string name = absl::StrCat(prefix, key->text());
    if (value->is(Kind::kTensor)) {
      out.push_back({name, &value->tensor()});
    } else if (value->is(Kind::kDict)) {
      RETURN_IF_ERROR(
          Flatten(path, *value, name + ".", depth + 1, walked, out));
    } else {
      return absl::InvalidArgumentError(
          absl::StrCat(path, ": model['", name, "'] is a ", value->TypeName(),
                       ", not a tensor"));
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<FairseqCheckpoint> FairseqCheckpoint::Load(
    const std::string& path) {
  ASSIGN_OR_RETURN(TorchArchive archive, TorchArchive::Open(path));
  FairseqCheckpoint checkpoint(std::move(archive));
  RETURN_IF_ERROR(checkpoint.Index());
  return checkpoint;
}

absl::Status FairseqCheckpoint::Index() {
  const PickleValue& root = archive_.root();
  auto invalid = [&](absl::string_view problem) {
    return absl::InvalidArgumentError(absl::StrCat(path(), ": ", problem));
  };
  if (!root.is(Kind::kDict)) {
    return invalid(absl::StrCat("top level is a ", root.TypeName(),
                                ", not a fairseq checkpoint dict"));
  }
  const PickleValue* model = root.Find("model");
  if (model == nullptr)
    return invalid("no 'model' entry: not a fairseq checkpoint");
  if (!model->is(Kind::kDict)) {
    return invalid(
        absl::StrCat("'model' is a ", model->TypeName(), ", not a state dict"));
  }
  absl::flat_hash_set<const PickleValue*> walked;
  RETURN_IF_ERROR(Flatten(path(), *model, "", 0, walked, state_dict_));
  for (size_t i = 0; i < state_dict_.size(); ++i)
    by_name_[state_dict_[i].name] = i;

  const PickleValue* cfg = root.Find("cfg");
  const PickleValue* args = root.Find("args");
  if (cfg != nullptr && cfg->is(Kind::kDict)) {
    ConfigView top(cfg, "cfg");
    ASSIGN_OR_RETURN(model_config_, top.Child("model"));
    ASSIGN_OR_RETURN(task_config_, top.Child("task"));
    ASSIGN_OR_RETURN(architecture_, model_config_.String("_name"));
    // Optional, and never a reason to refuse a checkpoint: conversion takes
    // only transformers' CTC loss settings from it.
    const PickleValue* criterion = cfg->Find("criterion");
    if (criterion != nullptr && criterion->is(Kind::kDict)) {
      criterion_config_ = ConfigView(criterion, "cfg.criterion");
      criterion_ = criterion_config_.String("_name").value_or("");
    }
  } else if (args != nullptr && args->is(Kind::kObject) &&
             args->state() != nullptr) {
    legacy_args_ = true;
    model_config_ = ConfigView(args, "args");
    task_config_ = model_config_;
    ASSIGN_OR_RETURN(architecture_, model_config_.String("arch"));
    criterion_config_ = model_config_;
    criterion_ = model_config_.String("criterion").value_or("");
  } else if (cfg != nullptr && cfg->is(Kind::kObject)) {
    return invalid(
        absl::StrCat("'cfg' is a pickled ", cfg->TypeName(),
                     " object; re-save the checkpoint with a plain-dict cfg"));
  } else {
    return invalid("neither 'cfg' nor 'args' holds a configuration");
  }
  return absl::OkStatus();
}

const TensorRef* FairseqCheckpoint::FindTensor(absl::string_view name) const {
  auto it = by_name_.find(name);
  return it == by_name_.end() ? nullptr : state_dict_[it->second].tensor;
}

absl::StatusOr<ConfigView> FairseqCheckpoint::WrappedEncoderConfig() const {
  if (!model_config_.Has("w2v_args")) {
    return absl::InvalidArgumentError(absl::StrCat(
        path(), ": ", model_config_.path(),
        ".w2v_args is None: the encoder configuration is not in the file "
        "(fairseq would read it "
        "from w2v_path); re-save the fine-tuned checkpoint with w2v_args"));
  }
  ASSIGN_OR_RETURN(ConfigView w2v_args, model_config_.Child("w2v_args"));
  if (legacy_args_ || w2v_args.node()->is(Kind::kObject)) return w2v_args;
  return w2v_args.Child("model");
}

std::string FairseqCheckpoint::ModelDescription() const {
  std::string text =
      absl::StrCat("'", architecture_, "' (",
                   legacy_args_ ? "args.arch" : "cfg.model._name", ")");
  absl::StatusOr<ConfigView> encoder = WrappedEncoderConfig();
  if (encoder.ok()) {
    for (const char* key : {"_name", "arch"}) {
      absl::StatusOr<std::string> name = encoder->String(key);
      if (name.ok()) return absl::StrCat(text, " over '", *name, "'");
    }
  }
  return text;
}

}  // namespace fairport
