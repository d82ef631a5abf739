#include "core/assembly/trace_buffer.h"

#include <utility>

namespace stitch::assembly {

TraceBuffer::TraceBuffer() : index_(64) {}

TraceBuffer::~TraceBuffer() {
  PendingTrace* t = head_;
  while (t != nullptr) {
    PendingTrace* next = t->next;
    std::uint32_t left = t->record_count;
    for (RecordBlock* block = t->first_block; block != nullptr; block = block->next) {
      for (std::size_t i = 0; i < RecordBlock::kSlots && left > 0; ++i, --left) {
        record::RecordDeleter{}(block->records[i]);
      }
    }
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
  return traceCost() + (index_.memoryBytesAfterInsert() - index_.memoryBytes());
}

std::uint64_t TraceBuffer::appendCost(const PendingTrace* trace,
                                      const record::Record& record) const noexcept {
  std::uint64_t cost = recordCost(record);
  const std::uint32_t count = trace != nullptr ? trace->record_count : 0;
  if (count % RecordBlock::kSlots == 0 && free_blocks_ == nullptr) {
    cost += kSlabBytes;
  }
  return cost;
}

RecordBlock* TraceBuffer::takeBlock() {
  if (free_blocks_ == nullptr) {
    auto slab = std::make_unique<RecordBlock[]>(kSlabBlocks);
    for (std::size_t i = 0; i < kSlabBlocks; ++i) {
      slab[i].next = i + 1 < kSlabBlocks ? &slab[i + 1] : nullptr;
    }
    free_blocks_ = &slab[0];
    slabs_.push_back(std::move(slab));
    ++pool_slabs_;
  }
  RecordBlock* block = free_blocks_;
  free_blocks_ = block->next;
  block->next = nullptr;
  return block;
}

void TraceBuffer::giveBlock(RecordBlock* block) noexcept {
  block->next = free_blocks_;
  free_blocks_ = block;
}

PendingTrace& TraceBuffer::create(const TraceId& id, TimestampNs now) {
  auto* trace = new PendingTrace;
  trace->id = id;
  trace->last_ns = now;
  trace->bytes = static_cast<std::uint32_t>(traceCost());
  index_.insert(id, trace);
  bytes_ += trace->bytes;
  linkActivityTail(*trace);
  return *trace;
}

void TraceBuffer::append(PendingTrace& trace, record::RecordPtr&& record, TimestampNs now) {
  const std::uint64_t cost = recordCost(*record);
  const std::size_t slot = trace.record_count % RecordBlock::kSlots;
  if (slot == 0) {
    RecordBlock* block = takeBlock();
    if (trace.last_block != nullptr) {
      trace.last_block->next = block;
    } else {
      trace.first_block = block;
    }
    trace.last_block = block;
  }
  const bool root_span = record->isSpan() && !record->parent_span_id.isValid();
  if (record->isSpan()) {
    ++trace.span_records;
  }
  raw_bytes_ += record->raw().size();
  ++records_;
  trace.last_block->records[slot] = record.release();
  ++trace.record_count;
  trace.bytes += static_cast<std::uint32_t>(cost);
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

void TraceBuffer::prefetchRecords(const PendingTrace& trace) const noexcept {
  std::uint32_t left = trace.record_count;
  for (const RecordBlock* block = trace.first_block; block != nullptr && left > 0;
       block = block->next) {
    __builtin_prefetch(block->next);
    for (std::size_t i = 0; i < RecordBlock::kSlots && left > 0; ++i, --left) {
      __builtin_prefetch(block->records[i]);
      __builtin_prefetch(reinterpret_cast<const char*>(block->records[i]) + 64);
    }
  }
}

void TraceBuffer::release(PendingTrace& trace, record::RecordBatch& out) {
  unlinkActivity(trace);
  if (trace.in_root_list) {
    unlinkRoot(trace);
  }
  index_.erase(trace.id);
  bytes_ -= trace.bytes;
  records_ -= trace.record_count;
  std::uint32_t left = trace.record_count;
  RecordBlock* block = trace.first_block;
  while (block != nullptr) {
    RecordBlock* next = block->next;
    for (std::size_t i = 0; i < RecordBlock::kSlots && left > 0; ++i, --left) {
      raw_bytes_ -= block->records[i]->raw().size();
      out.emplace_back(block->records[i]);
    }
    giveBlock(block);
    block = next;
  }
  delete &trace;
  if (index_.size() * 8 < index_.capacity()) {
    // Give a flood's high-water mark back. shrinkIfSparse() allocates the smaller table; if
    // that fails the index simply stays larger, which is only memory, never correctness.
    try {
      index_.shrinkIfSparse();
    } catch (...) {
    }
  }
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
