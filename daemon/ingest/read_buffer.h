#pragma once

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <memory>
#include <string_view>

namespace stitch::daemon {

// simdjson reads up to this many bytes past the end of what it parses (SIMDJSON_PADDING); the
// decoder's contract is that they are readable. Every read buffer allocates them after its
// capacity, so any range inside the buffer can be handed to the decoder as it is.
inline constexpr std::size_t kDecodePadding = 64;

// A connection's read buffer: bytes [0, size()) are received but not yet consumed (at most an
// incomplete record after framing); new bytes are read after them. It grows for a record
// longer than its base capacity and shrinks back once that record is gone.
// Threading: owned by one connection, so by one worker thread.
class ReadBuffer {
public:
  explicit ReadBuffer(std::size_t base_capacity) : base_capacity_(base_capacity) {}

  // Room to read into; allocates lazily (an idle connection costs no buffer).
  char* writePtr() {
    if (!data_) {
      allocate(base_capacity_);
    }
    return data_.get() + size_;
  }
  std::size_t writable() const noexcept { return data_ ? capacity_ - size_ : base_capacity_; }
  void commit(std::size_t n) noexcept { size_ += n; }

  std::string_view view() const noexcept { return {data_ ? data_.get() : "", size_}; }
  std::size_t size() const noexcept { return size_; }

  // Drops the first `n` bytes, moving the rest (an incomplete record) to the front.
  void consume(std::size_t n) noexcept {
    if (n == 0) {
      return;
    }
    size_ -= n;
    if (size_ != 0) {
      std::memmove(data_.get(), data_.get() + n, size_);
    }
  }
  void clear() noexcept { size_ = 0; }

  // Makes room for at least `min_writable` bytes after the kept ones: grows when a long record
  // fills the buffer, returns to the base capacity when the buffer holds little.
  void reserve(std::size_t min_writable) {
    const std::size_t needed = size_ + min_writable;
    if (data_ && needed <= capacity_) {
      if (capacity_ > base_capacity_ && needed <= base_capacity_) {
        resize(base_capacity_);
      }
      return;
    }
    if (!data_) {
      allocate(std::max(base_capacity_, needed));
      return;
    }
    resize(std::max(needed, capacity_ * 2));
  }

  // Frees the memory of an empty buffer (an idle connection).
  void release() noexcept {
    if (size_ == 0) {
      data_.reset();
      capacity_ = 0;
    }
  }

  void setBaseCapacity(std::size_t base_capacity) noexcept { base_capacity_ = base_capacity; }
  std::size_t capacity() const noexcept { return capacity_; }

private:
  void allocate(std::size_t capacity) {
    data_.reset(new char[capacity + kDecodePadding]);
    capacity_ = capacity;
  }
  void resize(std::size_t capacity) {
    std::unique_ptr<char[]> next(new char[capacity + kDecodePadding]);
    if (size_ != 0) {
      std::memcpy(next.get(), data_.get(), size_);
    }
    data_ = std::move(next);
    capacity_ = capacity;
  }

  std::unique_ptr<char[]> data_;
  std::size_t capacity_ = 0;
  std::size_t size_ = 0;
  std::size_t base_capacity_;
};

}  // namespace stitch::daemon
