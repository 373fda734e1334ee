#include "families/registry.h"

#include <algorithm>
#include <map>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace fairport {
namespace {

std::map<std::string, std::unique_ptr<ModelFamily>, std::less<>>& Families() {
  static auto* families =
      new std::map<std::string, std::unique_ptr<ModelFamily>, std::less<>>;
  return *families;
}

}  // namespace

bool RegisterFamily(std::unique_ptr<ModelFamily> family) {
  std::string name(family->name());
  return Families().emplace(std::move(name), std::move(family)).second;
}

std::vector<std::string> FamilyNames() {
  std::vector<std::string> names;
  for (const auto& [name, family] : Families()) names.push_back(name);
  return names;
}

absl::StatusOr<const ModelFamily*> FamilyOf(
    const FairseqCheckpoint& checkpoint) {
  for (const auto& [name, family] : Families()) {
    if (family->Claims(checkpoint)) return family.get();
  }
  return absl::InvalidArgumentError(
      absl::StrCat(checkpoint.path(), ": model ", checkpoint.ModelDescription(),
                   " belongs to no family Fairport converts (families: ",
                   absl::StrJoin(FamilyNames(), ", "), ")"));
}

const ModelFamily* FamilyByName(absl::string_view name) {
  auto it = Families().find(name);
  return it == Families().end() ? nullptr : it->second.get();
}

}  // namespace fairport
