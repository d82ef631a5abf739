#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "core/common/clock.h"
#include "core/ingest/record_queue.h"
#include "core/pipeline/shard.h"
#include "core/trace/trace.h"

namespace stitch::daemon {

// One shard thread: owns a pipeline::Shard and its bounded inbound queue, feeds it batches,
// ticks it when a deadline comes, and runs the tasks other threads ask of it (a pending trace
// for the query API, a cached decision), so that the shard's state is only ever touched here.
//
// Threading: start/stop/join from the main thread; queue() and the lookups from any thread;
// everything else on the shard thread.
class ShardRunner {
public:
  ShardRunner(std::size_t index,
              const pipeline::ShardConfig& config,
              pipeline::ShardSink& sink,
              const Clock& clock,
              const pipeline::ShardContext& context,
              std::uint64_t queue_records,
              std::uint64_t queue_bytes);
  ~ShardRunner();  // stops and joins if still running
  ShardRunner(const ShardRunner&) = delete;
  ShardRunner& operator=(const ShardRunner&) = delete;

  void start();
  // Closes the queue: the thread takes what is queued, decides every pending trace
  // (pipeline::Shard::drain) and ends. Safe to call twice and without start().
  void requestStop() noexcept;
  // Waits for the thread to end, until `deadline`. True when it ended (or never started).
  bool join(std::chrono::steady_clock::time_point deadline);

  ingest::RecordQueue& queue() noexcept { return queue_; }

  // A snapshot of a trace still pending here, or null. Asks the shard thread and waits at most
  // `timeout`. Any thread (not the shard thread itself).
  trace::DecidedTracePtr pendingTrace(const tracecontext::TraceId& id,
                                      std::chrono::milliseconds timeout);
  std::optional<trace::DecisionInfo> cachedDecision(const tracecontext::TraceId& id,
                                                    std::chrono::milliseconds timeout);
  sampling::AdaptiveSnapshotPtr adaptiveSnapshot() const { return shard_.adaptiveSnapshot(); }

  // Published by the shard thread after each round, for metrics (any thread).
  std::uint64_t bytesHeld() const noexcept { return bytes_held_.load(std::memory_order_relaxed); }
  std::uint64_t tracesHeld() const noexcept { return traces_held_.load(std::memory_order_relaxed); }
  std::uint64_t recordsHeld() const noexcept {
    return records_held_.load(std::memory_order_relaxed);
  }
  std::uint64_t budgetBytes() const noexcept { return shard_.budgetBytes(); }

private:
  using Task = std::function<void(pipeline::Shard&)>;
  // Runs `task` on the shard thread; false when it did not run before `timeout` (or stopped).
  bool runOnShard(Task task, std::chrono::milliseconds timeout);
  void run();
  void runTasks();
  void publish() noexcept;

  const std::size_t index_;
  const Clock& clock_;
  ingest::RecordQueue queue_;
  pipeline::Shard shard_;

  std::mutex tasks_mutex_;
  std::vector<Task> tasks_;  // guarded by tasks_mutex_
  bool finished_ = false;    // guarded by tasks_mutex_: no task runs any more

  std::atomic<std::uint64_t> bytes_held_{0};
  std::atomic<std::uint64_t> traces_held_{0};
  std::atomic<std::uint64_t> records_held_{0};
  std::atomic<bool> done_{false};
  std::thread thread_;
};

}  // namespace stitch::daemon
