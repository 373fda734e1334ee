// Registers "hubert" a second time beside //families:all, as a package
// linked twice would: the program must stop before main
// (registry_test runs it).
#include <cstdio>

#include "families/hubert/flavor.h"
#include "families/registry.h"
#include "families/wav2vec2_encoder/family.h"

namespace {

[[maybe_unused]] const bool kRegisteredAgain = fairport::RegisterFamily(
    fairport::wav2vec2_encoder::MakeFamily(fairport::hubert::HubertFlavor()));

}  // namespace

int main() {
  std::puts("main ran");
  return 0;
}
