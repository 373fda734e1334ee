// Small hand-built hostile checkpoints, for tests of the reader and of the
// tools that must refuse them quickly.
#ifndef FAIRPORT_TESTS_HOSTILE_INPUTS_H_
#define FAIRPORT_TESTS_HOSTILE_INPUTS_H_

#include <string>

#include "absl/strings/str_cat.h"
#include "formats/zip_archive.h"
#include "tests/zip_builder.h"

namespace fairport::testing {

// The zip archive (a checkpoint) at `path` rebuilt with every `from` in
// entry `entry_name` replaced by `to`; `*replaced` counts them. An empty
// string when the archive cannot be read.
inline std::string ZipWithReplaced(const std::string& path,
                                   const std::string& entry_name,
                                   const std::string& from,
                                   const std::string& to, int* replaced) {
  *replaced = 0;
  absl::StatusOr<ZipArchive> zip = ZipArchive::Open(path);
  if (!zip.ok()) return "";
  std::vector<ZipSpec> entries;
  for (const ZipEntry& entry : zip->entries()) {
    absl::StatusOr<EntryBytes> bytes = zip->Contents(entry);
    if (!bytes.ok()) return "";
    std::string data(bytes->view());
    if (entry.name == entry_name) {
      for (size_t at = data.find(from); at != std::string::npos;
           at = data.find(from, at + to.size())) {
        data.replace(at, from.size(), to);
        ++*replaced;
      }
    }
    entries.push_back({entry.name, data});
  }
  return BuildZip(entries);
}

// A torch.save archive whose data.pkl is {'model': d8}, d0 = {} and each
// d_k holding d_(k-1) under 20 keys through the memo: 2 KB that torch.load
// builds at once, and 20**8 paths for a walk that does not notice sharing.
inline std::string SharedDictCheckpoint() {
  auto p = [](std::initializer_list<int> bytes) {
    std::string s;
    for (int b : bytes) s.push_back(static_cast<char>(b));
    return s;
  };
  std::string pickle = p({0x80, 2, '}', 'q', 0, '0'});
  for (int k = 1; k <= 8; ++k) {
    pickle += p({'}', 'q', k, '('});
    for (int j = 0; j < 20; ++j) {
      const std::string key = absl::StrCat("a", j);
      pickle += p({0x8c, static_cast<int>(key.size())}) + key + p({'h', k - 1});
    }
    pickle += p({'u', '0'});
  }
  pickle += p({'}', 0x8c, 5}) + "model" + p({'h', 8, 's', '.'});
  return BuildZip({{"arc/data.pkl", pickle}, {"arc/version", "3\n"}});
}

}  // namespace fairport::testing

#endif  // FAIRPORT_TESTS_HOSTILE_INPUTS_H_
