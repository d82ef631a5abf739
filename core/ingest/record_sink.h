#pragma once

#include <cstdint>

#include "core/record/record.h"

namespace stitch::ingest {

enum class PushResult : std::uint8_t {
  kAccepted = 0,  // the batch was taken (`batch` is left empty)
  kFull,          // no room now: `batch` is untouched; try again later
  kClosed,        // the sink takes nothing more (shutting down): `batch` is untouched
};

// Where ingest workers hand decoded records on. Today the output writer's RecordQueue; later
// the shard router (records go to the shard that owns their trace id, untraced logs to the
// exporters), which is then one more RecordSink between the workers and the queues.
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
