#include "core/assembly/trace_buffer.h"

#include <utility>

namespace stitch::assembly {

TraceBuffer::TraceBuffer() : index_(1024) {}

TraceBuffer::~TraceBuffer() {
  PendingTrace* t = head_;
  while (t != nullptr) {
    PendingTrace* next = t->next;
    delete t;
    t = next;
  }
}

PendingTrace* TraceBuffer::find(const TraceId& id) noexcept {
  PendingTrace** found = index_.find(id);
  return found != nullptr ? *found : nullptr;
}

const PendingTrace* TraceBuffer::find(const TraceId& id) const noexcept {
  PendingTrace* const* found = index_.find(id);
  return found != nullptr ? *found : nullptr;
}

std::uint64_t TraceBuffer::createCost() const noexcept {
  return mallocChunkBytes(sizeof(PendingTrace)) +
         (index_.memoryBytesAfterInsert() - index_.memoryBytes());
}

std::uint64_t TraceBuffer::appendCost(const PendingTrace* trace,
                                      const record::Record& record) const noexcept {
  std::uint64_t cost = recordCost(record);
  const std::size_t size = trace != nullptr ? trace->records.size() : 0;
  const std::size_t capacity = trace != nullptr ? trace->records.capacity() : 0;
  if (size == capacity) {
    cost += arrayCost(nextCapacity(capacity)) - arrayCost(capacity);
  }
  return cost;
}

PendingTrace& TraceBuffer::create(const TraceId& id, TimestampNs now) {
  auto* trace = new PendingTrace;
  trace->id = id;
  trace->first_ns = now;
  trace->last_ns = now;
  trace->bytes = mallocChunkBytes(sizeof(PendingTrace));
  index_.insert(id, trace);
  bytes_ += trace->bytes;
  linkActivityTail(*trace);
  return *trace;
}

void TraceBuffer::append(PendingTrace& trace, record::RecordPtr&& record, TimestampNs now) {
  std::uint64_t cost = recordCost(*record);
  const std::size_t capacity = trace.records.capacity();
  if (trace.records.size() == capacity) {
    // Our own growth (not the library's) so that appendCost() knows it in advance.
    const std::size_t grown = nextCapacity(capacity);
    trace.records.reserve(grown);
    cost += arrayCost(grown) - arrayCost(capacity);
  }
  const bool root_span = record->isSpan() && !record->parent_span_id.isValid();
  if (record->isSpan()) {
    ++trace.span_records;
  }
  raw_bytes_ += record->raw().size();
  ++records_;
  trace.records.push_back(std::move(record));
  trace.bytes += cost;
  bytes_ += cost;
  touch(trace, now);
  if (root_span && !trace.in_root_list) {
    trace.root_done_ns = now;
    trace.in_root_list = true;
    trace.root_prev = root_tail_;
    trace.root_next = nullptr;
    if (root_tail_ != nullptr) {
      root_tail_->root_next = &trace;
    } else {
      root_head_ = &trace;
    }
    root_tail_ = &trace;
  }
}

void TraceBuffer::touch(PendingTrace& trace, TimestampNs now) noexcept {
  trace.last_ns = now;
  if (tail_ != &trace) {
    unlinkActivity(trace);
    linkActivityTail(trace);
  }
}

std::unique_ptr<PendingTrace> TraceBuffer::release(PendingTrace& trace) noexcept {
  unlinkActivity(trace);
  if (trace.in_root_list) {
    unlinkRoot(trace);
  }
  index_.erase(trace.id);
  bytes_ -= trace.bytes;
  records_ -= trace.records.size();
  for (const record::RecordPtr& r : trace.records) {
    raw_bytes_ -= r->raw().size();
  }
  trace.bytes = 0;
  if (index_.size() * 8 < index_.capacity()) {
    // Give a flood's high-water mark back. shrinkIfSparse() allocates the smaller table; if
    // that fails the index simply stays larger, which is only memory, never correctness.
    try {
      index_.shrinkIfSparse();
    } catch (...) {
    }
  }
  return std::unique_ptr<PendingTrace>(&trace);
}

void TraceBuffer::unlinkActivity(PendingTrace& trace) noexcept {
  if (trace.prev != nullptr) {
    trace.prev->next = trace.next;
  } else if (head_ == &trace) {
    head_ = trace.next;
  }
  if (trace.next != nullptr) {
    trace.next->prev = trace.prev;
  } else if (tail_ == &trace) {
    tail_ = trace.prev;
  }
  trace.prev = nullptr;
  trace.next = nullptr;
}

void TraceBuffer::linkActivityTail(PendingTrace& trace) noexcept {
  trace.prev = tail_;
  trace.next = nullptr;
  if (tail_ != nullptr) {
    tail_->next = &trace;
  } else {
    head_ = &trace;
  }
  tail_ = &trace;
}

void TraceBuffer::unlinkRoot(PendingTrace& trace) noexcept {
  if (trace.root_prev != nullptr) {
    trace.root_prev->root_next = trace.root_next;
  } else {
    root_head_ = trace.root_next;
  }
  if (trace.root_next != nullptr) {
    trace.root_next->root_prev = trace.root_prev;
  } else {
    root_tail_ = trace.root_prev;
  }
  trace.root_prev = nullptr;
  trace.root_next = nullptr;
  trace.in_root_list = false;
}

}  // namespace stitch::assembly
