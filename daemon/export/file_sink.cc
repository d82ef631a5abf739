#include "daemon/export/file_sink.h"

#include <cerrno>
#include <cstdio>
#include <fcntl.h>
#include <filesystem>
#include <sys/stat.h>
#include <system_error>
#include <unistd.h>

#include <spdlog/spdlog.h>

namespace stitch::daemon {
namespace {

constexpr mode_t kFileMode = 0640;  // logs hold user data: not world-readable
// One write() call at most this big. Linux's buffered write costs several times more per byte
// in calls of 1 MiB and up than in calls of 64-512 KiB (365 MB into ext4's page cache on Linux
// 6.18: 0.43-0.55 s in 1-4 MiB calls, 0.09 s in 256 KiB calls), and a batch is up to
// batch_max_bytes (4 MiB by default).
constexpr std::size_t kMaxWrite = std::size_t{256} << 10;

std::string rotatedName(const std::string& path, std::uint32_t index) {
  return path + "." + std::to_string(index);
}

}  // namespace

FileSink::FileSink(Options options, const Clock& clock)
    : options_(std::move(options)), clock_(clock) {
  if (isStdout()) {
    fd_ = STDOUT_FILENO;
    opened_at_ = clock_.now();
    return;
  }
  // Like the store, create a missing directory (stitch-data/ on a first run); open() then
  // reports what went wrong when this could not.
  if (const auto dir = std::filesystem::path(options_.path).parent_path(); !dir.empty()) {
    std::error_code ignored;
    std::filesystem::create_directories(dir, ignored);
  }
  if (const int error = open(); error != 0) {
    throw std::system_error(error, std::generic_category(), "cannot open " + options_.path);
  }
  last_sync_ = clock_.now();
}

FileSink::~FileSink() {
  close();
}

int FileSink::open() {
  const int fd =
      ::open(options_.path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, kFileMode);
  if (fd < 0) {
    return errno;
  }
  struct stat st {};
  size_ = ::fstat(fd, &st) == 0 ? static_cast<std::uint64_t>(st.st_size) : 0;
  fd_ = fd;
  opened_at_ = clock_.now();
  return 0;
}

int FileSink::sync() {
  if (fd_ < 0 || isStdout() || !dirty_) {
    return 0;
  }
  last_sync_ = clock_.now();
  if (::fdatasync(fd_) != 0) {
    return errno;
  }
  ++fsyncs_;
  dirty_ = false;
  return 0;
}

bool FileSink::ageDue() const noexcept {
  const auto max_age = options_.rotate.max_age;
  return !isStdout() && max_age.count() > 0 && size_ > 0 &&
         clock_.now() - opened_at_ >=
             std::chrono::duration_cast<std::chrono::nanoseconds>(max_age).count();
}

bool FileSink::rotate() {
  if (options_.fsync != exporting::FsyncPolicy::kNever) {
    sync();
  }
  const std::uint32_t keep = options_.rotate.max_files;
  const std::string& path = options_.path;
  if (keep > 0) {
    std::remove(rotatedName(path, keep).c_str());
    for (std::uint32_t i = keep; i > 1; --i) {
      std::rename(rotatedName(path, i - 1).c_str(), rotatedName(path, i).c_str());
    }
  }
  const int rc = keep > 0 ? std::rename(path.c_str(), rotatedName(path, 1).c_str())
                          : std::remove(path.c_str());
  if (rc != 0) {
    const int error = errno;
    ++rotation_errors_;
    if (!rotation_failed_) {
      spdlog::warn("file exporter: cannot rotate {}: {}; still writing to it", path,
                   std::generic_category().message(error));
    }
    rotation_failed_ = true;
    opened_at_ = clock_.now();  // try again at the next age or tick, not at every write
    return false;
  }
  rotation_failed_ = false;
  ::close(fd_);
  fd_ = -1;
  size_ = 0;
  dirty_ = false;
  ++rotations_;
  if (const int error = open(); error != 0) {
    spdlog::warn("file exporter: cannot open {} after rotation: {}", path,
                 std::generic_category().message(error));
  }
  return true;
}

int FileSink::write(std::string_view data, std::size_t& offset) {
  while (offset < data.size()) {
    if (fd_ < 0) {
      if (const int error = open(); error != 0) {
        return error;
      }
    }
    if (ageDue() && !rotation_failed_) {
      rotate();
      continue;
    }
    std::string_view chunk = data.substr(offset);
    bool rotate_after = false;
    if (rotationBySizeOn() && !rotation_failed_ &&
        size_ + chunk.size() > options_.rotate.max_size) {
      const std::uint64_t room =
          size_ < options_.rotate.max_size ? options_.rotate.max_size - size_ : 0;
      const std::size_t cut = room > 0 ? chunk.rfind('\n', room - 1) : std::string_view::npos;
      if (cut != std::string_view::npos) {
        chunk = chunk.substr(0, cut + 1);  // what fits, ending at a line
        rotate_after = true;
      } else if (size_ > 0) {
        rotate();  // not even one line fits: start a new file first
        continue;
      } else {
        // An empty file and a first line longer than max_size: that line alone.
        const std::size_t end = chunk.find('\n');
        if (end != std::string_view::npos) {
          chunk = chunk.substr(0, end + 1);
        }
        rotate_after = true;
      }
    }
    const std::size_t want = std::min(chunk.size(), kMaxWrite);
    const ssize_t n = ::write(fd_, chunk.data(), want);
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      return errno;
    }
    offset += static_cast<std::size_t>(n);
    size_ += static_cast<std::uint64_t>(n);
    dirty_ = true;
    if (rotate_after && static_cast<std::size_t>(n) == chunk.size() && offset < data.size()) {
      rotate();
    }
  }
  return 0;
}

int FileSink::afterBatch() {
  switch (options_.fsync) {
    case exporting::FsyncPolicy::kNever:
      return 0;
    case exporting::FsyncPolicy::kBatch:
      return sync();
    case exporting::FsyncPolicy::kInterval:
      if (clock_.now() - last_sync_ >=
          std::chrono::duration_cast<std::chrono::nanoseconds>(options_.fsync_interval).count()) {
        return sync();
      }
      return 0;
  }
  return 0;
}

void FileSink::onTick() {
  if (isStdout()) {
    return;
  }
  if (fd_ >= 0 &&
      (ageDue() || (rotation_failed_ && rotationBySizeOn() && size_ >= options_.rotate.max_size))) {
    rotate();
  }
  if (options_.fsync == exporting::FsyncPolicy::kInterval) {
    afterBatch();
  }
}

int FileSink::reopen() {
  if (isStdout()) {
    return 0;
  }
  if (fd_ >= 0) {
    if (options_.fsync != exporting::FsyncPolicy::kNever) {
      sync();
    }
    ::close(fd_);
    fd_ = -1;
  }
  dirty_ = false;
  rotation_failed_ = false;
  return open();
}

void FileSink::close() {
  if (fd_ < 0 || isStdout()) {
    return;
  }
  if (options_.fsync != exporting::FsyncPolicy::kNever) {
    sync();
  }
  ::close(fd_);
  fd_ = -1;
}

}  // namespace stitch::daemon
