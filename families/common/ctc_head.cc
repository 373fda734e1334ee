#include "families/common/ctc_head.h"

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace fairport {

absl::StatusOr<int64_t> CtcHeadRows(const FairseqCheckpoint& checkpoint) {
  const TensorRef* head = checkpoint.FindTensor("w2v_encoder.proj.weight");
  if (head == nullptr || head->shape.size() != 2) {
    return absl::InvalidArgumentError(
        absl::StrCat(checkpoint.path(),
                     ": CTC checkpoint without a 2-D w2v_encoder.proj.weight"));
  }
  return head->shape[0];
}

}  // namespace fairport
