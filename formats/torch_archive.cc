#include "formats/torch_archive.h"

#include <cstring>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "base/status_macros.h"

namespace fairport {

absl::StatusOr<TorchArchive> TorchArchive::Open(const std::string& path) {
  ASSIGN_OR_RETURN(ZipArchive zip, ZipArchive::Open(path));
  // The top folder is the file stem in torch <= 2.0 and "archive" later:
  // take it from the data.pkl entry and require every entry to share it.
  std::string root;
  for (const ZipEntry& entry : zip.entries()) {
    size_t slash = entry.name.find('/');
    if (slash != std::string::npos &&
        entry.name.substr(slash + 1) == "data.pkl") {
      root = entry.name.substr(0, slash);
      break;
    }
  }
  if (root.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        path,
        ": no <folder>/data.pkl entry: not a file written by torch.save"));
  }
  for (const ZipEntry& entry : zip.entries()) {
    if (!absl::StartsWith(entry.name, root + "/")) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, ": entry ", entry.name,
                       " lies outside the archive folder ", root));
    }
  }
  if (const ZipEntry* order = zip.Find(root + "/byteorder")) {
    ASSIGN_OR_RETURN(EntryBytes bytes, zip.Contents(*order));
    if (bytes.view() != "little") {
      return absl::UnimplementedError(
          absl::StrCat(path, ": byte order '", bytes.view(),
                       "' is not supported (only little-endian)"));
    }
  }
  const ZipEntry* pkl = zip.Find(root + "/data.pkl");
  ASSIGN_OR_RETURN(EntryBytes pkl_bytes, zip.Contents(*pkl));
  absl::StatusOr<std::unique_ptr<PickleTree>> tree =
      ParsePickle(pkl_bytes.view());
  if (!tree.ok()) {
    return absl::Status(
        tree.status().code(),
        absl::StrCat(path, ": ", pkl->name, " ", tree.status().message()));
  }
  for (const StorageRef& storage : (*tree)->storages()) {
    std::string name = absl::StrCat(root, "/data/", storage.key);
    const ZipEntry* entry = zip.Find(name);
    if (entry == nullptr) {
      return absl::DataLossError(
          absl::StrCat(path, ": storage entry ", name,
                       " is missing (data.pkl refers to it)"));
    }
    uint64_t expected;
    if (__builtin_mul_overflow(static_cast<uint64_t>(storage.numel),
                               ItemSize(storage.dtype), &expected)) {
      return absl::DataLossError(absl::StrCat(
          path, ": storage ", name, " claims ", storage.numel, " elements of ",
          TorchName(storage.dtype), ", more bytes than 64 bits can count"));
    }
    if (entry->uncompressed_size != expected) {
      return absl::DataLossError(absl::StrCat(
          path, ": offset ", entry->data_offset, ": storage entry ", name,
          " holds ", entry->uncompressed_size, " bytes, but ", storage.numel,
          " elements of ", TorchName(storage.dtype), " need ", expected));
    }
  }
  return TorchArchive(std::move(zip), std::move(root), *std::move(tree));
}

const ZipEntry& TorchArchive::StorageEntry(const StorageRef& storage) const {
  // Open checked that every storage named by the pickle has its entry.
  return *zip_.Find(absl::StrCat(root_folder_, "/data/", storage.key));
}

absl::StatusOr<EntryBytes> TorchArchive::TensorBytes(
    const TensorRef& tensor) const {
  const StorageRef& storage = *tensor.storage;
  ASSIGN_OR_RETURN(EntryBytes whole, zip_.Contents(StorageEntry(storage)));
  const size_t item = ItemSize(storage.dtype);
  const int64_t numel = tensor.numel();
  if (tensor.IsContiguous()) {
    absl::string_view view =
        whole.view().substr(tensor.storage_offset * item, numel * item);
    if (whole.mapped()) return EntryBytes(view);
    return EntryBytes(std::make_shared<const std::string>(std::string(view)));
  }
  // Non-contiguous view (e.g. a transposed weight): gather in row-major order.
  auto out = std::make_shared<std::string>(numel * item, '\0');
  const size_t rank = tensor.shape.size();
  std::vector<int64_t> index(rank, 0);
  const char* src = whole.view().data();
  for (int64_t i = 0; i < numel; ++i) {
    int64_t element = tensor.storage_offset;
    for (size_t d = 0; d < rank; ++d) element += index[d] * tensor.strides[d];
    std::memcpy(out->data() + i * item, src + element * item, item);
    for (size_t d = rank; d-- > 0;) {
      if (++index[d] < tensor.shape[d]) break;
      index[d] = 0;
    }
  }
  return EntryBytes(std::shared_ptr<const std::string>(std::move(out)));
}

}  // namespace fairport
