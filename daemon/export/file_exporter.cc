#include "daemon/export/file_exporter.h"

#include <algorithm>
#include <system_error>

#include <spdlog/spdlog.h>

namespace stitch::daemon {
namespace {

FileSink::Options fileOptions(const exporting::FileExporterConfig& config) {
  FileSink::Options options;
  options.path = config.path;
  options.rotate = config.rotate;
  options.fsync = config.fsync;
  options.fsync_interval = config.fsync_interval;
  return options;
}

std::string errnoText(int error) {
  return std::generic_category().message(error);
}

}  // namespace

FileExporter::FileExporter(const exporting::FileExporterConfig& config, const Clock& clock)
    : encoder_(config.mode), sink_(fileOptions(config), clock), tick_(std::chrono::seconds(1)) {
  if (config.fsync == exporting::FsyncPolicy::kInterval) {
    tick_ = std::clamp(config.fsync_interval, std::chrono::milliseconds(10), tick_);
  }
}

FileExporter::FileExporter(const exporting::StdoutExporterConfig& config, const Clock& clock)
    : encoder_(config.mode), sink_(FileSink::Options{}, clock), tick_(std::chrono::seconds(1)) {}

EncodeStats FileExporter::encode(std::span<const exporting::ExportItem> items,
                                 std::vector<Payload>& out) {
  const exporting::NdjsonStats before = encoder_.stats();
  Payload payload;
  encoder_.encode(items, payload.body);
  const exporting::NdjsonStats& after = encoder_.stats();
  payload.records = static_cast<std::uint32_t>(after.records - before.records);
  EncodeStats stats;
  stats.invalid_lines = after.invalid_raw - before.invalid_raw;
  if (!payload.body.empty()) {
    out.push_back(std::move(payload));
  }
  return stats;
}

SendResult FileExporter::send(Payload& payload, SteadyTime /*deadline*/) {
  // A local write either completes or fails quickly; it is not cut off at the deadline.
  const int error = sink_.write(payload.body, payload.offset);
  publishCounters();
  if (error != 0) {
    const std::string reason = error == ENOSPC ? "disk_full" : "write_error";
    return SendResult::retryable(reason, (sink_.isStdout() ? std::string("stdout") : sink_.path()) +
                                             ": " + errnoText(error));
  }
  if (const int sync_error = sink_.afterBatch(); sync_error != 0 && fsync_errors_ != nullptr) {
    // The bytes are in the page cache; fsync failing is reported, not retried (a retry would
    // duplicate the batch).
    fsync_errors_->add();
    spdlog::warn("file exporter: fdatasync {} failed: {}", sink_.path(), errnoText(sync_error));
  }
  publishCounters();
  return SendResult::ok();
}

void FileExporter::onTick() {
  sink_.onTick();
  publishCounters();
}

std::chrono::milliseconds FileExporter::tickInterval() const {
  return tick_;
}

void FileExporter::reopen() {
  if (const int error = sink_.reopen(); error != 0) {
    spdlog::warn("file exporter: cannot reopen {}: {} (retried at the next write)", sink_.path(),
                 errnoText(error));
  } else if (!sink_.isStdout()) {
    spdlog::info("file exporter: reopened {}", sink_.path());
  }
}

void FileExporter::close() {
  sink_.close();
  publishCounters();
}

void FileExporter::registerMetrics(metrics::Registry& registry, const metrics::Labels& labels) {
  fsyncs_ =
      &registry.counter("stitch_exporter_fsyncs_total", "fdatasync calls that succeeded", labels);
  fsync_errors_ = &registry.counter("stitch_exporter_fsync_errors_total",
                                    "fdatasync calls that failed", labels);
  rotations_ = &registry.counter("stitch_exporter_rotations_total", "Files rotated", labels);
  rotation_errors_ = &registry.counter("stitch_exporter_rotation_errors_total",
                                       "Rotations that failed (writing went on)", labels);
}

void FileExporter::publishCounters() {
  if (fsyncs_ == nullptr) {
    return;
  }
  fsyncs_->add(sink_.fsyncs() - published_fsyncs_);
  published_fsyncs_ = sink_.fsyncs();
  rotations_->add(sink_.rotations() - published_rotations_);
  published_rotations_ = sink_.rotations();
  rotation_errors_->add(sink_.rotationErrors() - published_rotation_errors_);
  published_rotation_errors_ = sink_.rotationErrors();
}

}  // namespace stitch::daemon
