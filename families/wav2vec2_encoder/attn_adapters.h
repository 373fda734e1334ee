// MMS's per-language attention adapters (../shared/notes/mms.md): a
// fine-tuned wav2vec_ctc whose effective layer_type is trf_adp carries
// adp_num bottleneck adapters in every encoder layer of adp_trf_idx, one per
// corpus key (language). transformers' Wav2Vec2ForCTC holds one language's
// adapters in every layer (adapter_attn_dim) and loads the others from
// adapter.<lang>.safetensors. Conversion side only: it reads the config and
// makes the mapping, and computes nothing.
#ifndef FAIRPORT_FAMILIES_WAV2VEC2_ENCODER_ATTN_ADAPTERS_H_
#define FAIRPORT_FAMILIES_WAV2VEC2_ENCODER_ATTN_ADAPTERS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "fairseq/checkpoint.h"
#include "fairseq/config_view.h"
#include "families/family.h"

namespace fairport::wav2vec2_encoder {

// The adapter fields of the effective encoder config (mms.md section 2):
// cfg.model's layer_type, adp_num, adp_dim, adp_act_fn and adp_trf_idx
// where set, over w2v_args.model (wav2vec2_asr.py:439-446), with
// Wav2Vec2AsrConfig's defaults (:181-196).
struct AttnAdapterConfig {
  int64_t num = -1;  // adp_num
  int64_t dim = 64;  // adp_dim: transformers' adapter_attn_dim
  std::string act_fn = "relu";
  std::string trf_idx = "all";
  // The layers that have adapters, ascending; the others get zero
  // adapters, which add exactly 0.0 (mms.md section 4).
  std::vector<int64_t> layers;
  int64_t encoder_layers = 0;
  bool layer_norm_first = false;
};

// Each function reads the encoder's config `enc`, as stored (w2v_args.model
// when `wrapped` in a fine-tuned model, whose own cfg.model overrides the
// adapter fields).

// Whether the effective layer_type is trf_adp.
absl::StatusOr<bool> HasAttnAdapters(const FairseqCheckpoint& checkpoint,
                                     const ConfigView& enc, bool wrapped);

// fairseq's adp_trf_idx (wav2vec2.py:973-980): "all", or
// list(range(*map(int, s.split(":")))) over the layer indices, so "1:3" is
// layers 1 and 2, "0:3:2" layers 0 and 2, and "2" layers 0 and 1. `field`
// names the field in errors.
absl::StatusOr<std::vector<int64_t>> AdapterLayers(absl::string_view trf_idx,
                                                   int64_t encoder_layers,
                                                   const std::string& field);

// The effective adapter config of a trf_adp checkpoint.
absl::StatusOr<AttnAdapterConfig> ReadAttnAdapterConfig(
    const FairseqCheckpoint& checkpoint, const ConfigView& enc, bool wrapped);

// Refuses, by name, what transformers cannot represent: adapters on post-LN
// layers (its Wav2Vec2EncoderLayer has none, modeling:669-701) and any
// adp_act_fn but relu (Wav2Vec2AttnAdapterLayer hard-codes nn.ReLU,
// modeling:1051).
absl::Status CheckAttnAdaptersRepresentable(const FairseqCheckpoint& checkpoint,
                                            const ConfigView& enc,
                                            bool wrapped);

// The languages, in adapter order: the stripped items of
// cfg.task.multi_corpus_keys (training layout, adapter i <-> key i,
// audio_pretraining.py:168-169), or the keys of the top-level `adapter`
// dict (released layout, examples/speech_recognition/new/infer.py:107-127).
// Refused when missing, repeated, more than adp_num, or not a safe file-name
// part ([A-Za-z0-9_-]+).
absl::StatusOr<std::vector<Language>> AdapterLanguages(
    const FairseqCheckpoint& checkpoint, const AttnAdapterConfig& config);

// The fairseq tensors the adapter mapping places itself (every
// `adapter_layer.*` of the layers in adp_trf_idx and the CTC head), and the
// transformers parameters it fills (every layer's adapter_layer.* and
// lm_head.*): a weight table leaves both alone.
std::vector<std::string> AdapterFairseqNames(const AttnAdapterConfig& config);
bool IsAdapterParameter(absl::string_view hf_name);

// One language's adapters in every layer (zero adapters outside
// adp_trf_idx) and its CTC head, under transformers' names, sorted; each
// shape checked against `hidden` and the config. `hf_prefix` is the base
// model's ("wav2vec2.").
absl::StatusOr<std::vector<MappedTensor>> LanguageAdapterTensors(
    const FairseqCheckpoint& checkpoint, const AttnAdapterConfig& config,
    const std::vector<Language>& languages, const std::string& language,
    int64_t hidden, const std::string& hf_prefix);

// Adds `language`'s adapters and head ("": the first language's) to
// `mapping.tensors` (their lm_head must have `vocab_size` rows, config.json's
// vocab_size), every language's to `mapping.extra_files` as
// adapter.<name>.safetensors (exactly the keys transformers' load_adapter
// expects, modeling:1157-1171 and 1353-1360: lm_head in every file), and
// notes saying which language model.safetensors holds and where zero
// adapters were written.
absl::Status MapAttnAdapters(const FairseqCheckpoint& checkpoint,
                             const AttnAdapterConfig& config, int64_t hidden,
                             const std::string& hf_prefix, int64_t vocab_size,
                             const std::string& language,
                             WeightMapping& mapping);

// "adapter.<name>.safetensors" (WAV2VEC2_ADAPTER_SAFE_FILE, modeling:56).
std::string AdapterFileName(absl::string_view language);

}  // namespace fairport::wav2vec2_encoder

#endif  // FAIRPORT_FAMILIES_WAV2VEC2_ENCODER_ATTN_ADAPTERS_H_
