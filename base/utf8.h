// Strict UTF-8 validation (RFC 3629: no overlong forms, no surrogates,
// nothing above U+10FFFF), for text from input files before it reaches JSON
// or a terminal.
#ifndef FAIRPORT_BASE_UTF8_H_
#define FAIRPORT_BASE_UTF8_H_

#include <cstddef>
#include <optional>

#include "absl/strings/string_view.h"

namespace fairport {

// The offset of the first byte that does not belong to a valid UTF-8
// sequence, or nullopt when all of `text` is valid.
std::optional<size_t> FirstInvalidUtf8Byte(absl::string_view text);

}  // namespace fairport

#endif  // FAIRPORT_BASE_UTF8_H_
