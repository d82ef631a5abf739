#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <type_traits>
#include <utility>

#include "core/tracecontext/ids.h"

namespace stitch::assembly {

using tracecontext::TraceId;

// An open-addressing hash index from TraceId to a small trivially copyable value (a pointer or
// an index), for the per-shard maps on the hot path: linear probing, backward-shift deletion
// (no tombstones, so lookups stay short under churn), power-of-two capacity kept between 1/8
// and 7/10 full.
//
// Two layouts. With KeyOf = void, a slot holds the key inline next to the value (24 bytes for
// a pointer; a probe never leaves the table) and the all-zero TraceId, W3C's invalid id, marks
// an empty slot. With a KeyOf functor, a slot holds only the value (8 bytes for a pointer) and
// the key is read through it, KeyOf{}(value); a value-initialised Value (null) marks an empty
// slot. The second is a third of the memory for a few more dereferences on probe collisions.
// Slot positions use the low bits of TraceIdHash; the shard router uses the high bits of the
// same hash (pipeline/routing.h), so one shard's ids still spread over the whole table.
// Threading: not synchronised; owned by one thread.
template <class Value, class KeyOf = void>
class TraceIdIndex {
  static constexpr bool kInline = std::is_void_v<KeyOf>;
  struct InlineSlot {
    TraceId key;
    Value value;
  };
  struct ValueSlot {
    Value value;
  };

public:
  using Slot = std::conditional_t<kInline, InlineSlot, ValueSlot>;

  explicit TraceIdIndex(std::size_t min_capacity = 16) { allocate(roundUp(min_capacity)); }

  std::size_t size() const noexcept { return size_; }
  bool empty() const noexcept { return size_ == 0; }
  std::size_t capacity() const noexcept { return mask_ + 1; }
  // Heap bytes of the slot array (what a memory budget charges for the index).
  std::size_t memoryBytes() const noexcept { return capacity() * sizeof(Slot); }
  // Heap bytes after one more insert (the array may double).
  std::size_t memoryBytesAfterInsert() const noexcept {
    return needsGrowth(size_ + 1) ? 2 * memoryBytes() : memoryBytes();
  }

  Value* find(const TraceId& key) noexcept {
    for (std::size_t i = position(key);; i = (i + 1) & mask_) {
      Slot& slot = slots_[i];
      if (!occupied(slot)) {
        return nullptr;
      }
      if (keyOf(slot) == key) {
        return &slot.value;
      }
    }
  }
  const Value* find(const TraceId& key) const noexcept {
    return const_cast<TraceIdIndex*>(this)->find(key);
  }

  // Starts loading the slot where `key` would be, for a lookup a few steps later (batches
  // issue these ahead so that the cache misses of several lookups overlap).
  void prefetch(const TraceId& key) const noexcept { __builtin_prefetch(&slots_[position(key)]); }
  // The value in `key`'s home slot, whatever key it belongs to (null when empty): for
  // prefetching what a lookup will read, without the lookup's comparisons.
  const Value* homeValue(const TraceId& key) const noexcept {
    const Slot& slot = slots_[position(key)];
    return occupied(slot) ? &slot.value : nullptr;
  }

  // Inserts a key that is not present (a valid id; with KeyOf, a value whose key it is). May
  // grow the table (allocates).
  Value& insert(const TraceId& key, Value value) {
    if (needsGrowth(size_ + 1)) {
      rehash(2 * capacity());
    }
    ++size_;
    return place(key, value);
  }

  // Removes `key`; false when it was not present. Never allocates (see shrinkIfSparse).
  bool erase(const TraceId& key) noexcept {
    std::size_t hole = position(key);
    for (;; hole = (hole + 1) & mask_) {
      if (!occupied(slots_[hole])) {
        return false;
      }
      if (keyOf(slots_[hole]) == key) {
        break;
      }
    }
    // Backward shift: move later members of the probe run into the hole when their home
    // position allows it, so that no lookup ever stops early at an empty slot.
    for (std::size_t next = (hole + 1) & mask_;; next = (next + 1) & mask_) {
      Slot& candidate = slots_[next];
      if (!occupied(candidate)) {
        break;
      }
      const std::size_t home = position(keyOf(candidate));
      // Movable when `home` is not cyclically within (hole, next].
      const bool stays =
          hole <= next ? (hole < home && home <= next) : (hole < home || home <= next);
      if (!stays) {
        slots_[hole] = candidate;
        hole = next;
      }
    }
    slots_[hole] = Slot{};
    --size_;
    return true;
  }

  // Halves the table while it is less than 1/8 full and above its initial size, so that a
  // flood's high-water mark does not stay charged forever. Allocates the smaller table.
  void shrinkIfSparse() {
    std::size_t target = capacity();
    while (target > min_capacity_ && size_ * 8 < target) {
      target /= 2;
    }
    if (target != capacity()) {
      rehash(target);
    }
  }

  template <class F>
  void forEach(F&& visit) const {
    for (std::size_t i = 0; i <= mask_; ++i) {
      if (occupied(slots_[i])) {
        visit(keyOf(slots_[i]), slots_[i].value);
      }
    }
  }

private:
  static bool occupied(const Slot& slot) noexcept {
    if constexpr (kInline) {
      return slot.key.isValid();
    } else {
      return !(slot.value == Value{});
    }
  }
  static const TraceId& keyOf(const Slot& slot) noexcept {
    if constexpr (kInline) {
      return slot.key;
    } else {
      return KeyOf{}(slot.value);
    }
  }
  static Slot makeSlot(const TraceId& key, Value value) noexcept {
    if constexpr (kInline) {
      return Slot{key, value};
    } else {
      (void)key;
      return Slot{value};
    }
  }
  static std::size_t roundUp(std::size_t n) noexcept {
    std::size_t capacity = 16;
    while (capacity < n) {
      capacity *= 2;
    }
    return capacity;
  }
  bool needsGrowth(std::size_t count) const noexcept { return count * 10 > capacity() * 7; }
  std::size_t position(const TraceId& key) const noexcept {
    return tracecontext::TraceIdHash{}(key)&mask_;
  }
  void allocate(std::size_t capacity) {
    slots_ = std::make_unique<Slot[]>(capacity);  // value-initialised: every slot empty
    mask_ = capacity - 1;
    if (min_capacity_ == 0) {
      min_capacity_ = capacity;
    }
  }
  Value& place(const TraceId& key, Value value) noexcept {
    std::size_t i = position(key);
    while (occupied(slots_[i])) {
      i = (i + 1) & mask_;
    }
    slots_[i] = makeSlot(key, value);
    return slots_[i].value;
  }
  void rehash(std::size_t capacity) {
    std::unique_ptr<Slot[]> old = std::move(slots_);
    const std::size_t old_capacity = mask_ + 1;
    allocate(capacity);
    for (std::size_t i = 0; i < old_capacity; ++i) {
      if (occupied(old[i])) {
        place(keyOf(old[i]), old[i].value);
      }
    }
  }

  std::unique_ptr<Slot[]> slots_;
  std::size_t mask_ = 0;
  std::size_t size_ = 0;
  std::size_t min_capacity_ = 0;
};

}  // namespace stitch::assembly
