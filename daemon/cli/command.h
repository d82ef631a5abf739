#pragma once

// Conventions shared by the `stitch` CLI's commands (daemon/cli/<name>_command.{h,cc}).
//
// Each command adds itself to the app with its own `register<Name>Command(CLI::App&)`, called
// from daemon/stitch_main.cc (one line per command, so that commands land without conflicts).
// Its CLI11 callback does the work and prints the result. A command that ends with anything
// but kExitOk throws CLI::RuntimeError(code) from the callback; main() returns that code.
// Parse errors (unknown option, missing required option) exit with kExitUsage.

namespace stitch::daemon {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;  // the command ran and the answer is "no"/"not found"
inline constexpr int kExitUsage = 2;    // bad command line

}  // namespace stitch::daemon
