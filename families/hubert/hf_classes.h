// transformers' HubertModel and HubertForCTC as the HF pass reads their
// config.json. HF-pass side.
#ifndef FAIRPORT_FAMILIES_HUBERT_HF_CLASSES_H_
#define FAIRPORT_FAMILIES_HUBERT_HF_CLASSES_H_

#include "absl/types/span.h"
#include "families/common/passes/hf_class_config.h"

namespace fairport::hubert {

absl::Span<const HfClassFields> HubertClasses();

}  // namespace fairport::hubert

#endif  // FAIRPORT_FAMILIES_HUBERT_HF_CLASSES_H_
