#include "daemon/export/exporter.h"

#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <set>
#include <thread>

#include <catch2/catch.hpp>

#include "tests/unit/core/export/export_fixtures.h"

using namespace stitch;
using namespace stitch::daemon;
using namespace stitch::exporting;
using namespace stitch::testing;
using namespace std::chrono_literals;

namespace {

SteadyTime in(std::chrono::milliseconds d) {
  return std::chrono::steady_clock::now() + d;
}

// Every wait in these tests is for an event the worker signals; this bound only keeps a
// broken build from hanging the suite.
constexpr auto kPatience = 10s;

// A backend whose send() outcomes the test scripts. Encodes one payload per item.
struct FakeState {
  std::mutex mutex;
  std::condition_variable changed;
  std::deque<SendResult> script;       // outcomes to return first; then ok
  std::vector<std::uint32_t> batches;  // items per encode() call
  std::vector<std::string> delivered;  // bodies of payloads that succeeded
  int attempts = 0;
  int reopens = 0;
  bool closed = false;
  bool gate_open = true;  // send() waits while false
  bool throw_in_encode = false;

  template <class Pred>
  bool waitFor(Pred pred) {
    std::unique_lock lock(mutex);
    return changed.wait_for(lock, kPatience, pred);
  }
  void openGate() {
    std::lock_guard lock(mutex);
    gate_open = true;
    changed.notify_all();
  }
};

class FakeBackend final : public ExporterBackend {
public:
  explicit FakeBackend(std::shared_ptr<FakeState> state) : state_(std::move(state)) {}

  EncodeStats encode(std::span<const ExportItem> items, std::vector<Payload>& out) override {
    std::lock_guard lock(state_->mutex);
    if (state_->throw_in_encode) {
      state_->throw_in_encode = false;
      throw std::runtime_error("boom");
    }
    state_->batches.push_back(static_cast<std::uint32_t>(items.size()));
    for (const auto& item : items) {
      Payload p;
      p.records = item.recordCount();
      p.body = std::string(item.records().front()->messageText());
      out.push_back(std::move(p));
    }
    return {};
  }

  SendResult send(Payload& payload, SteadyTime deadline) override {
    std::unique_lock lock(state_->mutex);
    ++state_->attempts;
    state_->changed.notify_all();
    state_->changed.wait_until(lock, deadline, [&] { return state_->gate_open; });
    if (!state_->gate_open) {
      return SendResult::retryable("timeout", "gate closed");
    }
    SendResult result = SendResult::ok();
    if (!state_->script.empty()) {
      result = state_->script.front();
      state_->script.pop_front();
    }
    if (result.kind == SendResult::Kind::kOk) {
      state_->delivered.push_back(payload.body);
    }
    state_->changed.notify_all();
    return result;
  }

  void reopen() override {
    std::lock_guard lock(state_->mutex);
    ++state_->reopens;
    state_->changed.notify_all();
  }

  void close() override {
    std::lock_guard lock(state_->mutex);
    state_->closed = true;
    state_->changed.notify_all();
  }

private:
  std::shared_ptr<FakeState> state_;
};

struct Fixture {
  metrics::Registry registry;
  ManualClock clock;
  std::shared_ptr<FakeState> state = std::make_shared<FakeState>();
  ExporterCommonConfig config;

  Fixture() {
    config.flush_interval = 1ms;
    config.retry.initial_backoff = 1ms;
    config.retry.max_backoff = 2ms;
  }

  std::unique_ptr<Exporter> make() {
    return std::make_unique<Exporter>("fake", config, std::make_unique<FakeBackend>(state),
                                      ExporterContext{registry, clock, 1});
  }

  double metric(std::string_view name, metrics::Labels extra = {}) const {
    metrics::Labels labels{{"exporter", "fake"}};
    for (auto& l : extra) {
      labels.push_back(l);
    }
    return registry.valueOf(name, labels);
  }
};

ExportItem item(const std::string& message, int records = 1) {
  std::vector<RecordSpec> specs;
  for (int i = 0; i < records; ++i) {
    specs.push_back(logSpec(1, message));
  }
  return ExportItem::untracedLogs(makeBatch(specs));
}

}  // namespace

