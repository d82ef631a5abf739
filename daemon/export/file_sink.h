#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/common/clock.h"
#include "core/export/exporter_config.h"

namespace stitch::daemon {

// An append-only NDJSON file with rotation by size and age, an fsync policy and reopen for
// external log rotation; or standard output (no rotation, no fsync, never closed).
//
// Rotation renames path -> path.1 -> path.2 ... -> path.<max_files> (the oldest is deleted)
// and starts a new path. A file is rotated before a write would take it past max_size, at a
// line boundary (a single line longer than max_size gets a file of its own), and when it is
// not empty and max_age old. A rotation that fails (permissions) keeps writing to the current
// file and is tried again at the next tick: data is never dropped for the sake of rotation.
//
// Threading: one owner thread (the exporter worker); not thread-safe.
class FileSink {
public:
  struct Options {
    std::string path;  // empty: standard output
    exporting::FileRotationConfig rotate;
    exporting::FsyncPolicy fsync = exporting::FsyncPolicy::kNever;
    std::chrono::milliseconds fsync_interval{1000};
  };

  // Opens (creates) the file. Throws std::system_error when it cannot: a missing directory
  // or a permission problem is a start-up error the user must see.
  FileSink(Options options, const Clock& clock);
  ~FileSink();
  FileSink(const FileSink&) = delete;
  FileSink& operator=(const FileSink&) = delete;

  // Writes data[offset..] and advances `offset` past what was written, so that a retry after
  // an error (ENOSPC, EIO) continues without duplicating bytes. Returns 0 once everything is
  // written, else the errno of the failure. Rotates as needed on the way.
  int write(std::string_view data, std::size_t& offset);

  // After a batch: fdatasync under the batch policy, or when the interval passed. Returns 0 or
  // an errno.
  int afterBatch();
  // Periodic: rotation by age, fsync by interval, a failed rotation tried again.
  void onTick();
  // Closes and reopens the path (after an external rotation moved the file away).
  int reopen();
  // Syncs (unless the policy is never) and closes.
  void close();

  std::uint64_t fileSize() const noexcept { return size_; }
  std::uint64_t fsyncs() const noexcept { return fsyncs_; }
  std::uint64_t rotations() const noexcept { return rotations_; }
  std::uint64_t rotationErrors() const noexcept { return rotation_errors_; }
  bool isStdout() const noexcept { return options_.path.empty(); }
  const std::string& path() const noexcept { return options_.path; }

private:
  int open();
  int sync();
  bool rotationBySizeOn() const noexcept { return !isStdout() && options_.rotate.max_size != 0; }
  bool ageDue() const noexcept;
  bool rotate();  // false when the rename failed (the current file stays open)

  Options options_;
  const Clock& clock_;
  int fd_ = -1;
  std::uint64_t size_ = 0;
  TimestampNs opened_at_ = 0;
  TimestampNs last_sync_ = 0;
  bool dirty_ = false;  // written since the last fsync
  bool rotation_failed_ = false;
  std::uint64_t fsyncs_ = 0;
  std::uint64_t rotations_ = 0;
  std::uint64_t rotation_errors_ = 0;
};

}  // namespace stitch::daemon
