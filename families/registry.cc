#include "families/registry.h"

#include <utility>

#include "families/family_table.h"

namespace fairport {
namespace {

FamilyTable<ModelFamily>& Families() {
  static auto* families =
      new FamilyTable<ModelFamily>("conversion registry", "converts");
  return *families;
}

}  // namespace

bool RegisterFamily(std::unique_ptr<ModelFamily> family) {
  Families().Add(std::move(family));
  return true;
}

std::vector<std::string> FamilyNames() { return Families().Names(); }

absl::StatusOr<const ModelFamily*> FamilyOf(
    const FairseqCheckpoint& checkpoint) {
  return Families().Claimant(checkpoint);
}

const ModelFamily* FamilyByName(absl::string_view name) {
  return Families().Find(name);
}

}  // namespace fairport
