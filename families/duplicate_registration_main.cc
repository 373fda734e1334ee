// Registers "hubert" a second time beside //families:all, as a package
// linked twice would: the program must stop before main
// (registry_test runs it).
#include <cstdio>

#include "families/registry.h"
#include "families/wav2vec2/family.h"

namespace {

[[maybe_unused]] const bool kRegisteredAgain = fairport::RegisterFamily(
    fairport::wav2vec2::MakeFamily(fairport::wav2vec2::Variant::kHubert));

}  // namespace

int main() {
  std::puts("main ran");
  return 0;
}
