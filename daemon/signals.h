#pragma once

#include <csignal>

namespace stitch::daemon {

// Blocks SIGTERM, SIGINT and SIGHUP in the calling thread; threads started afterwards inherit
// the mask, so only the main thread (in waitForSignal) ever receives them. Call first in main.
void blockTerminationSignals();

enum class SignalAction { kStop, kReload };

// Waits for the next SIGTERM/SIGINT (kStop) or SIGHUP (kReload). Main thread only.
SignalAction waitForSignal(int* signal_number = nullptr);

}  // namespace stitch::daemon
