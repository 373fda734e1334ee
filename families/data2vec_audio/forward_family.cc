// data2vec audio's two forward passes behind the registry
// (families/forward_family.h). Each side builds its model from its own
// files only: the fairseq pass reads the checkpoint's fairseq config as
// fairseq's Data2VecAudioModel does; the HF pass reads config.json as
// transformers' Data2VecAudioConfig does.
#include "families/forward_family.h"

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "base/json_file.h"
#include "base/status_macros.h"
#include "families/common/conv_layers.h"
#include "families/common/pass_activations.h"
#include "families/common/weights.h"
#include "families/data2vec_audio/config.h"
#include "families/data2vec_audio/forward.h"
#include "ops/activation.h"
#include "ops/torch_errors.h"

namespace fairport::data2vec_audio {
namespace {

using ops::Activation;

int64_t ReceptiveField(const Architecture& arch) {
  return ConvReceptiveField(arch.conv_kernel, arch.conv_stride);
}

// 2*M*N*K for every matrix product and convolution on valid frames.
double ValidFrameFlopsOf(const Architecture& a,
                         const std::vector<int64_t>& samples) {
  double flops = 0;
  const double c = a.hidden_size, f = a.intermediate_size;
  for (int64_t n : samples) {
    double length = static_cast<double>(n);
    int64_t in = 1;
    for (size_t i = 0; i < a.conv_dim.size(); ++i) {
      length = std::floor((length - a.conv_kernel[i]) / a.conv_stride[i]) + 1;
      flops += 2.0 * length * a.conv_dim[i] * in * a.conv_kernel[i];
      in = a.conv_dim[i];
    }
    const double t = length;
    flops += 2.0 * t * a.conv_dim.back() * c;  // projection
    flops += a.num_conv_pos_embeddings * 2.0 * t * c *
             (c / a.num_conv_pos_embedding_groups) *  // pos conv
             a.conv_pos_kernel_size;
    flops += a.num_hidden_layers *
             (4 * 2.0 * t * c * c + 2 * 2.0 * t * t * c + 2 * 2.0 * t * c * f);
    if (a.ctc) flops += 2.0 * t * c * a.vocab_size;  // CTC head
  }
  return flops;
}

class FairseqPass : public ForwardPass {
 public:
  FairseqPass(Architecture arch, Activation activation, Weights weights)
      : model_(std::move(arch), activation, std::move(weights)) {}
  ForwardOutput Forward(const torch::Tensor& input,
                        const torch::Tensor& attention_mask,
                        bool with_layers) const override {
    // fairseq takes a padding mask: true = padded sample.
    return model_.Forward(
        input, attention_mask.defined() ? attention_mask == 0 : torch::Tensor(),
        with_layers);
  }
  double ValidFrameFlops(const std::vector<int64_t>& samples) const override {
    return ValidFrameFlopsOf(model_.arch(), samples);
  }
  int64_t SamplesForFrames(int64_t frames) const override {
    return ConvInputSamples(model_.arch().conv_kernel,
                            model_.arch().conv_stride, frames);
  }

 private:
  FairseqData2VecAudio model_;
};

class HfPass : public ForwardPass {
 public:
  HfPass(Architecture arch, HfData2VecAudio::Activations activations,
         Weights weights)
      : model_(std::move(arch), activations, std::move(weights)) {}
  ForwardOutput Forward(const torch::Tensor& input,
                        const torch::Tensor& attention_mask,
                        bool with_layers) const override {
    return model_.Forward(input, attention_mask, with_layers);
  }
  double ValidFrameFlops(const std::vector<int64_t>& samples) const override {
    return ValidFrameFlopsOf(model_.arch(), samples);
  }
  int64_t SamplesForFrames(int64_t frames) const override {
    return ConvInputSamples(model_.arch().conv_kernel,
                            model_.arch().conv_stride, frames);
  }

