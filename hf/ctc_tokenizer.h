// The files transformers' Wav2Vec2CTCTokenizer reads (vocab.json,
// tokenizer_config.json, special_tokens_map.json), built from a fairseq
// dictionary the way transformers' wav2vec2 conversion script builds them:
// fairseq's indices with <pad> and <s> swapped, so that <pad> is 0, the CTC
// blank (fairseq's <s> column). The logits are not permuted.
#ifndef FAIRPORT_HF_CTC_TOKENIZER_H_
#define FAIRPORT_HF_CTC_TOKENIZER_H_

#include <map>
#include <string>
#include <vector>

namespace fairport {

// File name -> contents.
std::map<std::string, std::string> CtcTokenizerFiles(
    const std::vector<std::string>& fairseq_symbols);

// The same for a model whose CTC head is chosen by language (MMS):
// vocab.json nested by language, {language: vocab}, and
// tokenizer_config.json's target_lang, as facebook/mms-1b-all has them
// (Wav2Vec2CTCTokenizer.set_target_lang needs the nested form).
std::map<std::string, std::string> CtcTokenizerFiles(
    const std::map<std::string, std::vector<std::string>>& symbols_by_language,
    const std::string& target_lang);

}  // namespace fairport

#endif  // FAIRPORT_HF_CTC_TOKENIZER_H_
