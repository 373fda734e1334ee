#include "families/wav2vec2_encoder/family.h"

#include <memory>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "families/common/convert/encoder_family.h"
#include "families/wav2vec2_encoder/config.h"
#include "families/wav2vec2_encoder/mapping.h"
#include "families/wav2vec2_encoder/synthetic_checkpoint.h"

namespace fairport::wav2vec2_encoder {
namespace {

class Wav2Vec2StyleFamily : public EncoderFamily {
 public:
  explicit Wav2Vec2StyleFamily(const Flavor& flavor) : flavor_(flavor) {}

  absl::string_view name() const override { return flavor_.family; }
  absl::string_view model_type() const override { return flavor_.model_type; }
  absl::StatusOr<ModelKind> DetectKind(
      const FairseqCheckpoint& checkpoint) const override {
    return wav2vec2_encoder::DetectKind(checkpoint, flavor_);
  }
  std::string KindName(ModelKind kind) const override {
    return wav2vec2_encoder::KindName(flavor_, kind);
  }
  std::string HfClass(ModelKind kind) const override {
    return HfClassName(flavor_, kind);
  }
  absl::Status CheckRepresentable(const FairseqCheckpoint& checkpoint,
                                  ModelKind kind) const override {
    return wav2vec2_encoder::CheckRepresentable(checkpoint, flavor_, kind);
  }
  absl::StatusOr<InferredConfig> InferConfig(
      const FairseqCheckpoint& checkpoint, ModelKind kind,
      std::optional<int64_t> vocab_size) const override {
    return wav2vec2_encoder::InferConfig(checkpoint, flavor_, kind, vocab_size);
  }
  absl::StatusOr<WeightMapping> MapWeights(
      const FairseqCheckpoint& checkpoint, ModelKind kind,
      const nlohmann::json& hf_config, const std::string& config_source,
      bool strict, const std::string& language) const override {
    ASSIGN_OR_RETURN(Architecture arch, Architecture::FromHfConfig(
                                            hf_config, config_source, flavor_));
    RETURN_IF_ERROR(CheckClassFitsKind(arch.ctc ? ModelKind::kCtc
                                       : arch.classification
                                           ? ModelKind::kSequenceClassification
                                           : ModelKind::kPretrained,
                                       kind, hf_config, config_source));
    if (arch.pretraining_head &&
        !HasPretrainingHead(checkpoint, flavor_, kind)) {
      return absl::InvalidArgumentError(
          absl::StrCat(config_source, ": ", HfClassName(flavor_, kind, true),
                       " needs the quantizer, project_q and final_proj, which ",
                       checkpoint.path(), " does not hold"));
    }
    return wav2vec2_encoder::MapWeights(checkpoint, kind, arch, strict,
                                        language);
  }

  absl::StatusOr<std::vector<Language>> Languages(
      const FairseqCheckpoint& checkpoint) const override {
    ASSIGN_OR_RETURN(ModelKind kind, DetectKind(checkpoint));
    ASSIGN_OR_RETURN(std::optional<AttnAdapterConfig> adapters,
                     AttnAdaptersOf(checkpoint, flavor_, kind));
    if (!adapters.has_value()) return std::vector<Language>();
    return AdapterLanguages(checkpoint, *adapters);
  }

  absl::Status WriteSyntheticCheckpoint(
      const SyntheticOptions& options, const std::string& path) const override {
    return wav2vec2_encoder::WriteSyntheticCheckpoint(flavor_, options, path);
  }
  std::string SyntheticDictionary() const override {
    return wav2vec2_encoder::SyntheticDictionary();
  }

 private:
  const Flavor& flavor_;
};

}  // namespace

std::unique_ptr<ModelFamily> MakeFamily(const Flavor& flavor) {
  return std::make_unique<Wav2Vec2StyleFamily>(flavor);
}

}  // namespace fairport::wav2vec2_encoder
