#include "core/store/trace_cache.h"

namespace stitch::store {

std::uint64_t TraceCache::estimateBytes(const trace::DecidedTrace& trace) noexcept {
  std::uint64_t bytes = sizeof(trace::DecidedTrace) + 64;  // + the shared_ptr control block
  bytes += trace.records.capacity() * sizeof(record::RecordPtr);
  for (const auto& r : trace.records) {
    bytes += r->allocatedBytes();
  }
  bytes += trace.tree.spans.capacity() * sizeof(trace::Span);
  for (const auto& span : trace.tree.spans) {
    bytes += (span.children.capacity() + span.events.capacity() + span.duplicates.capacity()) *
             sizeof(std::int32_t);
  }
  bytes +=
      (trace.tree.roots.capacity() + trace.tree.trace_events.capacity()) * sizeof(std::int32_t);
  for (const auto& w : trace.tree.warnings) {
    bytes += sizeof(std::string) + w.capacity();
  }
  for (const auto& s : trace.summary.services) {
    bytes += sizeof(std::string) + s.capacity();
  }
  return bytes;
}

void TraceCache::put(trace::DecidedTracePtr part) {
  if (!part || max_bytes_ == 0) {
    return;
  }
  const std::uint64_t size = estimateBytes(*part);
  if (size > max_bytes_) {
    return;
  }
  std::lock_guard lock(mutex_);
  auto found = index_.find(part->trace_id);
  if (found != index_.end()) {
    Entry& entry = *found->second;
    entry.parts.push_back(std::move(part));
    entry.bytes += size;
    bytes_ += size;
    lru_.splice(lru_.begin(), lru_, found->second);
  } else {
    Entry entry;
    entry.trace_id = part->trace_id;
    entry.parts.push_back(std::move(part));
    entry.bytes = size;
    lru_.push_front(std::move(entry));
    index_.emplace(lru_.front().trace_id, lru_.begin());
    bytes_ += size;
  }
  evictLocked();
}

std::vector<trace::DecidedTracePtr> TraceCache::find(const tracecontext::TraceId& trace_id) {
  std::lock_guard lock(mutex_);
  auto found = index_.find(trace_id);
  if (found == index_.end()) {
    return {};
  }
  lru_.splice(lru_.begin(), lru_, found->second);
  return found->second->parts;
}

void TraceCache::erase(const tracecontext::TraceId& trace_id) {
  std::lock_guard lock(mutex_);
  auto found = index_.find(trace_id);
  if (found == index_.end()) {
    return;
  }
  bytes_ -= found->second->bytes;
  lru_.erase(found->second);
  index_.erase(found);
}

void TraceCache::evictLocked() {
  // The entry just used is at the front and fits by itself, so this stops before reaching it.
  while (bytes_ > max_bytes_ && lru_.size() > 1) {
    Entry& victim = lru_.back();
    bytes_ -= victim.bytes;
    index_.erase(victim.trace_id);
    lru_.pop_back();
    ++evictions_;
  }
  if (bytes_ > max_bytes_ && !lru_.empty()) {
    // One trace whose parts together outgrew the cache.
    bytes_ -= lru_.back().bytes;
    index_.erase(lru_.back().trace_id);
    lru_.pop_back();
    ++evictions_;
  }
}

std::uint64_t TraceCache::bytes() const {
  std::lock_guard lock(mutex_);
  return bytes_;
}

std::size_t TraceCache::traces() const {
  std::lock_guard lock(mutex_);
  return index_.size();
}

std::uint64_t TraceCache::evictions() const {
  std::lock_guard lock(mutex_);
  return evictions_;
}

}  // namespace stitch::store
