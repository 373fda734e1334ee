#include "families/wav2vec2/family.h"

#include <memory>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "families/common/ctc_head.h"
#include "families/wav2vec2/config.h"
#include "families/wav2vec2/mapping.h"
#include "families/wav2vec2/synthetic_checkpoint.h"

namespace fairport::wav2vec2 {
namespace {

class Wav2Vec2StyleFamily : public ModelFamily {
 public:
  explicit Wav2Vec2StyleFamily(Variant variant) : variant_(variant) {}

  absl::string_view name() const override { return NamesOf(variant_).family; }
  absl::string_view model_type() const override {
    return NamesOf(variant_).model_type;
  }
  bool Claims(const FairseqCheckpoint& checkpoint) const override {
    return DetectKind(checkpoint).ok();
  }
  absl::StatusOr<ModelKind> DetectKind(
      const FairseqCheckpoint& checkpoint) const override {
    return wav2vec2::DetectKind(checkpoint, variant_);
  }
  std::string KindName(ModelKind kind) const override {
    return wav2vec2::KindName(variant_, kind);
  }
  std::string HfClass(ModelKind kind) const override {
    return HfClassName(variant_, kind);
  }
  absl::Status CheckRepresentable(const FairseqCheckpoint& checkpoint,
                                  ModelKind kind) const override {
    return wav2vec2::CheckRepresentable(checkpoint, variant_, kind);
  }
  absl::StatusOr<int64_t> CtcVocabularySize(
      const FairseqCheckpoint& checkpoint) const override {
    return CtcHeadRows(checkpoint);
  }
  absl::StatusOr<InferredConfig> InferConfig(
      const FairseqCheckpoint& checkpoint, ModelKind kind,
      std::optional<int64_t> vocab_size) const override {
    return wav2vec2::InferConfig(checkpoint, variant_, kind, vocab_size);
  }
  absl::StatusOr<WeightMapping> MapWeights(const FairseqCheckpoint& checkpoint,
                                           ModelKind kind,
                                           const nlohmann::json& hf_config,
                                           const std::string& config_source,
                                           bool strict) const override {
    ASSIGN_OR_RETURN(
        Architecture arch,
        Architecture::FromHfConfig(hf_config, config_source, variant_));
    if (arch.ctc != (kind == ModelKind::kCtc)) {
      return absl::InvalidArgumentError(absl::StrCat(
          config_source, ": architectures ",
          hf_config.value("architectures", nlohmann::json()).dump(),
          " do not fit a ", KindName(kind), " checkpoint"));
    }
    if (arch.pretraining_head &&
        !HasPretrainingHead(checkpoint, variant_, kind)) {
      return absl::InvalidArgumentError(
          absl::StrCat(config_source, ": ", HfClassName(variant_, kind, true),
                       " needs the quantizer, project_q and final_proj, which ",
                       checkpoint.path(), " does not hold"));
    }
    return wav2vec2::MapWeights(checkpoint, kind, arch, strict);
  }

  absl::Status WriteSyntheticCheckpoint(
      const SyntheticOptions& options, const std::string& path) const override {
    return wav2vec2::WriteSyntheticCheckpoint(variant_, options, path);
  }
  std::string SyntheticDictionary() const override {
    return wav2vec2::SyntheticDictionary();
  }

 private:
  Variant variant_;
};

}  // namespace

std::unique_ptr<ModelFamily> MakeFamily(Variant variant) {
  return std::make_unique<Wav2Vec2StyleFamily>(variant);
}

}  // namespace fairport::wav2vec2
