#pragma once

#include <string>

namespace stitch::daemon {

// Writes `content` to `path` atomically (a temporary file in the same directory, fsync, then
// rename), so that a reader never sees a partial file. Returns an error message, or "" on
// success.
std::string writeFileAtomically(const std::string& path, const std::string& content);

}  // namespace stitch::daemon
