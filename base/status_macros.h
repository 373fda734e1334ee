// RETURN_IF_ERROR / ASSIGN_OR_RETURN: keep call sites that propagate
// absl::Status flat.
#ifndef FAIRPORT_BASE_STATUS_MACROS_H_
#define FAIRPORT_BASE_STATUS_MACROS_H_

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define FAIRPORT_CONCAT_INNER(a, b) a##b
#define FAIRPORT_CONCAT(a, b) FAIRPORT_CONCAT_INNER(a, b)

#define RETURN_IF_ERROR(expr)               \
  do {                                      \
    absl::Status fairport_status_ = (expr); \
    if (!fairport_status_.ok()) {           \
      return fairport_status_;              \
    }                                       \
  } while (0)

#define ASSIGN_OR_RETURN(lhs, expr)                                            \
  FAIRPORT_ASSIGN_OR_RETURN_IMPL(FAIRPORT_CONCAT(fairport_or_, __LINE__), lhs, \
                                 expr)

#define FAIRPORT_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                                   \
  if (!tmp.ok()) {                                     \
    return std::move(tmp).status();                    \
  }                                                    \
  lhs = std::move(tmp).value()

#endif  // FAIRPORT_BASE_STATUS_MACROS_H_
