#include "daemon/output/retrying_file.h"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <system_error>
#include <thread>

#include <spdlog/spdlog.h>

namespace stitch::daemon {
namespace {

constexpr std::chrono::milliseconds kFirstRetryDelay{50};
constexpr std::chrono::milliseconds kMaxRetryDelay{2000};
constexpr std::chrono::milliseconds kWouldBlockDelay{1};

}  // namespace

std::string RetryingFile::open(const std::string& path) {
  FileSink::Options options;
  options.path = path;
  options.rotate.max_size = 0;  // no rotation: logrotate moves the file, SIGHUP reopens it
  options.rotate.max_age = std::chrono::seconds(0);
  options.fsync = exporting::FsyncPolicy::kNever;
  try {
    sink_ = std::make_unique<FileSink>(std::move(options), clock_);
  } catch (const std::system_error& e) {
    return e.what();
  }
  path_ = path;
  return {};
}

bool RetryingFile::writeAll(std::string_view data,
                            const std::atomic<bool>& abandon,
                            metrics::Counter& errors,
                            LogRateLimiter& warnings) {
  auto delay = kFirstRetryDelay;
  std::size_t offset = 0;
  for (;;) {
    const int error = sink_->write(data, offset);
    if (error == 0) {
      return true;
    }
    if (error == EAGAIN || error == EWOULDBLOCK) {
      // A non-blocking stdout (set by whoever started us): wait until it takes more.
      std::this_thread::sleep_for(kWouldBlockDelay);
      continue;
    }
    errors.add();
    if (abandon.load(std::memory_order_relaxed)) {
      return false;
    }
    if (auto suppressed = warnings.admit(what_ + " write")) {
      spdlog::warn("{}: write to {} failed: {}; retrying, nothing is dropped{}", what_,
                   path_.empty() ? "stdout" : path_, std::generic_category().message(error),
                   *suppressed ? fmt::format(" ({} more failures)", *suppressed) : "");
    }
    std::this_thread::sleep_for(delay);
    delay = std::min(delay * 2, kMaxRetryDelay);
  }
}

}  // namespace stitch::daemon
