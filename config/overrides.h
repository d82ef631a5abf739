#pragma once

#include <string_view>

#include "config/node.h"

namespace stitch::config {

// Applies one `--set key.path=value` on top of the parsed file, before the typed mapping reads
// it. The path walks mappings by key and lists by index ("exporters[0].endpoint"); missing
// mappings on the way are created, an index may be one past the end to append. The value is
// YAML, read like the right-hand side of `key: value` in the file, so `10s`, `[a, b]` and
// `{authorization: "Bearer x"}` all work. Every value it sets is marked "<--set>".
// Problems (no '=', a bad path, a path through a scalar, an index too far) are reported and
// leave `root` unchanged.
void applyOverride(Node& root, std::string_view assignment, Problems& problems);

}  // namespace stitch::config
