// libFuzzer target for the zip + pickle reader: any bytes, as a file or as
// a bare pickle, must give a value or an error, never a crash, a hang or an
// unbounded allocation.
#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <string>

#include "formats/pickle.h"
#include "formats/torch_archive.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  absl::string_view bytes(reinterpret_cast<const char*>(data), size);
  (void)fairport::ParsePickle(bytes);

  int fd = ::memfd_create("fuzz-input", MFD_CLOEXEC);
  if (fd < 0) return 0;
  if (::write(fd, data, size) == static_cast<ssize_t>(size)) {
    absl::StatusOr<fairport::TorchArchive> archive =
        fairport::TorchArchive::Open("/proc/self/fd/" + std::to_string(fd));
    if (archive.ok()) {
      (void)archive->zip().VerifyAllCrcs();
      for (const fairport::ZipEntry& entry : archive->zip().entries())
        (void)archive->zip().Contents(entry);
    }
  }
  ::close(fd);
  return 0;
}