TEST_CASE("Exporter delivers every pushed record once and counts it", "[export]") {
  Fixture f;
  auto exporter = f.make();
  exporter->start();
  for (int i = 0; i < 100; ++i) {
    REQUIRE(exporter->push(item(std::to_string(i), 2)) == PushResult::kQueued);
  }
  const StopReport report = exporter->stop(in(10s));
  CHECK(report.drained());
  CHECK(f.state->delivered.size() == 100);
  std::set<std::string> unique(f.state->delivered.begin(), f.state->delivered.end());
  CHECK(unique.size() == 100);
  CHECK(f.state->closed);
  CHECK(f.metric("stitch_exporter_received_records_total") == 200);
  CHECK(f.metric("stitch_exporter_sent_records_total") == 200);
  CHECK(f.metric("stitch_exporter_items_total", {{"kind", "untraced"}}) == 100);
  CHECK(f.metric("stitch_exporter_queue_depth") == 0);
}

TEST_CASE("Exporter retries retryable failures until they succeed", "[export]") {
  Fixture f;
  for (int i = 0; i < 3; ++i) {
    f.state->script.push_back(SendResult::retryable("http_503", "unavailable"));
  }
  auto exporter = f.make();
  exporter->start();
  exporter->push(item("only"));
  REQUIRE(f.state->waitFor([&] { return !f.state->delivered.empty(); }));
  exporter->stop(in(10s));
  CHECK(f.state->attempts == 4);
  CHECK(f.state->delivered == std::vector<std::string>{"only"});
  CHECK(f.metric("stitch_exporter_retries_total") == 3);
  CHECK(f.metric("stitch_exporter_failed_total", {{"reason", "http_503"}}) == 3);
  CHECK(f.metric("stitch_exporter_sent_records_total") == 1);
  CHECK(f.metric("stitch_exporter_send_attempts_total") == 4);
}

TEST_CASE("Exporter drops a payload on a permanent failure, counted", "[export]") {
  Fixture f;
  f.state->script.push_back(SendResult::permanent("http_400", "bad request"));
  auto exporter = f.make();
  exporter->start();
  exporter->push(item("bad", 3));
  exporter->push(item("good"));
  const StopReport report = exporter->stop(in(10s));
  CHECK(report.drained());  // given up for a reason, not left behind at shutdown
  CHECK(f.state->attempts == 2);
  CHECK(f.state->delivered == std::vector<std::string>{"good"});
  CHECK(f.metric("stitch_exporter_dropped_total", {{"reason", "permanent_error"}}) == 3);
  CHECK(f.metric("stitch_exporter_retries_total") == 0);
}

TEST_CASE("Exporter gives up after max_attempts, counted as retries_exhausted", "[export]") {
  Fixture f;
  f.config.retry.max_attempts = 3;
  for (int i = 0; i < 5; ++i) {
    f.state->script.push_back(SendResult::retryable("connect", "refused"));
  }
  auto exporter = f.make();
  exporter->start();
  exporter->push(item("lost", 2));
  exporter->stop(in(10s));
  CHECK(f.state->attempts == 3);
  CHECK(f.metric("stitch_exporter_dropped_total", {{"reason", "retries_exhausted"}}) == 2);
  CHECK(f.metric("stitch_exporter_failed_total", {{"reason", "connect"}}) == 3);
}

TEST_CASE("Exporter waits what Retry-After says rather than its own backoff", "[export]") {
  Fixture f;
  f.config.retry.initial_backoff = 10min;  // would outlast the test without Retry-After
  f.config.retry.max_backoff = 10min;
  f.config.retry.max_elapsed = 0ms;
  SendResult throttled = SendResult::retryable("http_429", "slow down");
  throttled.retry_after = 1ms;
  f.state->script.push_back(throttled);
  auto exporter = f.make();
  exporter->start();
  exporter->push(item("x"));
  CHECK(f.state->waitFor([&] { return !f.state->delivered.empty(); }));
  exporter->stop(in(1s));
}

TEST_CASE("Exporter batches up to batch_max_items", "[export]") {
  Fixture f;
  f.config.batch_max_items = 4;
  auto exporter = f.make();
  for (int i = 0; i < 10; ++i) {
    exporter->push(item(std::to_string(i)));
  }
  exporter->start();
  exporter->stop(in(10s));
  CHECK(f.state->batches == std::vector<std::uint32_t>{4, 4, 2});
  CHECK(f.state->delivered.size() == 10);
}

