#include "core/sampling/decision_cache.h"

#include <algorithm>

namespace stitch::sampling {

ConfigProblems DecisionCacheConfig::validate() const {
  ConfigProblems problems;
  if (enabled && max_entries == 0) {
    problems.push_back({"max_entries", "must be positive (or set enabled: false)"});
  }
  if (enabled && ttl.count() <= 0) {
    problems.push_back({"ttl", "must be positive"});
  }
  return problems;
}

DecisionCache::DecisionCache(std::size_t max_entries, std::chrono::nanoseconds ttl)
    : max_entries_(std::max<std::size_t>(1, max_entries)), ttl_ns_(ttl.count()), index_(64) {
  std::size_t slots = 1024;
  while (slots < max_entries_) {
    slots *= 2;
  }
  forgotten_.assign(slots, 0);
}

std::size_t DecisionCache::memoryBytes() const noexcept {
  return ring_.capacity() * sizeof(Entry) + index_.memoryBytes() +
         forgotten_.size() * sizeof(std::uint32_t);
}

std::size_t DecisionCache::fingerprintSlot(const tracecontext::TraceId& id,
                                           std::uint32_t& print) const noexcept {
  const std::uint64_t hash = tracecontext::mix64(id.lo ^ tracecontext::mix64(id.hi + 1));
  print = static_cast<std::uint32_t>(hash >> 32) | 1u;  // never 0, the empty mark
  return static_cast<std::size_t>(hash) & (forgotten_.size() - 1);
}

void DecisionCache::rememberForgotten(const tracecontext::TraceId& id) noexcept {
  std::uint32_t print = 0;
  const std::size_t slot = fingerprintSlot(id, print);
  forgotten_[slot] = print;
}

void DecisionCache::prefetch(const tracecontext::TraceId& id) const noexcept {
  index_.prefetch(id);
  std::uint32_t print = 0;
  __builtin_prefetch(&forgotten_[fingerprintSlot(id, print)]);
}

bool DecisionCache::wasForgotten(const tracecontext::TraceId& id) const noexcept {
  std::uint32_t print = 0;
  const std::size_t slot = fingerprintSlot(id, print);
  return forgotten_[slot] == print;
}

void DecisionCache::forgetOldest() {
  Entry& oldest = ring_[head_];
  if (oldest.live) {
    index_.erase(oldest.id);
    rememberForgotten(oldest.id);
    oldest.live = false;
  }
  head_ = (head_ + 1) % max_entries_;
  --count_;
}

void DecisionCache::insert(const tracecontext::TraceId& id, const CachedDecision& decision) {
  if (std::uint32_t* existing = index_.find(id)) {
    ring_[*existing].live = false;  // superseded; its ring slot ages out as usual
    index_.erase(id);
  }
  if (count_ == max_entries_) {
    forgetOldest();
  }
  const std::size_t position = (head_ + count_) % max_entries_;
  if (position == ring_.size()) {
    ring_.push_back(Entry{});
  }
  ring_[position] = Entry{id, decision, true};
  ++count_;
  index_.insert(id, static_cast<std::uint32_t>(position));
}

const CachedDecision* DecisionCache::find(const tracecontext::TraceId& id,
                                          TimestampNs now) const noexcept {
  const std::uint32_t* position = index_.find(id);
  if (position == nullptr) {
    return nullptr;
  }
  const Entry& entry = ring_[*position];
  if (now - entry.decision.decided_at_ns >= ttl_ns_) {
    return nullptr;  // expired, not yet swept by expire()
  }
  return &entry.decision;
}

void DecisionCache::expire(TimestampNs now) {
  while (count_ > 0) {
    const Entry& oldest = ring_[head_];
    if (oldest.live && now - oldest.decision.decided_at_ns < ttl_ns_) {
      break;
    }
    forgetOldest();
  }
}

}  // namespace stitch::sampling
