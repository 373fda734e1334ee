// data2vec audio behind the family interface (families/family.h): the
// conversion side, without LibTorch.
#include "families/family.h"

#include <memory>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "families/common/convert/encoder_family.h"
#include "families/common/convert/synthetic.h"
#include "families/data2vec_audio/config.h"
#include "families/data2vec_audio/mapping.h"
#include "families/data2vec_audio/synthetic_checkpoint.h"
#include "families/registry.h"

namespace fairport::data2vec_audio {
namespace {

class Data2VecAudioFamily : public EncoderFamily {
 public:
  absl::string_view name() const override { return "data2vec_audio"; }
  absl::string_view model_type() const override { return "data2vec-audio"; }

  absl::StatusOr<ModelKind> DetectKind(
      const FairseqCheckpoint& checkpoint) const override {
    return data2vec_audio::DetectKind(checkpoint);
  }
  std::string KindName(ModelKind kind) const override {
    return data2vec_audio::KindName(kind);
  }
  std::string HfClass(ModelKind kind) const override {
    return HfClassName(kind);
  }
  absl::Status CheckRepresentable(const FairseqCheckpoint& checkpoint,
                                  ModelKind kind) const override {
    return data2vec_audio::CheckRepresentable(checkpoint, kind);
  }
  absl::StatusOr<InferredConfig> InferConfig(
      const FairseqCheckpoint& checkpoint, ModelKind kind,
      std::optional<int64_t> vocab_size) const override {
    return data2vec_audio::InferConfig(checkpoint, kind, vocab_size);
  }
  absl::StatusOr<WeightMapping> MapWeights(
      const FairseqCheckpoint& checkpoint, ModelKind kind,
      const nlohmann::json& hf_config, const std::string& config_source,
      bool strict, const std::string& /*language*/) const override {
    ASSIGN_OR_RETURN(Architecture arch,
                     Architecture::FromHfConfig(hf_config, config_source));
    RETURN_IF_ERROR(
        CheckClassFitsKind(arch.ctc, kind, hf_config, config_source));
    return data2vec_audio::MapWeights(checkpoint, kind, arch, strict);
  }

  absl::Status WriteSyntheticCheckpoint(
      const SyntheticOptions& options, const std::string& path) const override {
    RETURN_IF_ERROR(RefuseMmsShapes(options.languages, options.labels, name()));
    SyntheticSpec spec;
    if (options.size == "tiny") {
      spec = SyntheticSpec::Tiny();
    } else if (options.size == "base") {
      spec = SyntheticSpec::Base();
    } else if (options.size == "large") {
      spec = SyntheticSpec::Large();
    } else {
      return absl::InvalidArgumentError(absl::StrCat(
          "no synthetic size '", options.size, "' (tiny, base or large)"));
    }
    spec.ctc = options.ctc;
    spec.dtype = options.dtype;
    spec.adam_state = options.adam_state;
    spec.seed = options.seed;
    return data2vec_audio::WriteSyntheticCheckpoint(spec, path);
  }
  std::string SyntheticDictionary() const override {
    return LetterDictionary();
  }
};

FAIRPORT_REGISTER_FAMILY(Data2VecAudioFamily);

}  // namespace
}  // namespace fairport::data2vec_audio