TEST_CASE("Exporter batches up to batch_max_bytes, at least one item", "[export]") {
  Fixture f;
  const std::uint64_t item_bytes = item("x").bytes();
  f.config.batch_max_bytes = item_bytes * 3;
  auto exporter = f.make();
  for (int i = 0; i < 7; ++i) {
    exporter->push(item("x"));
  }
  exporter->start();
  exporter->stop(in(10s));
  CHECK(f.state->batches == std::vector<std::uint32_t>{3, 3, 1});
}

TEST_CASE("Exporter sends a partial batch after flush_interval", "[export]") {
  Fixture f;
  f.config.batch_max_items = 1000;
  f.config.flush_interval = 5ms;
  auto exporter = f.make();
  exporter->start();
  exporter->push(item("alone"));
  CHECK(f.state->waitFor([&] { return f.state->delivered.size() == 1; }));
  exporter->stop(in(1s));
}

TEST_CASE("drop policy: a full queue drops the item and counts its records", "[export]") {
  Fixture f;
  f.config.queue_size = 2;
  f.config.batch_max_items = 1;
  f.config.full_policy = FullPolicy::kDrop;
  f.state->gate_open = false;
  auto exporter = f.make();
  exporter->start();
  exporter->push(item("in flight"));
  REQUIRE(f.state->waitFor([&] { return f.state->attempts == 1; }));  // the worker holds it
  CHECK(exporter->push(item("queued 1")) == PushResult::kQueued);
  CHECK(exporter->push(item("queued 2")) == PushResult::kQueued);
  CHECK(exporter->push(item("dropped", 5)) == PushResult::kDropped);
  CHECK(f.metric("stitch_exporter_dropped_total", {{"reason", "queue_full"}}) == 5);
  CHECK(f.metric("stitch_exporter_queue_depth") == 2);
  f.state->openGate();
  exporter->stop(in(10s));
  CHECK(f.state->delivered.size() == 3);
}

TEST_CASE("drop policy: queue_max_bytes bounds the queue too", "[export]") {
  Fixture f;
  f.config.full_policy = FullPolicy::kDrop;
  f.config.queue_max_bytes = item("x").bytes() * 2;
  auto exporter = f.make();  // not started: everything stays queued
  CHECK(exporter->push(item("x")) == PushResult::kQueued);
  CHECK(exporter->push(item("x")) == PushResult::kQueued);
  CHECK(exporter->push(item("x")) == PushResult::kDropped);
  exporter->stop(in(0ms));
}

TEST_CASE("block policy: push waits for room, then goes on", "[export]") {
  Fixture f;
  f.config.queue_size = 1;
  f.config.batch_max_items = 1;
  f.state->gate_open = false;
  auto exporter = f.make();
  exporter->start();
  exporter->push(item("in flight"));
  REQUIRE(f.state->waitFor([&] { return f.state->attempts == 1; }));
  exporter->push(item("queued"));
  std::atomic<bool> pushed{false};
  std::thread pusher([&] {
    exporter->push(item("waits"));
    pushed = true;
  });
  // The pusher counts itself as blocked before it waits.
  while (f.metric("stitch_exporter_push_blocked_total") < 1) {
    std::this_thread::yield();
  }
  CHECK_FALSE(pushed.load());
  f.state->openGate();
  pusher.join();
  CHECK(pushed.load());
  exporter->stop(in(10s));
  CHECK(f.state->delivered.size() == 3);
}

TEST_CASE("Exporter lifecycle: stop without start reports the queued records", "[export]") {
  Fixture f;
  auto exporter = f.make();
  exporter->push(item("a", 2));
  exporter->push(item("b", 3));
  const StopReport report = exporter->stop(in(1s));
  CHECK(report.undelivered_items == 2);
  CHECK(report.undelivered_records == 5);
  CHECK(f.metric("stitch_exporter_dropped_total", {{"reason", "shutdown"}}) == 5);
  CHECK(f.state->attempts == 0);
  CHECK(exporter->push(item("late")) == PushResult::kStopped);
  CHECK(f.metric("stitch_exporter_dropped_total", {{"reason", "stopped"}}) == 1);
}

