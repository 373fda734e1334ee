#include "families/common/passes/fairseq_encoder.h"

#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "families/common/conv_layers.h"

namespace fairport {

std::string FairseqEncoderConfig::Field(absl::string_view key) const {
  return absl::StrCat(path_, ": ", enc_.path(), ".", key);
}

absl::Status FairseqEncoderConfig::Unimplemented(
    absl::string_view key, absl::string_view value) const {
  return absl::UnimplementedError(
      absl::StrCat(Field(key), " is ", value,
                   ", which the fairseq pass does not implement"));
}

absl::Status FairseqEncoderConfig::CheckDivisible(
    const FairseqEncoder& e) const {
  if (e.heads <= 0 || e.embed % e.heads != 0 || e.conv_pos_groups <= 0 ||
      e.embed % e.conv_pos_groups != 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        Field("encoder_embed_dim"), " ", e.embed,
        " does not divide into the attention heads or positional conv groups"));
  }
  return absl::OkStatus();
}

absl::StatusOr<FairseqEncoder> FairseqEncoderConfig::Read() const {
  FairseqEncoder e;
  auto int_or = [&](const char* key, int64_t& field) -> absl::Status {
    if (!enc_.Has(key)) return absl::OkStatus();
    ASSIGN_OR_RETURN(field, enc_.Int(key));
    return absl::OkStatus();
  };
  auto bool_or = [&](const char* key, bool& field) -> absl::Status {
    if (!enc_.Has(key)) return absl::OkStatus();
    ASSIGN_OR_RETURN(field, enc_.Bool(key));
    return absl::OkStatus();
  };
  auto string_or = [&](const char* key, std::string& field) -> absl::Status {
    if (!enc_.Has(key)) return absl::OkStatus();
    ASSIGN_OR_RETURN(field, enc_.String(key));
    return absl::OkStatus();
  };
  RETURN_IF_ERROR(int_or("encoder_embed_dim", e.embed));
  RETURN_IF_ERROR(int_or("encoder_layers", e.layers));
  RETURN_IF_ERROR(int_or("encoder_attention_heads", e.heads));
  RETURN_IF_ERROR(int_or("encoder_ffn_embed_dim", e.ffn));
  RETURN_IF_ERROR(int_or("conv_pos", e.conv_pos));
  RETURN_IF_ERROR(int_or("pos_conv_depth", e.pos_conv_depth));
  RETURN_IF_ERROR(int_or("conv_pos_groups", e.conv_pos_groups));
  RETURN_IF_ERROR(bool_or("conv_bias", e.conv_bias));
  std::string conv_text =
      "[(512, 10, 5)] + [(512, 3, 2)] * 4 + [(512,2,2)] + [(512,2,2)]";
  RETURN_IF_ERROR(string_or("conv_feature_layers", conv_text));
  absl::StatusOr<std::vector<ConvLayer>> conv =
      ParseConvFeatureLayers(conv_text);
  if (!conv.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(path_, ": ", enc_.path(), ".", conv.status().message()));
  }
  for (const ConvLayer& l : *conv) {
    e.conv_dim.push_back(l.dim);
    e.conv_kernel.push_back(l.kernel);
    e.conv_stride.push_back(l.stride);
  }
  RETURN_IF_ERROR(string_or("extractor_mode", e.extractor_mode));
  RETURN_IF_ERROR(bool_or("layer_norm_first", e.layer_norm_first));
  RETURN_IF_ERROR(string_or("activation_fn", e.activation_fn));
  return e;
}

}  // namespace fairport
