#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

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

// A block of record pointers. A pending trace's records live in a singly linked list of
// these, taken from and returned to its shard's pool: appending never calls malloc, and a
// block is one cache line.
struct RecordBlock {
  static constexpr std::size_t kSlots = 7;
  record::Record* records[kSlots];  // owned by the trace (see TraceBuffer::release)
  RecordBlock* next;
};
static_assert(sizeof(RecordBlock) == 64);

// One trace being assembled. Owned by a TraceBuffer; the links are the buffer's. Kept to 96
// bytes (a 112-byte malloc chunk): it is paid for every trace in flight.
struct PendingTrace {
  TraceId id;
  RecordBlock* first_block = nullptr;
  RecordBlock* last_block = nullptr;
  std::uint32_t record_count = 0;  // in arrival order over the blocks
  std::uint32_t span_records = 0;
  TimestampNs last_ns = 0;       // arrival of the latest record (clock time)
  TimestampNs root_done_ns = 0;  // arrival of its first root span record; 0 = none yet
  std::uint32_t bytes = 0;       // what this trace is charged (see TraceBuffer); < 4 GiB
  bool in_root_list = false;

  // Intrusive links: activity order (least recently active first) and root-completion order.
  PendingTrace* prev = nullptr;
  PendingTrace* next = nullptr;
  PendingTrace* root_prev = nullptr;
  PendingTrace* root_next = nullptr;

  // Visits the records in arrival order.
  template <class F>
  void forEachRecord(F&& visit) const {
    std::uint32_t left = record_count;
    for (const RecordBlock* block = first_block; block != nullptr && left > 0;
         block = block->next) {
      for (std::size_t i = 0; i < RecordBlock::kSlots && left > 0; ++i, --left) {
        visit(*block->records[i]);
      }
    }
  }
};
static_assert(sizeof(PendingTrace) == 96);

struct PendingTraceKey {
  const TraceId& operator()(const PendingTrace* trace) const noexcept { return trace->id; }
};

// The pending traces of one shard, with honest memory accounting:
//   held = sum over traces of [malloc chunk of the PendingTrace + malloc chunk of each of its
//          records' one allocation] + the record-block pool's slabs + the index's slot array.
// Lookups and appends are O(1): an open-addressing index by trace id and two intrusive
// lists, one in activity order (its head is the next trace whose decision_wait runs out and
// the first to go under memory pressure) and one in root-completion order (for root_grace).
// Record blocks come from a pool of 4 KiB slabs that keeps its high-water mark (charged, so
// inside the budget) and never returns memory to malloc before the buffer goes.
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

  // Prefetch stages for a batch (see Shard::onRecords): the index slot of `id`; then, once
  // that is cached, the trace's entry; then, once that is cached, where an append writes
  // (the last record block and the activity-list neighbours it relinks).
  void prefetchSlot(const TraceId& id) const noexcept { index_.prefetch(id); }
  // False when the trace is not pending (the caller may then prefetch elsewhere).
  bool prefetchEntry(const TraceId& id) const noexcept {
    // The home slot's trace is nearly always the one looked for; a collision only means the
    // lookup later finds it a probe further, at the cost of one more miss.
    if (PendingTrace* const* home = index_.homeValue(id)) {
      __builtin_prefetch(*home);
      __builtin_prefetch(reinterpret_cast<const char*>(*home) + 64);
      return true;
    }
    return false;
  }
  void prefetchAppend(const TraceId& id) const noexcept {
    if (const PendingTrace* trace = find(id)) {
      __builtin_prefetch(trace->last_block, 1);
      __builtin_prefetch(trace->prev, 1);
      __builtin_prefetch(trace->next, 1);
    }
  }

  // Bytes a new trace would add (its PendingTrace, and the index's growth if it would grow).
  std::uint64_t createCost() const noexcept;
  // Bytes appending `record` to `trace` would add (the record, and a pool slab when a block is
  // needed and none is free); `trace` null means a new trace's first record.
  std::uint64_t appendCost(const PendingTrace* trace, const record::Record& record) const noexcept;

  // A new, empty trace at the tail of the activity list. Allocates.
  PendingTrace& create(const TraceId& id, TimestampNs now);
  // Appends a record (takes ownership), moves the trace to the activity tail, and enters it
  // in the root list when this is its first root span record (a span without a parent).
  void append(PendingTrace& trace, record::RecordPtr&& record, TimestampNs now);
  // Moves a trace to the activity tail without a record (it is about to receive one).
  void touch(PendingTrace& trace, TimestampNs now) noexcept;

  // Removes a trace from the buffer and its accounting: its records are appended to `out` in
  // arrival order (the caller owns them now), its blocks go back to the pool, the trace is
  // freed. `out` should have capacity for them (no allocation then).
  void release(PendingTrace& trace, record::RecordBatch& out);

  // Starts loading the headers of a trace's records (before a pass over them).
  void prefetchRecords(const PendingTrace& trace) const noexcept;

  // Least recently active trace, or null.
  PendingTrace* leastRecentlyActive() const noexcept { return head_; }
  // Earliest root-completed trace, or null.
  PendingTrace* earliestRootDone() const noexcept { return root_head_; }

  std::uint64_t bytesHeld() const noexcept {
    return bytes_ + index_.memoryBytes() + pool_slabs_ * kSlabBytes;
  }
  std::size_t tracesHeld() const noexcept { return index_.size(); }
  std::uint64_t recordsHeld() const noexcept { return records_; }
  std::uint64_t rawBytesHeld() const noexcept { return raw_bytes_; }

  template <class F>
  void forEach(F&& visit) const {
    for (PendingTrace* t = head_; t != nullptr; t = t->next) {
      visit(*t);
    }
  }

  // What a record and a trace entry cost by themselves (the per-trace caps count these).
  static std::uint64_t recordCost(const record::Record& record) noexcept {
    return mallocChunkBytes(record.allocatedBytes());
  }
  static std::uint64_t traceCost() noexcept { return mallocChunkBytes(sizeof(PendingTrace)); }

private:
  // Small slabs: the pool grows in steps a small budget can afford.
  static constexpr std::size_t kSlabBlocks = 64;
  static constexpr std::uint64_t kSlabBytes = kSlabBlocks * sizeof(RecordBlock);  // 4 KiB

  RecordBlock* takeBlock();
  void giveBlock(RecordBlock* block) noexcept;
  void unlinkActivity(PendingTrace& trace) noexcept;
  void linkActivityTail(PendingTrace& trace) noexcept;
  void unlinkRoot(PendingTrace& trace) noexcept;

  TraceIdIndex<PendingTrace*, PendingTraceKey> index_;
  PendingTrace* head_ = nullptr;
  PendingTrace* tail_ = nullptr;
  PendingTrace* root_head_ = nullptr;
  PendingTrace* root_tail_ = nullptr;
  std::vector<std::unique_ptr<RecordBlock[]>> slabs_;
  RecordBlock* free_blocks_ = nullptr;
  std::size_t pool_slabs_ = 0;
  std::uint64_t bytes_ = 0;  // traces and records (not the index, not the pool)
  std::uint64_t records_ = 0;
  std::uint64_t raw_bytes_ = 0;
};

}  // namespace stitch::assembly
