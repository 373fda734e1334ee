// What every family's conversion side does alike (families/family.h): it
// claims the checkpoints it detects, its CTC vocabulary is the size of the
// fine-tuned wrapper's output projection, and it refuses a config.json
// whose class does not fit the checkpoint's kind.
#ifndef FAIRPORT_FAMILIES_COMMON_CONVERT_ENCODER_FAMILY_H_
#define FAIRPORT_FAMILIES_COMMON_CONVERT_ENCODER_FAMILY_H_

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "fairseq/checkpoint.h"
#include "families/family.h"
#include "nlohmann/json.hpp"

namespace fairport {

class EncoderFamily : public ModelFamily {
 public:
  bool Claims(const FairseqCheckpoint& checkpoint) const final;
  absl::StatusOr<int64_t> CtcVocabularySize(
      const FairseqCheckpoint& checkpoint) const final;

 protected:
  // An error naming `config_source` unless config.json's class is of
  // `kind` (`class_kind`: kPretrained for the bare model and the
  // pretraining model alike).
  absl::Status CheckClassFitsKind(ModelKind class_kind, ModelKind kind,
                                  const nlohmann::json& hf_config,
                                  const std::string& config_source) const;
  // The same for a family whose classes are the bare model, the pretraining
  // model and a CTC model.
  absl::Status CheckClassFitsKind(bool ctc_class, ModelKind kind,
                                  const nlohmann::json& hf_config,
                                  const std::string& config_source) const {
    return CheckClassFitsKind(
        ctc_class ? ModelKind::kCtc : ModelKind::kPretrained, kind, hf_config,
        config_source);
  }
};

}  // namespace fairport

#endif  // FAIRPORT_FAMILIES_COMMON_CONVERT_ENCODER_FAMILY_H_
