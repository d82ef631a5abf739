#include "daemon/signals.h"

#include <cerrno>
#include <pthread.h>

namespace stitch::daemon {
namespace {

sigset_t terminationSignals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGHUP);
  return set;
}

}  // namespace

void blockTerminationSignals() {
  const sigset_t set = terminationSignals();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  // A peer closing its socket must be an error code on the write, not a process kill.
  std::signal(SIGPIPE, SIG_IGN);
}

SignalAction waitForSignal(int* signal_number) {
  const sigset_t set = terminationSignals();
  for (;;) {
    int sig = 0;
    if (sigwait(&set, &sig) != 0) {
      continue;
    }
    if (signal_number != nullptr) {
      *signal_number = sig;
    }
    return sig == SIGHUP ? SignalAction::kReload : SignalAction::kStop;
  }
}

}  // namespace stitch::daemon
