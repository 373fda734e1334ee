// Families by name, as both registries keep them: the conversion registry
// (registry.h) and the forward registry (forward_family.h).
//
// Detection must not depend on the order in which families are linked or
// named: a checkpoint two families claim is an error naming both, and a
// name registered twice stops the program before main.
#ifndef FAIRPORT_FAMILIES_FAMILY_TABLE_H_
#define FAIRPORT_FAMILIES_FAMILY_TABLE_H_

#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"
#include "fairseq/checkpoint.h"

namespace fairport {

// `Family` has name() and Claims(const FairseqCheckpoint&).
template <typename Family>
class FamilyTable {
 public:
  // `registry` names the table in the duplicate message ("conversion",
  // "forward"); `verb` says what Fairport does with a family's checkpoints
  // in detection errors ("converts", "checks").
  FamilyTable(const char* registry, const char* verb)
      : registry_(registry), verb_(verb) {}

  // Adds `family`. Registration runs during static initialisation, so a
  // name taken twice (two packages registering one family, or one linked
  // twice) is reported there: one line on stderr and exit status 1. Nothing
  // has run yet that needs cleaning up, and exiting before main (rather
  // than keeping one of the two, or failing at the first lookup) means no
  // tool can run with a family silently replaced; _Exit skips destructors
  // of statics that other registrations may still be using.
  void Add(std::unique_ptr<Family> family) {
    std::string name(family->name());
    if (!families_.emplace(name, std::move(family)).second) {
      std::fprintf(stderr, "fairport: family '%s' registered twice (%s)\n",
                   name.c_str(), registry_);
      std::_Exit(1);
    }
  }

  const std::map<std::string, std::unique_ptr<Family>, std::less<>>& families()
      const {
    return families_;
  }

  // The names of every family, sorted.
  std::vector<std::string> Names() const {
    std::vector<std::string> names;
    for (const auto& [name, family] : families_) names.push_back(name);
    return names;
  }

  // The family registered as `name`, or nullptr.
  const Family* Find(absl::string_view name) const {
    auto it = families_.find(name);
    return it == families_.end() ? nullptr : it->second.get();
  }

  // The one family that claims the checkpoint. When none does, the error
  // names the checkpoint's model and lists the families; when several do,
  // it names the checkpoint and every claimant.
  absl::StatusOr<const Family*> Claimant(
      const FairseqCheckpoint& checkpoint) const {
    std::vector<const Family*> claimants;
    for (const auto& [name, family] : families_) {
      if (family->Claims(checkpoint)) claimants.push_back(family.get());
    }
    if (claimants.size() == 1) return claimants.front();
    const std::string model = absl::StrCat(checkpoint.path(), ": model ",
                                           checkpoint.ModelDescription());
    if (claimants.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat(model, " belongs to no family Fairport ", verb_,
                       " (families: ", absl::StrJoin(Names(), ", "), ")"));
    }
    std::vector<std::string> names;
    for (const Family* family : claimants) names.emplace_back(family->name());
    return absl::InternalError(absl::StrCat(
        model, " is claimed by more than one family (",
        absl::StrJoin(names, ", "),
        "): their Claims overlap, and Fairport will not pick one"));
  }

 private:
  const char* registry_;
  const char* verb_;
  std::map<std::string, std::unique_ptr<Family>, std::less<>> families_;
};

}  // namespace fairport

#endif  // FAIRPORT_FAMILIES_FAMILY_TABLE_H_
