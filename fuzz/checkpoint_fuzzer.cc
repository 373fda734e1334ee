// libFuzzer target for the whole conversion path: any bytes as a checkpoint
// file go through tensor extraction (TensorBytes of every state-dict
// tensor), FairseqCheckpoint::Load, config inference, the mapping and the
// converter writing into a temporary folder. Each must give a result or an
// error, never a crash, a hang, an escaping exception or an unbounded
// allocation, and a failed conversion must leave nothing behind.
#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "absl/strings/str_cat.h"
#include "base/files.h"
#include "converter/conversion.h"
#include "fairseq/checkpoint.h"

namespace {

std::string& WorkDir() {
  static std::string dir;
  return dir;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  char pattern[] = "/tmp/fairport-fuzz-XXXXXX";
  if (::mkdtemp(pattern) == nullptr) std::abort();
  WorkDir() = pattern;
  // 29 symbols + 4 specials = the 33 rows of the fixtures' CTC head.
  std::string dict;
  for (char c : std::string("|ETAOINSRHLDUCMWFGYPBVK'XJQZ")) {
    dict += c;
    dict += " 1\n";
  }
  dict += "# 1\n";
  if (!fairport::WriteFileAtomically(WorkDir() + "/dict.ltr.txt", dict).ok())
    std::abort();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  int fd = ::memfd_create("fuzz-checkpoint", MFD_CLOEXEC);
  if (fd < 0) return 0;
  if (::write(fd, data, size) == static_cast<ssize_t>(size)) {
    const std::string path = "/proc/self/fd/" + std::to_string(fd);
    absl::StatusOr<fairport::FairseqCheckpoint> checkpoint =
        fairport::FairseqCheckpoint::Load(path);
    if (checkpoint.ok()) {
      for (const fairport::NamedTensor& t : checkpoint->state_dict())
        (void)checkpoint->archive().TensorBytes(*t.tensor);
    }
    fairport::ConversionOptions options;
    options.checkpoint_path = path;
    options.output_dir = WorkDir() + "/out";
    options.dict_path = WorkDir() + "/dict.ltr.txt";
    options.overwrite = true;
    options.write_bin = true;
    absl::StatusOr<fairport::ConversionSummary> converted =
        fairport::Convert(options);
    if (!converted.ok() && fairport::PathExists(options.output_dir)) {
      std::fprintf(stderr, "failed conversion left %s behind: %s\n",
                   options.output_dir.c_str(),
                   std::string(converted.status().message()).c_str());
      std::abort();
    }
    fairport::RemoveTree(options.output_dir);
  }
  ::close(fd);
  return 0;
}
