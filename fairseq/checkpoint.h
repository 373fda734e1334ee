// A fairseq checkpoint: the `model` state dict (nested dicts flattened to
// dotted names, in file order) and the configuration, whether stored as a
// hydra `cfg` dict or as a legacy argparse `args` Namespace. Speaks of
// fairseq names only.
#ifndef FAIRPORT_FAIRSEQ_CHECKPOINT_H_
#define FAIRPORT_FAIRSEQ_CHECKPOINT_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "fairseq/config_view.h"
#include "formats/torch_archive.h"

namespace fairport {

struct NamedTensor {
  std::string name;
  const TensorRef* tensor;
};

class FairseqCheckpoint {
 public:
  static absl::StatusOr<FairseqCheckpoint> Load(const std::string& path);

  const std::string& path() const { return archive_.path(); }
  const TorchArchive& archive() const { return archive_; }
  const std::vector<NamedTensor>& state_dict() const { return state_dict_; }
  const TensorRef* FindTensor(absl::string_view name) const;

  // True for pre-hydra checkpoints, whose configuration is `args`.
  bool legacy_args() const { return legacy_args_; }
  // `cfg.model` (hydra) or `args` (legacy).
  const ConfigView& model_config() const { return model_config_; }
  // `cfg.task` (hydra) or `args` (legacy).
  const ConfigView& task_config() const { return task_config_; }
  // cfg.model._name or args.arch, e.g. "data2vec_audio", "wav2vec_ctc".
  const std::string& architecture() const { return architecture_; }
  // The training criterion, cfg.criterion._name or args.criterion (e.g.
  // "ctc"), or "" when the checkpoint names none; its fields are in
  // criterion_config(): `cfg.criterion` (hydra) or `args` (legacy).
  const std::string& criterion() const { return criterion_; }
  const ConfigView& criterion_config() const { return criterion_config_; }

  // For models that wrap a pretrained encoder (wav2vec_ctc): the encoder's
  // model configuration, `cfg.model.w2v_args.model` or `args.w2v_args`.
  absl::StatusOr<ConfigView> WrappedEncoderConfig() const;

  // The model for people: "'wav2vec_ctc' (cfg.model._name) over
  // 'data2vec_audio'".
  std::string ModelDescription() const;

 private:
  explicit FairseqCheckpoint(TorchArchive archive)
      : archive_(std::move(archive)) {}
  absl::Status Index();

  TorchArchive archive_;
  std::vector<NamedTensor> state_dict_;
  absl::flat_hash_map<std::string, size_t> by_name_;
  bool legacy_args_ = false;
  ConfigView model_config_{nullptr, ""};
  ConfigView task_config_{nullptr, ""};
  ConfigView criterion_config_{nullptr, ""};
  std::string architecture_;
  std::string criterion_;
};

}  // namespace fairport

#endif  // FAIRPORT_FAIRSEQ_CHECKPOINT_H_
