// The HF pass reads config.json and model.safetensors as transformers'
// class would: every field on the class's list at its effective value,
// refusals by name, and the weights transformers would ignore or
// initialise randomly. Each test edits a copy of a converted fixture
// (testdata/hf_reference/, written by transformers v4.40.2 itself).
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>

#include "base/json.h"
#include "families/forward_family.h"
#include "formats/safetensors.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "tests/fixtures.h"

namespace fairport {
namespace {

namespace fs = std::filesystem;
using ::fairport::testing::FixturePath;
using ::testing::HasSubstr;

// A writable copy of hf_reference/<variant> named `name`.
std::string CopyFixture(const std::string& variant, const std::string& name) {
  const std::string dir = ::fairport::testing::TempDir() + "/hf_" + name;
  fs::remove_all(dir);
  fs::copy(FixturePath("hf_reference/" + variant), dir);
  for (const auto& entry : fs::directory_iterator(dir))
    fs::permissions(entry.path(), fs::perms::owner_write,
                    fs::perm_options::add);
  return dir;
}

void EditConfig(const std::string& dir,
                const std::function<void(nlohmann::json&)>& edit) {
  nlohmann::json config;
  std::ifstream(dir + "/config.json") >> config;
  edit(config);
  std::ofstream(dir + "/config.json") << DumpJson(config, 2);
}

// Rewrites model.safetensors with the repository's writer: `keep` decides
// which entries stay (renamed to what it returns, "" to drop), `extra`
// entries are added as zeros.
void EditWeights(const std::string& dir,
                 const std::function<std::string(const std::string&)>& keep,
                 const std::vector<SafetensorsEntry>& extra = {}) {
  const std::string path = dir + "/model.safetensors";
  absl::StatusOr<SafetensorsFile> file = SafetensorsFile::Open(path);
  ASSERT_TRUE(file.ok()) << file.status();
  SafetensorsLayout layout;
  std::string data;
  for (const SafetensorsEntry& e : file->entries()) {
    const std::string name = keep(e.name);
    if (name.empty()) continue;
    layout.Add(name, e.dtype, e.shape);
    const absl::string_view bytes = file->Bytes(e);
    data.append(bytes.data(), bytes.size());
  }
  for (const SafetensorsEntry& e : extra) {
    layout.Add(e.name, e.dtype, e.shape);
    data.append(e.numel() * 4, '\0');
  }
  const std::string bytes = layout.Header() + data;
  file = absl::InternalError("closed");  // unmap before overwriting
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
}

std::string Keep(const std::string& name) { return name; }

std::function<std::string(const std::string&)> Drop(const std::string& gone) {
  return [gone](const std::string& name) {
    return name == gone ? std::string() : name;
  };
}

class ConvertedFixtureTest : public ::testing::TestWithParam<const char*> {};

TEST_P(ConvertedFixtureTest, LoadsWithNoWeightFindings) {
  const std::string dir = CopyFixture(GetParam(), GetParam());
  absl::StatusOr<LoadedModel> model = LoadHfModel(dir);
  ASSERT_TRUE(model.ok()) << model.status();
  EXPECT_NE(model->pass, nullptr);
  for (const WeightFinding& f : model->weight_findings)
    ADD_FAILURE() << f.name << ": " << f.consequence;
}

INSTANTIATE_TEST_SUITE_P(
    HfReference, ConvertedFixtureTest,
    ::testing::Values("pretrained", "finetuned", "finetuned_fp16",
                      "finetuned_legacy_args", "pretrained_even_kernel",
                      "wav2vec2_pretrained", "wav2vec2_finetuned",
                      "wav2vec2_finetuned_lnf", "hubert_pretrained",
                      "hubert_finetuned"));

// A refusal: the message names config.json, the field and the value.
void ExpectRefused(const std::string& variant, const std::string& name,
                   const std::function<void(nlohmann::json&)>& edit,
                   const std::string& field_and_value) {
  const std::string dir = CopyFixture(variant, name);
  EditConfig(dir, edit);
  absl::StatusOr<LoadedModel> model = LoadHfModel(dir);
  ASSERT_FALSE(model.ok()) << name;
  EXPECT_THAT(std::string(model.status().message()),
              HasSubstr(dir + "/config.json: " + field_and_value));
}

TEST(HfConfigFieldsTest, RefusesAddAdapterForWav2Vec2ForCtc) {
  ExpectRefused(
      "wav2vec2_finetuned", "adapter_w2v_ctc",
      [](nlohmann::json& c) { c["add_adapter"] = true; },
      "add_adapter is true: transformers' Wav2Vec2ForCTC would add an adapter "
      "stack after the encoder");
}

TEST(HfConfigFieldsTest, RefusesAddAdapterForData2VecAudioModel) {
  ExpectRefused(
      "pretrained", "adapter_d2v",
      [](nlohmann::json& c) { c["add_adapter"] = true; },
      "add_adapter is true: transformers' Data2VecAudioModel");
}

TEST(HfConfigFieldsTest, RefusesAddAdapterForData2VecAudioForCtc) {
  ExpectRefused(
      "finetuned", "adapter_d2v_ctc",
      [](nlohmann::json& c) { c["add_adapter"] = true; },
      "add_adapter is true: transformers' Data2VecAudioForCTC");
}

TEST(HfConfigFieldsTest, RefusesBatchFeatureNormForWav2Vec2Model) {
  ExpectRefused(
      "wav2vec2_pretrained", "batch_norm_w2v",
      [](nlohmann::json& c) {
        c["architectures"] = {"Wav2Vec2Model"};
        c["feat_extract_norm"] = "batch";
      },
      "feat_extract_norm is \"batch\": transformers' Wav2Vec2Model");
}

TEST(HfConfigFieldsTest, RefusesStableLayerNormOfWrongTypeForPreTraining) {
  ExpectRefused(
      "wav2vec2_pretrained", "stable_string",
      [](nlohmann::json& c) { c["do_stable_layer_norm"] = "yes"; },
      "do_stable_layer_norm is \"yes\", not true or false as transformers' "
      "Wav2Vec2ForPreTraining reads it");
}

// adapter_attn_dim on stable-layer-norm layers gives every layer an
// attention adapter (MMS): a model.safetensors without their weights is
// what transformers would initialise randomly, so nothing is compared.
TEST(HfConfigFieldsTest, AttentionAdaptersWithoutWeightsAreMissing) {
  const std::string dir = CopyFixture("wav2vec2_finetuned_lnf", "adapter_attn");
  EditConfig(dir, [](nlohmann::json& c) { c["adapter_attn_dim"] = 16; });
  absl::StatusOr<LoadedModel> model = LoadHfModel(dir);
  ASSERT_TRUE(model.ok()) << model.status();
  EXPECT_EQ(model->pass, nullptr);
  bool found = false;
  for (const WeightFinding& f : model->weight_findings) {
    if (f.name == "wav2vec2.encoder.layers.0.adapter_layer.linear_1.weight") {
      found = true;
      EXPECT_EQ(f.kind, WeightFinding::Kind::kMissing);
      EXPECT_TRUE(f.changes_output);
    }
  }
  EXPECT_TRUE(found);
}

TEST(HfConfigFieldsTest, RefusesBatchFeatureNormForHubertModel) {
  ExpectRefused(
      "hubert_pretrained", "batch_norm_hubert",
      [](nlohmann::json& c) { c["feat_extract_norm"] = "batch"; },
      "feat_extract_norm is \"batch\": transformers' HubertModel");
}

TEST(HfConfigFieldsTest, RefusesAddAdapterForHubertForCtc) {
  ExpectRefused(
      "hubert_finetuned", "adapter_hubert",
      [](nlohmann::json& c) { c["add_adapter"] = true; },
      "add_adapter is true: transformers' HubertForCTC");
}

TEST(HfConfigFieldsTest, RefusesSdpaAttention) {
  ExpectRefused(
      "finetuned", "sdpa",
      [](nlohmann::json& c) { c["attn_implementation"] = "sdpa"; },
      "attn_implementation is \"sdpa\"");
}

TEST(HfConfigFieldsTest, RefusesDropoutOutsideZeroToOne) {
  ExpectRefused(
      "hubert_finetuned", "dropout",
      [](nlohmann::json& c) { c["final_dropout"] = 1.5; },
      "final_dropout is 1.5, not a number in [0, 1]");
}

// Fields that change nothing in eval, or only alongside a refused one,
// load as they are.
TEST(HfConfigFieldsTest, AcceptsFieldsWithNoEffectInEval) {
  const std::string dir = CopyFixture("wav2vec2_finetuned", "no_effect");
  EditConfig(dir, [](nlohmann::json& c) {
    c["adapter_attn_dim"] = 16;  // post-LN layers have no adapters
    c["num_adapter_layers"] = 7;
    c["layerdrop"] = 0.9;
    c["apply_spec_augment"] = false;
    c["ctc_loss_reduction"] = "mean";
    c["attn_implementation"] = "eager";
  });
  absl::StatusOr<LoadedModel> model = LoadHfModel(dir);
  ASSERT_TRUE(model.ok()) << model.status();
  EXPECT_NE(model->pass, nullptr);
}

// transformers reads config.json through Wav2Vec2Config, whose defaults
// fill what the file leaves out; the fixture's values are those defaults.
TEST(HfConfigFieldsTest, AbsentFieldsTakeTheConfigClassDefaults) {
  const std::string dir = CopyFixture("wav2vec2_finetuned", "defaults");
  EditConfig(dir, [](nlohmann::json& c) {
    for (const char* key : {"feat_extract_norm", "conv_bias", "hidden_act",
                            "feat_extract_activation", "layer_norm_eps",
                            "add_adapter", "adapter_attn_dim"})
      c.erase(key);
  });
  absl::StatusOr<LoadedModel> model = LoadHfModel(dir);
  ASSERT_TRUE(model.ok()) << model.status();
  EXPECT_NE(model->pass, nullptr);
  EXPECT_TRUE(model->weight_findings.empty());
}

TEST(HfWeightFindingsTest, ExtraTensorIsUnusedAndChangesNothing) {
  const std::string dir = CopyFixture("finetuned", "extra");
  SafetensorsEntry extra;
  extra.name = "data2vec_audio.adapter.proj.weight";
  extra.shape = {4, 4};
  EditWeights(dir, Keep, {extra});
  absl::StatusOr<LoadedModel> model = LoadHfModel(dir);
  ASSERT_TRUE(model.ok()) << model.status();
  ASSERT_EQ(model->weight_findings.size(), 1u);
  const WeightFinding& f = model->weight_findings[0];
  EXPECT_EQ(f.kind, WeightFinding::Kind::kUnused);
  EXPECT_EQ(f.name, "data2vec_audio.adapter.proj.weight");
  EXPECT_FALSE(f.changes_output);
  EXPECT_NE(model->pass, nullptr);
}

TEST(HfWeightFindingsTest, MissingMaskedSpecEmbedChangesNothing) {
  const std::string dir = CopyFixture("wav2vec2_finetuned", "no_mask_embed");
  EditWeights(dir, Drop("wav2vec2.masked_spec_embed"));
  absl::StatusOr<LoadedModel> model = LoadHfModel(dir);
  ASSERT_TRUE(model.ok()) << model.status();
  ASSERT_EQ(model->weight_findings.size(), 1u);
  const WeightFinding& f = model->weight_findings[0];
  EXPECT_EQ(f.kind, WeightFinding::Kind::kMissing);
  EXPECT_EQ(f.name, "wav2vec2.masked_spec_embed");
  EXPECT_FALSE(f.changes_output);
  EXPECT_NE(model->pass, nullptr);
}

TEST(HfWeightFindingsTest, MissingQuantizerChangesNothingForPreTraining) {
  const std::string dir = CopyFixture("wav2vec2_pretrained", "no_quantizer");
  EditWeights(dir, Drop("quantizer.codevectors"));
  absl::StatusOr<LoadedModel> model = LoadHfModel(dir);
  ASSERT_TRUE(model.ok()) << model.status();
  ASSERT_EQ(model->weight_findings.size(), 1u);
  EXPECT_FALSE(model->weight_findings[0].changes_output);
  EXPECT_NE(model->pass, nullptr);
}

TEST(HfWeightFindingsTest, MissingProjectionLeavesNoPass) {
  const std::string dir = CopyFixture("pretrained", "no_projection");
  EditWeights(dir, Drop("feature_projection.projection.weight"));
  absl::StatusOr<LoadedModel> model = LoadHfModel(dir);
  ASSERT_TRUE(model.ok()) << model.status();
  ASSERT_EQ(model->weight_findings.size(), 1u);
  const WeightFinding& f = model->weight_findings[0];
  EXPECT_EQ(f.kind, WeightFinding::Kind::kMissing);
  EXPECT_EQ(f.name, "feature_projection.projection.weight");
  EXPECT_TRUE(f.changes_output);
  EXPECT_EQ(model->pass, nullptr);
}

TEST(HfWeightFindingsTest, ShapeMismatchIsAnErrorNamingTheEntry) {
  const std::string dir = CopyFixture("hubert_finetuned", "shape");
  EditConfig(dir, [](nlohmann::json& c) { c["vocab_size"] = 40; });
  absl::StatusOr<LoadedModel> model = LoadHfModel(dir);
  ASSERT_FALSE(model.ok());
  EXPECT_THAT(std::string(model.status().message()),
              HasSubstr(dir + "/model.safetensors: lm_head.weight has shape "
                              "[33, 40] but HubertForCTC expects [40, 40]"));
}

// PyTorch >= 2.1 names weight norm's tensors parametrizations.weight.*;
// transformers' loader maps them onto weight_g / weight_v.
TEST(HfWeightFindingsTest, AcceptsParametrizedWeightNormNames) {
  const std::string dir = CopyFixture("hubert_pretrained", "parametrized");
  EditWeights(dir, [](const std::string& name) {
    const std::string conv = "encoder.pos_conv_embed.conv.";
    if (name == conv + "weight_g")
      return conv + "parametrizations.weight.original0";
    if (name == conv + "weight_v")
      return conv + "parametrizations.weight.original1";
    return name;
  });
  absl::StatusOr<LoadedModel> model = LoadHfModel(dir);
  ASSERT_TRUE(model.ok()) << model.status();
  EXPECT_TRUE(model->weight_findings.empty());
  EXPECT_NE(model->pass, nullptr);
}

}  // namespace
}  // namespace fairport
