#pragma once

#include <memory>

#include "core/common/clock.h"
#include "core/export/exporter_config.h"
#include "core/export/ndjson_encoder.h"
#include "daemon/export/exporter.h"
#include "daemon/export/file_sink.h"

namespace stitch::daemon {

// Writes NDJSON (per record or per trace) to a file or to standard output. One payload per
// batch, written with large write() calls; a failed write (disk full, I/O error) is retried
// with backoff from where it stopped, never duplicated and never fatal.
// Threading: the exporter worker, except construction.
class FileExporter final : public ExporterBackend {
public:
  // Opens the file; throws std::system_error when it cannot (a start-up error).
  FileExporter(const exporting::FileExporterConfig& config, const Clock& clock);
  // Standard output: the same encoder, no rotation, no fsync.
  FileExporter(const exporting::StdoutExporterConfig& config, const Clock& clock);

  EncodeStats encode(std::span<const exporting::ExportItem> items,
                     std::vector<Payload>& out) override;
  SendResult send(Payload& payload, SteadyTime deadline) override;
  void onTick() override;
  std::chrono::milliseconds tickInterval() const override;
  void reopen() override;
  void close() override;
  void registerMetrics(metrics::Registry& registry, const metrics::Labels& labels) override;

  const FileSink& sink() const noexcept { return sink_; }

private:
  void publishCounters();

  exporting::NdjsonEncoder encoder_;
  FileSink sink_;
  std::chrono::milliseconds tick_;
  metrics::Counter* fsyncs_ = nullptr;
  metrics::Counter* rotations_ = nullptr;
  metrics::Counter* rotation_errors_ = nullptr;
  metrics::Counter* fsync_errors_ = nullptr;
  std::uint64_t published_fsyncs_ = 0;
  std::uint64_t published_rotations_ = 0;
  std::uint64_t published_rotation_errors_ = 0;
};

}  // namespace stitch::daemon
