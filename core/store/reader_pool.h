#pragma once

#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/store/trace_store.h"

namespace stitch::store {

// Read connections to one store file for the threads that answer queries. A connection is
// opened when no idle one is left and returned to the pool when its lease ends; at most
// `max_idle` are kept open between uses.
// Threading: acquire() from any thread; a lease belongs to the thread that acquired it.
class ReaderPool {
public:
  explicit ReaderPool(std::string path, std::size_t max_idle = 4)
      : path_(std::move(path)), max_idle_(max_idle) {}

  class Lease {
  public:
    Lease(ReaderPool& pool, std::unique_ptr<TraceReader> reader) noexcept
        : pool_(&pool), reader_(std::move(reader)) {}
    Lease(Lease&& other) noexcept = default;
    Lease& operator=(Lease&&) = delete;
    ~Lease();
    TraceReader* operator->() const noexcept { return reader_.get(); }
    TraceReader& operator*() const noexcept { return *reader_; }

  private:
    ReaderPool* pool_;
    std::unique_ptr<TraceReader> reader_;
  };

  // An idle reader, or a new one. Fails when the store file cannot be opened.
  StoreResult<Lease> acquire();
  const std::string& path() const noexcept { return path_; }

private:
  void release(std::unique_ptr<TraceReader> reader);

  const std::string path_;
  const std::size_t max_idle_;
  std::mutex mutex_;
  std::vector<std::unique_ptr<TraceReader>> idle_;
};

}  // namespace stitch::store
