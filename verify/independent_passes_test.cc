// The two parity passes can disagree. A fine-tuned checkpoint whose encoder
// uses ReLU (fairseq's activation_fn: relu, written into the fixture's
// stored config) must be run with ReLU by the fairseq pass, converted with
// hidden_act "relu", and pass parity; the same conversion with config.json
// edited to "gelu" must fail it, since the HF pass reads config.json alone.
#include <sys/stat.h>

#include <cmath>
#include <cstdio>
#include <fstream>

#include "ATen/TensorOperators.h"
#include "ATen/ops/arange.h"
#include "ATen/ops/erf.h"
#include "ATen/ops/matmul.h"
#include "ATen/ops/relu.h"
#include "ATen/ops/sin.h"
#include "ATen/ops/softmax.h"
#include "ATen/ops/sqrt.h"
#include "base/json.h"
#include "converter/conversion.h"
#include "datasets/synthetic.h"
#include "fairseq/checkpoint.h"
#include "families/common/passes/weights.h"
#include "families/forward_family.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "tests/fixtures.h"
#include "tests/hostile_inputs.h"
#include "verify/parity.h"

namespace fairport {
namespace {

using ::fairport::testing::FixturePath;
using ::fairport::testing::ReadJson;
using ::fairport::testing::Slurp;
using ::fairport::testing::TempDir;

// The finetuned fixture with its one stored "gelu" (the encoder's
// activation_fn) replaced by "relu"; every other entry unchanged.
std::string ReluCheckpoint() {
  const std::string path = TempDir() + "/relu/checkpoint.pt";
  ::mkdir((TempDir() + "/relu").c_str(), 0755);
  int replaced = 0;
  std::ofstream(path, std::ios::binary) << testing::ZipWithReplaced(
      FixturePath("finetuned/checkpoint.pt"), "checkpoint/data.pkl",
      std::string("X\x04\0\0\0gelu", 9), std::string("X\x04\0\0\0relu", 9),
      &replaced);
  EXPECT_EQ(replaced, 1);
  return path;
}

// fairseq's post-LN TransformerSentenceEncoderLayer with a ReLU
// feed-forward, then the CTC projection, by hand in double precision, on
// one unpadded utterance's frames `x` (T, C).
at::Tensor LastLayerAndHead(const Weights& w, int64_t layer, int64_t heads,
                            const at::Tensor& x, bool relu) {
  auto W = [&](const std::string& name) {
    return w
        .at("w2v_encoder.w2v_model.encoder.layers." + std::to_string(layer) +
            "." + name)
        .to(at::kDouble);
  };
  auto linear = [&](const at::Tensor& in, const std::string& name) {
    return at::matmul(in, W(name + ".weight").t()) + W(name + ".bias");
  };
  auto layer_norm = [&](const at::Tensor& in, const std::string& name) {
    at::Tensor mean = in.mean(-1, true);
    at::Tensor var = (in - mean).pow(2).mean(-1, true);
    return (in - mean) / at::sqrt(var + 1e-5) * W(name + ".weight") +
           W(name + ".bias");
  };
  const int64_t T = x.size(0), C = x.size(1), d = C / heads;
  at::Tensor q = linear(x, "self_attn.q_proj") * std::pow(d, -0.5);
  at::Tensor k = linear(x, "self_attn.k_proj");
  at::Tensor v = linear(x, "self_attn.v_proj");
  auto split = [&](const at::Tensor& t) {
    return t.view({T, heads, d}).transpose(0, 1);  // (H, T, d)
  };
  at::Tensor attention =
      at::softmax(at::matmul(split(q), split(k).transpose(1, 2)), -1);
  at::Tensor context =
      at::matmul(attention, split(v)).transpose(0, 1).reshape({T, C});
  at::Tensor h = layer_norm(x + linear(context, "self_attn.out_proj"),
                            "self_attn_layer_norm");
  at::Tensor inner = linear(h, "fc1");
  inner = relu ? at::relu(inner)
               : 0.5 * inner * (1 + at::erf(inner / std::sqrt(2.0)));
  at::Tensor y = layer_norm(h + linear(inner, "fc2"), "final_layer_norm");
  return at::matmul(y, w.at("w2v_encoder.proj.weight").to(at::kDouble).t()) +
         w.at("w2v_encoder.proj.bias").to(at::kDouble);
}

double MaxAbs(const at::Tensor& a, const at::Tensor& b) {
  return (a.to(at::kDouble) - b.to(at::kDouble)).abs().max().item<double>();
}

TEST(IndependentPassesTest, ReluCheckpointIsHonouredByEachSideFromItsOwnFiles) {
  const std::string checkpoint_path = ReluCheckpoint();
  absl::StatusOr<FairseqCheckpoint> checkpoint =
      FairseqCheckpoint::Load(checkpoint_path);
  ASSERT_TRUE(checkpoint.ok()) << checkpoint.status();

  // The fairseq pass against the hand computation of its last layer.
  absl::StatusOr<LoadedModel> original = LoadFairseqModel(*checkpoint);
  ASSERT_TRUE(original.ok()) << original.status();
  at::Tensor input =
      at::sin(at::arange(0, 6000) * 0.01).to(at::kFloat).unsqueeze(0);
  ForwardOutput out = original->pass->Forward(input, at::Tensor(), true);
  const int64_t last = 2;  // the fixture's third and last encoder layer
  ASSERT_TRUE(out.Layer(last + 1).defined());
  ASSERT_FALSE(out.Layer(last + 2).defined());
  absl::StatusOr<Weights> weights = FairseqWeights(*checkpoint);
  ASSERT_TRUE(weights.ok()) << weights.status();
  at::Tensor before_last = out.Layer(last)[0].to(at::kDouble);
  const int64_t heads = 5;  // the fixture's encoder_attention_heads
  at::Tensor by_hand =
      LastLayerAndHead(*weights, last, heads, before_last, /*relu=*/true);
  at::Tensor with_gelu =
      LastLayerAndHead(*weights, last, heads, before_last, /*relu=*/false);
  EXPECT_LT(MaxAbs(out.output[0], by_hand), 1e-4);
  EXPECT_GT(MaxAbs(out.output[0], with_gelu), 1e-3)
      << "the check cannot tell ReLU from GELU on this input";

  // The converter says relu; parity from each side's own files passes.
  const std::string model_dir = TempDir() + "/relu_hf";
  ConversionOptions options;
  options.checkpoint_path = checkpoint_path;
  options.dict_path = FixturePath("finetuned/dict.ltr.txt");
  options.output_dir = model_dir;
  options.overwrite = true;
  ASSERT_TRUE(Convert(options).ok());
  nlohmann::json config = ReadJson(model_dir + "/config.json");
  EXPECT_EQ(config["hidden_act"], "relu");

  Dataset dataset;
  dataset.sha256 = "synthetic";
  for (const auto& [id, samples] : SyntheticUtterances()) {
    Utterance u;
    u.id = id;
    u.path = id;
    u.samples = samples;
    dataset.utterances.push_back(u);
  }
  const std::string reference = TempDir() + "/relu_reference.safetensors";
  absl::StatusOr<std::string> written =
      WriteReference(checkpoint_path, dataset, reference);
  ASSERT_TRUE(written.ok()) << written.status();
  absl::StatusOr<ParityReport> report =
      CheckParity(model_dir, dataset, reference, 1e-4);
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_TRUE(report->passed()) << ReportMarkdown(*report);

  // config.json edited to gelu: the HF pass follows it, and parity fails.
  config["hidden_act"] = "gelu";
  std::ofstream(model_dir + "/config.json") << DumpJson(config, 2);
  absl::StatusOr<ParityReport> edited =
      CheckParity(model_dir, dataset, reference, 1e-4);
  ASSERT_TRUE(edited.ok()) << edited.status();
  EXPECT_FALSE(edited->passed());
  EXPECT_GT(edited->overall().max_abs_diff(), 1e-3);
  std::printf(
      "fairseq pass vs by hand: %.2e (relu), %.2e (gelu); parity: %.2e "
      "(relu config), %.2e (config edited to gelu)\n",
      MaxAbs(out.output[0], by_hand), MaxAbs(out.output[0], with_gelu),
      report->overall().max_abs_diff(), edited->overall().max_abs_diff());

  // A value the HF pass does not implement is refused, not guessed.
  config["hidden_act"] = "mish";
  std::ofstream(model_dir + "/config.json") << DumpJson(config, 2);
  absl::StatusOr<ParityReport> unknown =
      CheckParity(model_dir, dataset, reference, 1e-4);
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.status().message().find(
                "hidden_act is 'mish', which the HF pass does not implement"),
            std::string::npos)
      << unknown.status();
}

}  // namespace
}  // namespace fairport
