#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

#include "core/assembly/trace_id_index.h"
#include "core/common/clock.h"
#include "core/record/record.h"

namespace stitch::assembly {

// Bytes glibc's malloc really takes for an n-byte request: n plus its 8-byte chunk header,
// rounded up to 16, at least 32. The budget charges this rather than n, so that what it
// reports matches what the process holds (shard_bench checks this against mallinfo2).
constexpr std::uint64_t mallocChunkBytes(std::uint64_t n) noexcept {
  const std::uint64_t chunk = (n + 8 + 15) & ~std::uint64_t{15};
  return chunk < 32 ? 32 : chunk;
}

// One trace being assembled. Owned by a TraceBuffer; the list links are the buffer's.
struct PendingTrace {
  TraceId id;
  record::RecordBatch records;   // arrival order
  TimestampNs first_ns = 0;      // arrival of the first record (clock time)
  TimestampNs last_ns = 0;       // arrival of the latest record
  TimestampNs root_done_ns = 0;  // arrival of its first root span record; 0 = none yet
  std::uint64_t bytes = 0;       // what this trace is charged (see TraceBuffer)
  std::uint32_t span_records = 0;

  // Intrusive links: activity order (least recently active first) and root-completion order.
  PendingTrace* prev = nullptr;
  PendingTrace* next = nullptr;
  PendingTrace* root_prev = nullptr;
  PendingTrace* root_next = nullptr;
  bool in_root_list = false;
};

// The pending traces of one shard, with honest memory accounting:
//   held = sum over traces of [malloc chunk of the PendingTrace + malloc chunk of its record
//          pointer array + malloc chunk of each record's one allocation]
//        + the index's slot array.
// Lookups and appends are O(1): an open-addressing index by trace id and two intrusive
// lists, one in activity order (its head is the next trace whose decision_wait runs out and
// the first to go under memory pressure) and one in root-completion order (for root_grace).
// The buffer never decides anything: the shard asks it what is due and releases traces.
// Threading: shard thread only.
class TraceBuffer {
public:
  TraceBuffer();
  ~TraceBuffer();
  TraceBuffer(const TraceBuffer&) = delete;
  TraceBuffer& operator=(const TraceBuffer&) = delete;

  PendingTrace* find(const TraceId& id) noexcept;
  const PendingTrace* find(const TraceId& id) const noexcept;

  // Bytes a new trace would add (its PendingTrace, and the index's growth if it would grow).
  std::uint64_t createCost() const noexcept;
  // Bytes appending `record` to `trace` would add (the record, and pointer-array growth);
  // `trace` null means a new trace's first record.
  std::uint64_t appendCost(const PendingTrace* trace, const record::Record& record) const noexcept;

  // A new, empty trace at the tail of the activity list. Allocates.
  PendingTrace& create(const TraceId& id, TimestampNs now);
  // Appends a record (takes ownership), moves the trace to the activity tail, and enters it
  // in the root list when this is its first root span record (a span without a parent).
  void append(PendingTrace& trace, record::RecordPtr&& record, TimestampNs now);
  // Moves a trace to the activity tail without a record (it is about to receive one).
  void touch(PendingTrace& trace, TimestampNs now) noexcept;

  // Removes a trace from the buffer and its accounting; the caller owns it now.
  std::unique_ptr<PendingTrace> release(PendingTrace& trace) noexcept;

  // Least recently active trace, or null.
  PendingTrace* leastRecentlyActive() const noexcept { return head_; }
  // Earliest root-completed trace, or null.
  PendingTrace* earliestRootDone() const noexcept { return root_head_; }

  std::uint64_t bytesHeld() const noexcept { return bytes_ + index_.memoryBytes(); }
  std::size_t tracesHeld() const noexcept { return index_.size(); }
  std::uint64_t recordsHeld() const noexcept { return records_; }
  std::uint64_t rawBytesHeld() const noexcept { return raw_bytes_; }

  template <class F>
  void forEach(F&& visit) const {
    for (PendingTrace* t = head_; t != nullptr; t = t->next) {
      visit(*t);
    }
  }

  static std::uint64_t recordCost(const record::Record& record) noexcept {
    return mallocChunkBytes(record.allocatedBytes());
  }

private:
  static std::size_t nextCapacity(std::size_t capacity) noexcept {
    return capacity == 0 ? 4 : capacity * 2;
  }
  static std::uint64_t arrayCost(std::size_t capacity) noexcept {
    return capacity == 0 ? 0 : mallocChunkBytes(capacity * sizeof(record::RecordPtr));
  }
  void unlinkActivity(PendingTrace& trace) noexcept;
  void linkActivityTail(PendingTrace& trace) noexcept;
  void unlinkRoot(PendingTrace& trace) noexcept;

  TraceIdIndex<PendingTrace*> index_;
  PendingTrace* head_ = nullptr;
  PendingTrace* tail_ = nullptr;
  PendingTrace* root_head_ = nullptr;
  PendingTrace* root_tail_ = nullptr;
  std::uint64_t bytes_ = 0;  // everything but the index
  std::uint64_t records_ = 0;
  std::uint64_t raw_bytes_ = 0;
};

}  // namespace stitch::assembly
