// The CTC head every fine-tuned fairseq wrapper (wav2vec_ctc, hubert_ctc)
// stores: w2v_encoder.proj. Read by the conversion side and by the fairseq
// passes alike, so it links nothing of the mapping.
#ifndef FAIRPORT_FAMILIES_COMMON_CTC_HEAD_H_
#define FAIRPORT_FAMILIES_COMMON_CTC_HEAD_H_

#include <cstdint>

#include "absl/status/statusor.h"
#include "fairseq/checkpoint.h"

namespace fairport {

// Rows of w2v_encoder.proj.weight: the dictionary size the model was
// trained with.
absl::StatusOr<int64_t> CtcHeadRows(const FairseqCheckpoint& checkpoint);

}  // namespace fairport

#endif  // FAIRPORT_FAMILIES_COMMON_CTC_HEAD_H_
