#include "families/common/convert/encoder_family.h"

#include "absl/strings/str_cat.h"
#include "base/json.h"
#include "families/common/ctc_head.h"

namespace fairport {

bool EncoderFamily::Claims(const FairseqCheckpoint& checkpoint) const {
  return DetectKind(checkpoint).ok();
}

absl::StatusOr<int64_t> EncoderFamily::CtcVocabularySize(
    const FairseqCheckpoint& checkpoint) const {
  return CtcHeadRows(checkpoint);
}

absl::Status EncoderFamily::CheckClassFitsKind(
    ModelKind class_kind, ModelKind kind, const nlohmann::json& hf_config,
    const std::string& config_source) const {
  if (class_kind == kind) return absl::OkStatus();
  return absl::InvalidArgumentError(
      absl::StrCat(config_source, ": architectures ",
                   DumpJson(hf_config.value("architectures", nlohmann::json())),
                   " do not fit a ", KindName(kind), " checkpoint"));
}

}  // namespace fairport
