// Typed, path-aware access to a fairseq configuration node: a plain dict
// (hydra-era `cfg`, stored by OmegaConf.to_container) or an
// argparse.Namespace (legacy `args`). Errors name the full dotted path.
#ifndef FAIRPORT_FAIRSEQ_CONFIG_VIEW_H_
#define FAIRPORT_FAIRSEQ_CONFIG_VIEW_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "formats/pickle.h"

namespace fairport {

class ConfigView {
 public:
  ConfigView(const PickleValue* node, std::string path)
      : node_(node), path_(std::move(path)) {}

  const PickleValue* node() const { return node_; }
  const std::string& path() const { return path_; }
  // True when the key exists and is not None.
  bool Has(absl::string_view key) const;

  absl::StatusOr<ConfigView> Child(absl::string_view key) const;
  absl::StatusOr<int64_t> Int(absl::string_view key) const;
  absl::StatusOr<double> Float(
      absl::string_view key) const;  // ints are accepted
  absl::StatusOr<bool> Bool(absl::string_view key) const;
  absl::StatusOr<std::string> String(absl::string_view key) const;

 private:
  absl::StatusOr<const PickleValue*> Get(absl::string_view key) const;
  std::string KeyPath(absl::string_view key) const;

  const PickleValue* node_;
  std::string path_;
};

}  // namespace fairport

#endif  // FAIRPORT_FAIRSEQ_CONFIG_VIEW_H_