 private:
  HfData2VecAudio model_;
};

// The model fairseq's Data2VecAudioModel builds from its config (the
// encoder's, inside w2v_args, for wav2vec_ctc): read here, not through
// the converter's inference, so that a mistake there shows in parity.
struct FairseqBuild {
  Architecture arch;
  Activation activation;
};

absl::StatusOr<FairseqBuild> BuildFromFairseqConfig(
    const FairseqCheckpoint& checkpoint, ModelKind kind) {
  ConfigView enc = checkpoint.model_config();
  if (kind == ModelKind::kCtc) {
    ASSIGN_OR_RETURN(enc, checkpoint.WrappedEncoderConfig());
  }
  const std::string& path = checkpoint.path();
  auto field = [&](const char* key) {
    return absl::StrCat(path, ": ", enc.path(), ".", key);
  };
  // fairseq's dataclass default where the stored config lacks the field.
  auto int_or = [&](const char* key,
                    int64_t fallback) -> absl::StatusOr<int64_t> {
    return enc.Has(key) ? enc.Int(key) : fallback;
  };
  auto bool_or = [&](const char* key, bool fallback) -> absl::StatusOr<bool> {
    return enc.Has(key) ? enc.Bool(key) : fallback;
  };
  auto string_or = [&](const char* key,
                       std::string fallback) -> absl::StatusOr<std::string> {
    return enc.Has(key) ? enc.String(key) : fallback;
  };
  auto unimplemented = [&](const char* key, absl::string_view value) {
    return absl::UnimplementedError(
        absl::StrCat(field(key), " is ", value,
                     ", which the fairseq pass does not implement"));
  };
  FairseqBuild build;
  Architecture& a = build.arch;
  // Wav2Vec2Config's defaults, which Data2VecAudioConfig inherits.
  ASSIGN_OR_RETURN(a.hidden_size, int_or("encoder_embed_dim", 768));
  ASSIGN_OR_RETURN(a.num_hidden_layers, int_or("encoder_layers", 12));
  ASSIGN_OR_RETURN(a.num_attention_heads,
                   int_or("encoder_attention_heads", 12));
  ASSIGN_OR_RETURN(a.intermediate_size, int_or("encoder_ffn_embed_dim", 3072));
  ASSIGN_OR_RETURN(int64_t conv_pos, int_or("conv_pos", 128));
  ASSIGN_OR_RETURN(int64_t depth, int_or("pos_conv_depth", 1));
  ASSIGN_OR_RETURN(a.num_conv_pos_embedding_groups,
                   int_or("conv_pos_groups", 16));
  ASSIGN_OR_RETURN(a.conv_bias, bool_or("conv_bias", false));
  ASSIGN_OR_RETURN(
      std::string conv_text,
      string_or(
          "conv_feature_layers",
          "[(512, 10, 5)] + [(512, 3, 2)] * 4 + [(512,2,2)] + [(512,2,2)]"));
  absl::StatusOr<std::vector<ConvLayer>> conv =
      ParseConvFeatureLayers(conv_text);
  if (!conv.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": ", enc.path(), ".", conv.status().message()));
  }
  for (const ConvLayer& l : *conv) {
    a.conv_dim.push_back(l.dim);
    a.conv_kernel.push_back(l.kernel);
    a.conv_stride.push_back(l.stride);
  }
  ASSIGN_OR_RETURN(std::string mode, string_or("extractor_mode", "default"));
  if (mode != "layer_norm") return unimplemented("extractor_mode", mode);
  ASSIGN_OR_RETURN(bool layer_norm_first, bool_or("layer_norm_first", false));
  if (layer_norm_first) return unimplemented("layer_norm_first", "True");
  // TransformerEncoder: pos_conv_depth > 1 stacks that many convolutions of
  // kernel max(3, conv_pos // depth); depth 1 is wav2vec 2.0's single
  // weight-normed convolution.
  if (depth <= 1) return unimplemented("pos_conv_depth", absl::StrCat(depth));
  a.num_conv_pos_embeddings = depth;
  a.conv_pos_kernel_size = std::max<int64_t>(3, conv_pos / depth);
  a.layer_norm_eps = 1e-5;  // fairseq's LayerNorm default
  if (a.num_attention_heads <= 0 ||
      a.hidden_size % a.num_attention_heads != 0 ||
      a.num_conv_pos_embedding_groups <= 0 ||
      a.hidden_size % a.num_conv_pos_embedding_groups != 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        field("encoder_embed_dim"), " ", a.hidden_size,
        " does not divide into the attention heads or positional conv groups"));
  }
  ASSIGN_OR_RETURN(std::string activation_fn,
                   string_or("activation_fn", "gelu"));
  ASSIGN_OR_RETURN(build.activation,
                   FairseqActivation(activation_fn, field("activation_fn")));
  a.ctc = kind == ModelKind::kCtc;
  if (a.ctc) {
    ASSIGN_OR_RETURN(a.vocab_size, CtcVocabularySize(checkpoint));
  }
  return build;
}

