// Registers wav2vec2-conformer's conversion side as the family
// "wav2vec2_conformer".
#include <memory>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "families/common/convert/encoder_family.h"
#include "families/common/convert/quantizer_head.h"
#include "families/registry.h"
#include "families/wav2vec2_conformer/config.h"
#include "families/wav2vec2_conformer/mapping.h"
#include "families/wav2vec2_conformer/synthetic_checkpoint.h"

namespace fairport::wav2vec2_conformer {
namespace {

class ConformerFamily : public EncoderFamily {
 public:
  absl::string_view name() const override { return kFamilyName; }
  absl::string_view model_type() const override { return kModelType; }
  absl::StatusOr<ModelKind> DetectKind(
      const FairseqCheckpoint& checkpoint) const override {
    return wav2vec2_conformer::DetectKind(checkpoint);
  }
  std::string KindName(ModelKind kind) const override {
    return wav2vec2_conformer::KindName(kind);
  }
  std::string HfClass(ModelKind kind) const override {
    return HfClassName(kind);
  }
  absl::Status CheckRepresentable(const FairseqCheckpoint& checkpoint,
                                  ModelKind kind) const override {
    return wav2vec2_conformer::CheckRepresentable(checkpoint, kind);
  }
  absl::StatusOr<InferredConfig> InferConfig(
      const FairseqCheckpoint& checkpoint, ModelKind kind,
      std::optional<int64_t> vocab_size) const override {
    return wav2vec2_conformer::InferConfig(checkpoint, kind, vocab_size);
  }
  absl::StatusOr<WeightMapping> MapWeights(
      const FairseqCheckpoint& checkpoint, ModelKind kind,
      const nlohmann::json& hf_config, const std::string& config_source,
      bool strict, const std::string& /*language*/) const override {
    ASSIGN_OR_RETURN(Architecture arch,
                     Architecture::FromHfConfig(hf_config, config_source));
    RETURN_IF_ERROR(
        CheckClassFitsKind(arch.ctc, kind, hf_config, config_source));
    if (arch.pretraining_head && !HasQuantizerHead(checkpoint, kind)) {
      return absl::InvalidArgumentError(
          absl::StrCat(config_source, ": ", HfClassName(kind, true),
                       " needs the quantizer, project_q and final_proj, which ",
                       checkpoint.path(), " does not hold"));
    }
    return wav2vec2_conformer::MapWeights(checkpoint, kind, arch, strict);
  }

  absl::Status WriteSyntheticCheckpoint(
      const SyntheticOptions& options, const std::string& path) const override {
    return wav2vec2_conformer::WriteSyntheticCheckpoint(options, path);
  }
  std::string SyntheticDictionary() const override {
    return wav2vec2_conformer::SyntheticDictionary();
  }
};

FAIRPORT_REGISTER_FAMILY(ConformerFamily);

}  // namespace
}  // namespace fairport::wav2vec2_conformer
