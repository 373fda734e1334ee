#include "hf/ctc_tokenizer.h"

#include "base/json.h"
#include "nlohmann/json.hpp"

namespace fairport {
namespace {

nlohmann::json Vocab(const std::vector<std::string>& fairseq_symbols) {
  nlohmann::json vocab = nlohmann::json::object();
  for (size_t i = 0; i < fairseq_symbols.size(); ++i)
    vocab[fairseq_symbols[i]] = i;
  vocab["<pad>"] = 0;
  vocab["<s>"] = 1;
  return vocab;
}

std::map<std::string, std::string> TokenizerFiles(
    const nlohmann::json& vocab, const nlohmann::json& target_lang) {
  nlohmann::json special = {{"bos_token", "<s>"},
                            {"eos_token", "</s>"},
                            {"pad_token", "<pad>"},
                            {"unk_token", "<unk>"}};

  nlohmann::json added = nlohmann::json::object();
  const char* specials[] = {"<pad>", "<s>", "</s>", "<unk>"};
  for (int i = 0; i < 4; ++i) {
    added[std::to_string(i)] = {{"content", specials[i]}, {"lstrip", true},
                                {"normalized", false},    {"rstrip", true},
                                {"single_word", false},   {"special", false}};
  }
  nlohmann::json config = {
      {"added_tokens_decoder", added},
      {"bos_token", "<s>"},
      {"clean_up_tokenization_spaces", true},
      {"do_lower_case", false},
      {"eos_token", "</s>"},
      {"pad_token", "<pad>"},
      {"processor_class", "Wav2Vec2Processor"},
      {"replace_word_delimiter_char", " "},
      {"target_lang", target_lang},
      {"tokenizer_class", "Wav2Vec2CTCTokenizer"},
      {"unk_token", "<unk>"},
      {"word_delimiter_token", "|"},
  };
  // transformers' VERY_LARGE_INTEGER, int(1e30): beyond 64 bits, so spliced
  // in as text where json.dumps puts it (keys sorted).
  std::string config_text = DumpJson(config, 2);
  const std::string anchor = "\n  \"pad_token\"";
  config_text.insert(
      config_text.find(anchor) + 1,
      "  \"model_max_length\": 1000000000000000019884624838656,\n");

  return {
      {"vocab.json", DumpJson(vocab, 2) + "\n"},
      {"special_tokens_map.json", DumpJson(special, 2) + "\n"},
      {"tokenizer_config.json", config_text + "\n"},
  };
}

}  // namespace

std::map<std::string, std::string> CtcTokenizerFiles(
    const std::vector<std::string>& fairseq_symbols) {
  return TokenizerFiles(Vocab(fairseq_symbols), nullptr);
}

std::map<std::string, std::string> CtcTokenizerFiles(
    const std::map<std::string, std::vector<std::string>>& symbols_by_language,
    const std::string& target_lang) {
  nlohmann::json vocab = nlohmann::json::object();
  for (const auto& [language, symbols] : symbols_by_language)
    vocab[language] = Vocab(symbols);
  return TokenizerFiles(vocab, target_lang);
}

}  // namespace fairport