class Data2VecAudioForward : public ForwardFamily {
 public:
  absl::string_view name() const override { return "data2vec_audio"; }
  absl::string_view model_type() const override { return "data2vec-audio"; }
  bool Claims(const FairseqCheckpoint& checkpoint) const override {
    return DetectKind(checkpoint).ok();
  }

  absl::StatusOr<LoadedModel> LoadFairseq(
      const FairseqCheckpoint& checkpoint) const override {
    ASSIGN_OR_RETURN(ModelKind kind, DetectKind(checkpoint));
    ASSIGN_OR_RETURN(FairseqBuild build,
                     BuildFromFairseqConfig(checkpoint, kind));
    LoadedModel model;
    model.ctc = kind == ModelKind::kCtc;
    model.description = KindName(kind);
    model.model_type = std::string(model_type());
    model.receptive_field = ReceptiveField(build.arch);
    const ConfigView& task = checkpoint.task_config();
    if (task.Has("normalize")) {
      ASSIGN_OR_RETURN(model.normalize, task.Bool("normalize"));
    }
    ASSIGN_OR_RETURN(Weights weights, FairseqWeights(checkpoint));
    RETURN_IF_ERROR(ops::CatchTorchErrors(checkpoint.path(), [&] {
      model.pass = std::make_unique<FairseqPass>(build.arch, build.activation,
                                                 std::move(weights));
      return absl::OkStatus();
    }));
    return model;
  }

  absl::StatusOr<LoadedModel> LoadHf(
      const std::string& model_dir) const override {
    const std::string config_path = absl::StrCat(model_dir, "/config.json");
    ASSIGN_OR_RETURN(nlohmann::json config, ReadJsonObject(config_path));
    ASSIGN_OR_RETURN(Architecture arch,
                     Architecture::FromHfConfig(config, config_path));
    HfData2VecAudio::Activations activations;
    ASSIGN_OR_RETURN(activations.hidden,
                     HfActivation(config, "hidden_act", config_path));
    ASSIGN_OR_RETURN(
        activations.feature,
        HfActivation(config, "feat_extract_activation", config_path));
    const std::string preprocessor_path =
        absl::StrCat(model_dir, "/preprocessor_config.json");
    ASSIGN_OR_RETURN(nlohmann::json preprocessor,
                     ReadJsonObject(preprocessor_path));
    LoadedModel model;
    model.ctc = arch.ctc;
    model.description =
        HfClassName(arch.ctc ? ModelKind::kCtc : ModelKind::kPretrained);
    model.model_type = std::string(model_type());
    model.receptive_field = ReceptiveField(arch);
    model.normalize = preprocessor.contains("do_normalize") &&
                      preprocessor["do_normalize"].is_boolean() &&
                      preprocessor["do_normalize"].get<bool>();
    ASSIGN_OR_RETURN(Weights weights, HfWeights(model_dir));
    RETURN_IF_ERROR(ops::CatchTorchErrors(model_dir, [&] {
      model.pass =
          std::make_unique<HfPass>(arch, activations, std::move(weights));
      return absl::OkStatus();
    }));
    return model;
  }
};

FAIRPORT_REGISTER_FORWARD_FAMILY(Data2VecAudioForward);

}  // namespace
}  // namespace fairport::data2vec_audio
