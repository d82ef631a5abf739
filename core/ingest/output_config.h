#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/common/config_problem.h"

namespace stitch::ingest {

// Where decoded records go until the pipeline (shards, exporters) lands: stdout or a file,
// one line per record (the original line, byte for byte).
enum class OutputType : std::uint8_t { kStdout = 0, kFile };
bool parseOutputType(std::string_view text, OutputType& out) noexcept;
std::string_view outputTypeName(OutputType type) noexcept;

// The `output:` section.
struct OutputConfig {
  OutputType type = OutputType::kStdout;
  // For kFile: appended to (created 0640 when missing); reopened on SIGHUP, so logrotate can
  // move it away. A FIFO works too: a slow reader slows stitchd down, it never loses records.
  std::string path;
  // The bounded queue between the ingest workers and the writer. Records beyond either limit
  // stop the ingest (backpressure); they are never dropped.
  std::uint64_t queue_records = 65536;
  std::uint64_t queue_bytes = 256 * 1024 * 1024;
  // Bytes collected before one write(); written sooner whenever the queue runs empty.
  std::uint64_t write_buffer = 1024 * 1024;

  // `path` against `type` (the keys' ranges are the schema's).
  ConfigProblems validate() const;

  friend bool operator==(const OutputConfig&, const OutputConfig&) = default;
};

}  // namespace stitch::ingest
