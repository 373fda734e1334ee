// A file written by torch.save (PyTorch >= 1.6): a zip archive with
// <root>/data.pkl and one <root>/data/<key> entry per storage. Open parses
// the pickle and checks that every storage it names exists with exactly
// numel * itemsize bytes; tensor bytes are read lazily, by storage key.
#ifndef FAIRPORT_FORMATS_TORCH_ARCHIVE_H_
#define FAIRPORT_FORMATS_TORCH_ARCHIVE_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "formats/pickle.h"
#include "formats/zip_archive.h"

namespace fairport {

class TorchArchive {
 public:
  static absl::StatusOr<TorchArchive> Open(const std::string& path);

  const std::string& path() const { return zip_.path(); }
  const ZipArchive& zip() const { return zip_; }
  // The top folder every entry sits under, e.g. "checkpoint" or "archive".
  const std::string& root_folder() const { return root_folder_; }
  const PickleValue& root() const { return tree_->root(); }

  const ZipEntry& StorageEntry(const StorageRef& storage) const;
  // A tensor's elements in row-major order: a view into the file when the
  // tensor is contiguous in a stored entry, else a materialised copy.
  absl::StatusOr<EntryBytes> TensorBytes(const TensorRef& tensor) const;

 private:
  TorchArchive(ZipArchive zip, std::string root_folder,
               std::unique_ptr<PickleTree> tree)
      : zip_(std::move(zip)),
        root_folder_(std::move(root_folder)),
        tree_(std::move(tree)) {}

  ZipArchive zip_;
  std::string root_folder_;
  std::unique_ptr<PickleTree> tree_;
};

}  // namespace fairport

#endif  // FAIRPORT_FORMATS_TORCH_ARCHIVE_H_
