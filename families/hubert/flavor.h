// HuBERT on wav2vec 2.0's encoder (families/wav2vec2_encoder): its names,
// its k-means target head (training only: transformers has no place for
// it), HubertConfig's feat_proj_layer_norm, and fairseq HubertModel's frame
// counting.
#ifndef FAIRPORT_FAMILIES_HUBERT_FLAVOR_H_
#define FAIRPORT_FAMILIES_HUBERT_FLAVOR_H_

#include "families/wav2vec2_encoder/flavor.h"

namespace fairport::hubert {

const wav2vec2_encoder::Flavor& HubertFlavor();

}  // namespace fairport::hubert

#endif  // FAIRPORT_FAMILIES_HUBERT_FLAVOR_H_
