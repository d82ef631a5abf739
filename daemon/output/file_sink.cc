#include "daemon/output/file_sink.h"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <fcntl.h>
#include <poll.h>
#include <thread>
#include <unistd.h>

#include <spdlog/spdlog.h>

namespace stitch::daemon {
namespace {

constexpr std::chrono::milliseconds kFirstRetryDelay{50};
constexpr std::chrono::milliseconds kMaxRetryDelay{2000};

}  // namespace

FileSink::~FileSink() {
  close();
}

void FileSink::close() noexcept {
  if (fd_ > STDERR_FILENO) {
    ::close(fd_);
  }
  fd_ = -1;
}

std::string FileSink::open(const std::string& path) {
  int fd = STDOUT_FILENO;
  if (!path.empty()) {
    fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
    if (fd < 0) {
      return path + ": " + std::strerror(errno);
    }
  }
  close();
  fd_ = fd;
  path_ = path;
  return {};
}

bool FileSink::writeAll(std::string_view data,
                        const std::atomic<bool>& abandon,
                        metrics::Counter& errors,
                        LogRateLimiter& warnings) {
  auto delay = kFirstRetryDelay;
  while (!data.empty()) {
    const ssize_t n = ::write(fd_, data.data(), data.size());
    if (n > 0) {
      data.remove_prefix(static_cast<std::size_t>(n));
      delay = kFirstRetryDelay;
      continue;
    }
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      // A non-blocking stdout (set by whoever started us): wait until it takes more.
      pollfd p{fd_, POLLOUT, 0};
      ::poll(&p, 1, 100);
      continue;
    }
    const std::string reason = n < 0 ? std::strerror(errno) : "wrote nothing";
    errors.add();
    if (abandon.load(std::memory_order_relaxed)) {
      return false;
    }
    if (auto suppressed = warnings.admit(what_ + " write")) {
      spdlog::warn("{}: write to {} failed: {}; retrying, nothing is dropped{}", what_,
                   path_.empty() ? "stdout" : path_, reason,
                   *suppressed ? fmt::format(" ({} more failures)", *suppressed) : "");
    }
    std::this_thread::sleep_for(delay);
    delay = std::min(delay * 2, kMaxRetryDelay);
  }
  return true;
}

}  // namespace stitch::daemon
