// transformers v4.40.2's classes over wav2vec 2.0's encoder (Wav2Vec2*,
// Hubert*) as the HF pass builds them: the config.json rows every such
// class reads (each family lists its classes from these and its own rows;
// the tables in verify/README.md, row for row) and the state_dict each has
// for a config. HF-pass side: written from modeling_wav2vec2.py /
// modeling_hubert.py, not from the converter's mapping.
#ifndef FAIRPORT_FAMILIES_WAV2VEC2_ENCODER_HF_CLASSES_H_
#define FAIRPORT_FAMILIES_WAV2VEC2_ENCODER_HF_CLASSES_H_

#include <vector>

#include "absl/types/span.h"
#include "families/common/passes/hf_class_config.h"
#include "families/common/passes/hf_state_dict.h"
#include "families/wav2vec2_encoder/config.h"

namespace fairport::wav2vec2_encoder {

// The rows the base model reads for its encoder (feature extractor,
// projection, positional conv, layers, SpecAugment), and the rows a ForCTC
// head adds; `source` the modeling file that reads them.
std::vector<HfConfigField> EncoderFields(const char* source);
std::vector<HfConfigField> CtcHeadFields(const char* source);
// The rows a ForSequenceClassification head adds (projector, mean pooling,
// classifier).
std::vector<HfConfigField> ClassifierHeadFields(const char* source);

// Wav2Vec2AttnAdapterLayer's parameters in the layer under `layer`
// ("...encoder.layers.<l>."): what every adapter.<lang>.safetensors holds
// for that layer.
void AppendHfAttnAdapter(const std::string& layer, int64_t hidden,
                         int64_t adapter_dim,
                         std::vector<HfStateDictEntry>& out);

// Every parameter of the class `arch` describes (no class here has
// persistent buffers), with whether the eval forward parity runs reads it.
std::vector<HfStateDictEntry> HfStateDict(const Architecture& arch);

}  // namespace fairport::wav2vec2_encoder

#endif  // FAIRPORT_FAMILIES_WAV2VEC2_ENCODER_HF_CLASSES_H_
