#pragma once

#include <cstdint>

#include "core/record/record.h"

namespace stitch::ingest {

enum class PushResult : std::uint8_t {
  kAccepted = 0,  // the batch was taken (`batch` is left empty)
  kFull,          // no room now: `batch` is untouched; try again later
  kClosed,        // the sink takes nothing more (shutting down): `batch` is untouched
};

// Where ingest workers hand decoded records on: in stitchd, daemon::Pipeline, which head-samples
// and routes each record to the RecordQueue of the shard that owns its trace id.
//
// tryPush never blocks: a worker thread serves many connections and must not sleep. On kFull a
// stream connection stops reading (the kernel's TCP window closes on the sender), a datagram
// socket stops reading (its kernel buffer absorbs the burst, overflow is counted there), and an
// HTTP request waits a bounded time, then gets 503.
// Threading: called from any thread; implementations are thread-safe.
class RecordSink {
public:
  virtual ~RecordSink() = default;
  virtual PushResult tryPush(record::RecordBatch& batch) noexcept = 0;
};

}  // namespace stitch::ingest
