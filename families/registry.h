// The families Fairport converts. Each family package registers itself
// (FAIRPORT_REGISTER_FAMILY in a library built with alwayslink); tools
// link //families:all and look families up here.
#ifndef FAIRPORT_FAMILIES_REGISTRY_H_
#define FAIRPORT_FAMILIES_REGISTRY_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "fairseq/checkpoint.h"
#include "families/family.h"

namespace fairport {

// Adds a family; returns true so that it can initialise a static. A name
// registered twice ends the program with a message (family_table.h).
bool RegisterFamily(std::unique_ptr<ModelFamily> family);

// The names of every registered family, sorted.
std::vector<std::string> FamilyNames();

// The family that claims the checkpoint. When none does, the error names
// the checkpoint's model and lists the families that exist; when several
// do, it names the checkpoint and each of them (never the first found).
absl::StatusOr<const ModelFamily*> FamilyOf(
    const FairseqCheckpoint& checkpoint);

// The family registered as `name`, or nullptr.
const ModelFamily* FamilyByName(absl::string_view name);

}  // namespace fairport

#define FAIRPORT_REGISTER_FAMILY(Class)                   \
  [[maybe_unused]] static const bool kRegistered##Class = \
      ::fairport::RegisterFamily(std::make_unique<Class>())

#endif  // FAIRPORT_FAMILIES_REGISTRY_H_
