// Where a fairseq encoder's configuration lives, for the families whose
// checkpoints are the encoder itself (pretrained) or a fine-tuned wrapper
// around it (wav2vec_ctc, hubert_ctc): the encoder's name, and the fields
// the wrapper's own config overrides (mms.md section 2). Conversion and
// forward sides alike: it reads the config only.
#ifndef FAIRPORT_FAMILIES_COMMON_WRAPPED_ENCODER_H_
#define FAIRPORT_FAMILIES_COMMON_WRAPPED_ENCODER_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "fairseq/checkpoint.h"
#include "fairseq/config_view.h"

namespace fairport {

// The encoder's model name inside a wrapper: w2v_args.model._name, or
// args.w2v_args.arch for a legacy (argparse) checkpoint.
absl::StatusOr<std::string> WrappedEncoderName(
    const FairseqCheckpoint& checkpoint, const ConfigView& encoder);

// The view `key` of the encoder is read from. fairseq's Wav2VecEncoder
// writes the fine-tuning config's checkpoint_activations, layer_type,
// adp_num, adp_dim, adp_act_fn and adp_trf_idx over w2v_args.model
// whenever they are set (wav2vec2_asr.py:439-446), so for a wrapped
// encoder those fields come from the wrapper's config when it has them
// (checkpoints fine-tuned before the MMS release have none) and from the
// stored encoder config otherwise. For any other key, or an unwrapped
// encoder, it is `encoder`.
ConfigView EffectiveEncoderView(const FairseqCheckpoint& checkpoint,
                                const ConfigView& encoder, bool wrapped,
                                absl::string_view key);

// The encoder's effective layer_type (fairseq's default "transformer").
absl::StatusOr<std::string> EffectiveLayerType(
    const FairseqCheckpoint& checkpoint, const ConfigView& encoder,
    bool wrapped);

}  // namespace fairport

#endif  // FAIRPORT_FAMILIES_COMMON_WRAPPED_ENCODER_H_
