#include "families/common/wrapped_encoder.h"

#include "formats/pickle.h"

namespace fairport {

absl::StatusOr<std::string> WrappedEncoderName(
    const FairseqCheckpoint& checkpoint, const ConfigView& encoder) {
  const bool legacy = checkpoint.legacy_args() ||
                      encoder.node()->is(PickleValue::Kind::kObject);
  return encoder.String(legacy ? "arch" : "_name");
}

ConfigView EffectiveEncoderView(const FairseqCheckpoint& checkpoint,
                                const ConfigView& encoder, bool wrapped,
                                absl::string_view key) {
  static constexpr absl::string_view kOverlaid[] = {"checkpoint_activations",
                                                    "layer_type",
                                                    "adp_num",
                                                    "adp_dim",
                                                    "adp_act_fn",
                                                    "adp_trf_idx"};
  if (!wrapped) return encoder;
  for (absl::string_view overlaid : kOverlaid) {
    if (key == overlaid && checkpoint.model_config().Has(key))
      return checkpoint.model_config();
  }
  return encoder;
}

absl::StatusOr<std::string> EffectiveLayerType(
    const FairseqCheckpoint& checkpoint, const ConfigView& encoder,
    bool wrapped) {
  const ConfigView view =
      EffectiveEncoderView(checkpoint, encoder, wrapped, "layer_type");
  if (!view.Has("layer_type")) return std::string("transformer");
  return view.String("layer_type");
}

}  // namespace fairport
