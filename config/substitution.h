#pragma once

#include <functional>
#include <optional>
#include <string>

#include "config/node.h"

namespace stitch::config {

// Looks a variable up; nullopt when it is not set.
using EnvironmentLookup = std::function<std::optional<std::string>(const std::string& name)>;

// The process environment (getenv).
std::optional<std::string> processEnvironment(const std::string& name);

// Replaces `${NAME}` and `${NAME:-default}` in every scalar value of the tree (not in keys),
// after parsing so that positions stay those of the file and before the typed mapping so that
// `port: ${PORT:-7410}` reads as a number. As in the shell, the default applies when the
// variable is unset or empty. `$${` is a literal `${`; a `$` not followed by `{` is literal.
// An unset variable without a default, a malformed reference or a missing `}` is reported at
// the value's position and the value is poisoned (no second complaint about it).
void substituteEnvironment(Node& root, const EnvironmentLookup& lookup, Problems& problems);

}  // namespace stitch::config
