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
  // An error naming `config_source` unless config.json's class is a CTC
  // class exactly when `kind` is kCtc.
  absl::Status CheckClassFitsKind(bool ctc_class, ModelKind kind,
                                  const nlohmann::json& hf_config,
                                  const std::string& config_source) const;
};

}  // namespace fairport

#endif  // FAIRPORT_FAMILIES_COMMON_CONVERT_ENCODER_FAMILY_H_
