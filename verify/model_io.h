// Loads weights into LibTorch for the two forward passes: the ORIGINAL
// fairseq state dict from a checkpoint, and a converted Hugging Face
// directory (config.json + model.safetensors).
#ifndef FAIRPORT_VERIFY_MODEL_IO_H_
#define FAIRPORT_VERIFY_MODEL_IO_H_

#include <string>

#include "absl/status/statusor.h"
#include "fairseq/checkpoint.h"
#include "families/data2vec_audio/config.h"
#include "families/data2vec_audio/forward.h"

namespace fairport {

struct FairseqModel {
  data2vec_audio::ModelKind kind;
  data2vec_audio::Architecture arch;
  data2vec_audio::Weights weights;  // fairseq names, float32
  bool normalize = false;  // cfg.task.normalize
};

absl::StatusOr<FairseqModel> LoadFairseqModel(
    const FairseqCheckpoint& checkpoint);

struct HfModel {
  data2vec_audio::Architecture arch;
  data2vec_audio::Weights weights;  // HF names, float32
  bool do_normalize = false;        // preprocessor_config.json
};

absl::StatusOr<HfModel> LoadHfModel(const std::string& model_dir);

}  // namespace fairport

#endif  // FAIRPORT_VERIFY_MODEL_IO_H_
