#include "core/store/reader_pool.h"

namespace stitch::store {

ReaderPool::Lease::~Lease() {
  if (pool_ != nullptr && reader_) {
    pool_->release(std::move(reader_));
  }
}

StoreResult<ReaderPool::Lease> ReaderPool::acquire() {
  {
    std::lock_guard lock(mutex_);
    if (!idle_.empty()) {
      std::unique_ptr<TraceReader> reader = std::move(idle_.back());
      idle_.pop_back();
      return Lease(*this, std::move(reader));
    }
  }
  auto opened = TraceReader::open(path_);
  if (!opened) {
    return Unexpected(std::move(opened).error());
  }
  return Lease(*this, std::move(opened).value());
}

void ReaderPool::release(std::unique_ptr<TraceReader> reader) {
  std::lock_guard lock(mutex_);
  if (idle_.size() < max_idle_) {
    idle_.push_back(std::move(reader));
  }
}

}  // namespace stitch::store
