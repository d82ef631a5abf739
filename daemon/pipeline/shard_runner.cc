#include "daemon/pipeline/shard_runner.h"

#include <algorithm>
#include <condition_variable>
#include <limits>
#include <string>

#include <fmt/format.h>

#include "daemon/thread_name.h"

namespace stitch::daemon {
namespace {

// The longest a shard thread sleeps with nothing to do: bounds how late a tick can come when
// the shard's next deadline moved earlier meanwhile (it never does by more than a batch).
constexpr std::chrono::milliseconds kMaxIdleWait{50};
// Batches taken in one round before the shard looks at its deadlines and tasks again.
constexpr int kBatchesPerRound = 16;

}  // namespace

ShardRunner::ShardRunner(std::size_t index,
                         const pipeline::ShardConfig& config,
                         pipeline::ShardSink& sink,
                         const Clock& clock,
                         const pipeline::ShardContext& context,
                         std::uint64_t queue_records,
                         std::uint64_t queue_bytes)
    : index_(index),
      clock_(clock),
      queue_(queue_records, queue_bytes),
      shard_(config, sink, clock, context) {}

ShardRunner::~ShardRunner() {
  requestStop();
  if (thread_.joinable()) {
    thread_.join();
  }
}

void ShardRunner::start() {
  thread_ = std::thread([this] { run(); });
}

void ShardRunner::requestStop() noexcept {
  queue_.close();
}

bool ShardRunner::join(std::chrono::steady_clock::time_point deadline) {
  if (!thread_.joinable()) {
    return true;
  }
  while (!done_.load(std::memory_order_acquire)) {
    if (std::chrono::steady_clock::now() >= deadline) {
      return false;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  thread_.join();
  return true;
}

bool ShardRunner::runOnShard(Task task, std::chrono::milliseconds timeout) {
  struct Done {
    std::mutex mutex;
    std::condition_variable cv;
    bool ran = false;
  };
  auto done = std::make_shared<Done>();
  {
    std::lock_guard lock(tasks_mutex_);
    if (finished_ || !thread_.joinable()) {
      return false;
    }
    tasks_.push_back([task = std::move(task), done](pipeline::Shard& shard) {
      task(shard);
      {
        std::lock_guard l(done->mutex);
        done->ran = true;
      }
      done->cv.notify_all();
    });
  }
  queue_.interrupt();
  std::unique_lock lock(done->mutex);
  return done->cv.wait_for(lock, timeout, [&] { return done->ran; });
}

trace::DecidedTracePtr ShardRunner::pendingTrace(const tracecontext::TraceId& id,
                                                 std::chrono::milliseconds timeout) {
  // Shared with the task: a task that runs after the caller gave up writes into it harmlessly.
  auto result = std::make_shared<trace::DecidedTracePtr>();
  if (!runOnShard([id, result](pipeline::Shard& shard) { *result = shard.pendingTrace(id); },
                  timeout)) {
    return nullptr;
  }
  return *result;
}

std::optional<trace::DecisionInfo> ShardRunner::cachedDecision(const tracecontext::TraceId& id,
                                                               std::chrono::milliseconds timeout) {
  auto result = std::make_shared<std::optional<trace::DecisionInfo>>();
  if (!runOnShard([id, result](pipeline::Shard& shard) { *result = shard.cachedDecision(id); },
                  timeout)) {
    return std::nullopt;
  }
  return *result;
}

void ShardRunner::runTasks() {
  std::vector<Task> tasks;
  {
    std::lock_guard lock(tasks_mutex_);
    tasks.swap(tasks_);
  }
  for (auto& task : tasks) {
    task(shard_);
  }
}

void ShardRunner::publish() noexcept {
  bytes_held_.store(shard_.bytesHeld(), std::memory_order_relaxed);
  traces_held_.store(shard_.tracesHeld(), std::memory_order_relaxed);
  records_held_.store(shard_.recordsHeld(), std::memory_order_relaxed);
}

void ShardRunner::run() {
  nameThisThread(fmt::format("stitch-shard-{}", index_));
  record::RecordBatch batch;
  for (;;) {
    const TimestampNs now = clock_.now();
    const TimestampNs deadline = shard_.nextDeadlineNs();
    const auto until_deadline =
        std::chrono::nanoseconds(deadline == std::numeric_limits<TimestampNs>::max()
                                     ? kMaxIdleWait.count() * 1'000'000
                                     : std::max<TimestampNs>(0, deadline - now));
    const auto wait = std::min<std::chrono::nanoseconds>(until_deadline, kMaxIdleWait);
    bool got = queue_.pop(batch, wait, ingest::RecordQueue::Wake::kOnThreshold);
    for (int i = 0; got && i < kBatchesPerRound; ++i) {
      shard_.onRecords(std::move(batch));
      batch.clear();
      got = queue_.pop(batch, std::chrono::nanoseconds::zero());
    }
    if (got) {
      shard_.onRecords(std::move(batch));
      batch.clear();
    }
    runTasks();
    if (clock_.now() >= shard_.nextDeadlineNs()) {
      shard_.onTick();
    }
    publish();
    if (queue_.closed() && queue_.records() == 0) {
      break;
    }
  }
  // Stopping: everything queued was taken above; decide what is still pending and hand it on.
  shard_.drain();
  publish();
  {
    std::lock_guard lock(tasks_mutex_);
    finished_ = true;
  }
  runTasks();  // answer whoever asked meanwhile (their trace is no longer pending)
  done_.store(true, std::memory_order_release);
}

}  // namespace stitch::daemon