TEST_CASE("Exporter lifecycle: stop twice changes nothing the second time", "[export]") {
  Fixture f;
  auto exporter = f.make();
  exporter->start();
  exporter->push(item("a"));
  const StopReport first = exporter->stop(in(10s));
  const StopReport second = exporter->stop(in(10s));
  CHECK(first.drained());
  CHECK(second.drained());
  CHECK(f.state->delivered.size() == 1);
  exporter->start();  // a stopped exporter does not start again
  CHECK(exporter->push(item("b")) == PushResult::kStopped);
}

TEST_CASE(
    "Exporter lifecycle: stop with a full queue and a dead destination gives up at the "
    "deadline and reports what was lost",
    "[export]") {
  Fixture f;
  f.config.queue_size = 3;
  f.config.batch_max_items = 1;
  f.config.retry.max_elapsed = 0ms;
  for (int i = 0; i < 1000; ++i) {
    f.state->script.push_back(SendResult::retryable("connect", "refused"));
  }
  auto exporter = f.make();
  exporter->start();
  for (int i = 0; i < 4; ++i) {
    REQUIRE(exporter->push(item(std::to_string(i), 2)) == PushResult::kQueued);
  }
  // A pusher blocked on the full queue is released by stop().
  std::thread pusher([&] { CHECK(exporter->push(item("blocked")) == PushResult::kStopped); });
  while (f.metric("stitch_exporter_push_blocked_total") < 1) {
    std::this_thread::yield();
  }
  const StopReport report = exporter->stop(in(50ms));
  pusher.join();
  CHECK(report.undelivered_records == 8);
  CHECK(f.state->delivered.empty());
  CHECK(f.metric("stitch_exporter_dropped_total", {{"reason", "shutdown"}}) == 8);
  CHECK(f.metric("stitch_exporter_dropped_total", {{"reason", "stopped"}}) == 1);
  CHECK(f.state->closed);
}

TEST_CASE("Exporter lifecycle: a stop deadline cuts a retry wait short", "[export]") {
  Fixture f;
  f.config.retry.initial_backoff = 10min;
  f.config.retry.max_backoff = 10min;
  f.config.retry.max_elapsed = 0ms;
  f.config.retry.jitter = 0;
  f.state->script.push_back(SendResult::retryable("http_503", "down"));
  auto exporter = f.make();
  exporter->start();
  exporter->push(item("x"));
  REQUIRE(f.state->waitFor([&] { return f.state->attempts == 1; }));
  const auto before = std::chrono::steady_clock::now();
  const StopReport report = exporter->stop(in(20ms));
  CHECK(std::chrono::steady_clock::now() - before < 5s);
  CHECK(report.undelivered_records == 1);
}

TEST_CASE("Exporter survives an exception in encode, counting the batch", "[export]") {
  Fixture f;
  f.state->throw_in_encode = true;
  f.config.batch_max_items = 1;
  auto exporter = f.make();
  exporter->push(item("lost", 4));
  exporter->push(item("kept"));
  exporter->start();
  exporter->stop(in(10s));
  CHECK(f.metric("stitch_exporter_dropped_total", {{"reason", "encode_error"}}) == 4);
  CHECK(f.state->delivered == std::vector<std::string>{"kept"});
}

TEST_CASE("Exporter reopens its output on request, on the worker", "[export]") {
  Fixture f;
  auto exporter = f.make();
  exporter->start();
  exporter->requestReopen();
  CHECK(f.state->waitFor([&] { return f.state->reopens == 1; }));
  exporter->stop(in(1s));
}

TEST_CASE("Exporter counts records the receiver rejected as dropped", "[export]") {
  Fixture f;
  SendResult partial = SendResult::ok(2);
  partial.detail = "2 spans had no name";
  f.state->script.push_back(partial);
  auto exporter = f.make();
  exporter->start();
  exporter->push(item("x", 5));
  exporter->stop(in(10s));
  CHECK(f.metric("stitch_exporter_sent_records_total") == 3);
  CHECK(f.metric("stitch_exporter_dropped_total", {{"reason", "rejected"}}) == 2);
}
