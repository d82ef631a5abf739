#pragma once

#include <string_view>

namespace stitch::daemon {

// stitch's version, from project(VERSION) in the top CMakeLists.txt: `--version`, the startup
// log line, stitch_build_info on /metrics and the User-Agent of HTTP requests.
inline constexpr std::string_view kVersion = STITCH_VERSION;

}  // namespace stitch::daemon
