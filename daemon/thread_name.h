#pragma once

#include <pthread.h>
#include <string>

namespace stitch::daemon {

// Names the calling thread as `top -H`, `perf report --sort comm` and /proc/PID/task/*/comm show
// it. Linux keeps 15 bytes of a name; a longer one is cut, not refused.
inline void nameThisThread(std::string name) noexcept {
  if (name.size() > 15) {
    name.resize(15);
  }
  pthread_setname_np(pthread_self(), name.c_str());
}

}  // namespace stitch::daemon
