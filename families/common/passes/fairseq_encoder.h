// What a fairseq pass reads of an encoder's own fairseq config, as
// fairseq's models build themselves from it: the dataclass default where a
// field is missing (not noted: this is the reference side, independent of
// the converter's inference), errors naming the field.
#ifndef FAIRPORT_FAMILIES_COMMON_PASSES_FAIRSEQ_ENCODER_H_
#define FAIRPORT_FAMILIES_COMMON_PASSES_FAIRSEQ_ENCODER_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "fairseq/checkpoint.h"

namespace fairport {

// The fields of Wav2Vec2Config that data2vec audio and HuBERT inherit.
struct FairseqEncoder {
  std::vector<int64_t> conv_dim, conv_kernel, conv_stride;
  int64_t embed = 768;
  int64_t layers = 12;
  int64_t heads = 12;
  int64_t ffn = 3072;
  int64_t conv_pos = 128;
  int64_t conv_pos_groups = 16;
  int64_t pos_conv_depth = 1;
  bool conv_bias = false;
  std::string extractor_mode = "default";
  bool layer_norm_first = false;
  std::string activation_fn = "gelu";
};

class FairseqEncoderConfig {
 public:
  FairseqEncoderConfig(const FairseqCheckpoint& checkpoint, ConfigView enc)
      : path_(checkpoint.path()), enc_(std::move(enc)) {}

  absl::StatusOr<FairseqEncoder> Read() const;
  // "<checkpoint>: <config path>.<key>", for messages.
  std::string Field(absl::string_view key) const;
  // "<field> is <value>, which the fairseq pass does not implement".
  absl::Status Unimplemented(absl::string_view key,
                             absl::string_view value) const;
  // Refuses dimensions that do not divide into the heads or groups.
  absl::Status CheckDivisible(const FairseqEncoder& encoder) const;
  const ConfigView& view() const { return enc_; }

 private:
  std::string path_;
  ConfigView enc_;
};

}  // namespace fairport

#endif  // FAIRPORT_FAMILIES_COMMON_PASSES_FAIRSEQ_ENCODER_H_
