#include "core/sampling/adaptive.h"

#include <cmath>
#include <random>
#include <vector>

#include <catch2/catch.hpp>

using namespace stitch;
using namespace stitch::sampling;

namespace {

constexpr TimestampNs kStart = 1'700'000'000 * kNanosPerSecond;

// Drives one adaptive sampler with a steady rate of random traces for one calculation
// interval and returns the traces it kept per second.
class Traffic {
public:
  explicit Traffic(const AdaptiveConfig& config, double share = 1.0)
      : config_(config), sampler_("adaptive", config, share, kStart), now_(kStart) {}

  double runInterval(double traces_per_second, std::string_view operation = "GET /cart") {
    const double seconds = std::chrono::duration<double>(config_.calculation_interval).count();
    const auto traces = static_cast<std::int64_t>(traces_per_second * seconds);
    const TimestampNs step =
        traces > 0 ? static_cast<TimestampNs>(seconds * kNanosPerSecond) / traces : 0;
    std::int64_t kept = 0;
    const TimestampNs begin = now_;
    for (std::int64_t i = 0; i < traces; ++i) {
      kept += sampler_.sample("cart", operation, rng_() & tracecontext::TraceId::kRandomMask,
                              now_) != AdaptiveSampler::Outcome::kDrop;
      now_ += step;
    }
    now_ = begin + static_cast<TimestampNs>(seconds * kNanosPerSecond);
    REQUIRE(sampler_.onTick(now_));
    return static_cast<double>(kept) / seconds;
  }
  AdaptiveSampler& sampler() { return sampler_; }
  TimestampNs now() const { return now_; }

private:
  AdaptiveConfig config_;
  AdaptiveSampler sampler_;
  TimestampNs now_;
  std::mt19937_64 rng_{42};
};

AdaptiveConfig precise() {
  AdaptiveConfig config;
  config.target_traces_per_second = 10;
  config.min_traces_per_second = 0;  // measure the probabilistic part alone
  return config;
}

bool near(double kept, double target, double tolerance) {
  return std::abs(kept - target) / target < tolerance;
}

}  // namespace

TEST_CASE("adaptive converges to its target and follows a 10x step within a few intervals",
          "[sampling][adaptive]") {
  Traffic traffic(precise());
  // A new key starts at probability 1: the first interval keeps everything.
  CHECK(traffic.runInterval(100) == Approx(100));
  CHECK(traffic.sampler().probabilityOf("cart", "GET /cart") == Approx(0.1).epsilon(0.01));
  for (int i = 0; i < 3; ++i) {
    CHECK(near(traffic.runInterval(100), 10, 0.35));
  }

  // 10x more traffic: decreases apply at once.
  const double first_after_step = traffic.runInterval(1000);
  CHECK(first_after_step > 50);  // the interval that saw the step still used the old probability
  int settled_after = -1;
  for (int i = 1; i <= 6; ++i) {
    const double kept = traffic.runInterval(1000);
    if (settled_after < 0 && near(kept, 10, 0.35)) {
      settled_after = i;
    }
  }
  CHECK(settled_after >= 1);
  CHECK(settled_after <= 3);
  CHECK(near(traffic.runInterval(1000), 10, 0.35));
  CHECK(traffic.sampler().probabilityOf("cart", "GET /cart") == Approx(0.01).epsilon(0.35));
}

TEST_CASE("adaptive raises a probability by at most +50% per interval", "[sampling][adaptive]") {
  Traffic traffic(precise());
  for (int i = 0; i < 6; ++i) {
    traffic.runInterval(1000);
  }
  double probability = traffic.sampler().probabilityOf("cart", "GET /cart");
  REQUIRE(probability < 0.02);
  // Traffic drops 10x: the probability must climb back 1.5x per interval, no faster.
  int intervals = 0;
  while (intervals < 20) {
    traffic.runInterval(100);
    ++intervals;
    const double next = traffic.sampler().probabilityOf("cart", "GET /cart");
    CHECK(next <= probability * 1.5 + 1e-12);
    if (next == probability) {
      break;  // within tolerance of the target again
    }
    probability = next;
  }
  CHECK(intervals >= 4);  // log(10) / log(1.5) ~ 5.7 intervals of capped increases
  CHECK(intervals <= 10);
  CHECK(near(traffic.runInterval(100), 10, 0.35));
}

TEST_CASE("adaptive keeps probabilities within their bounds", "[sampling][adaptive]") {
  AdaptiveConfig config = precise();
  config.target_traces_per_second = 0.001;
  config.min_probability = 1e-3;
  Traffic flood(config);
  flood.runInterval(5000);
  flood.runInterval(5000);
  CHECK(flood.sampler().probabilityOf("cart", "GET /cart") == Approx(1e-3));

  Traffic trickle(precise());
  trickle.runInterval(1);
  CHECK(trickle.sampler().probabilityOf("cart", "GET /cart") == 1.0);
}

TEST_CASE("adaptive's lower bound keeps a trickle even at the minimum probability",
          "[sampling][adaptive]") {
  AdaptiveConfig config;
  config.target_traces_per_second = 0.0001;
  config.min_probability = 1e-5;
  config.min_traces_per_second = 1;
  Traffic traffic(config);
  traffic.runInterval(1000);
  traffic.runInterval(1000);
  REQUIRE(traffic.sampler().probabilityOf("cart", "GET /cart") < 1e-3);
  const double kept = traffic.runInterval(1000);
  CHECK(kept == Approx(1.0).epsilon(0.25));
}

TEST_CASE("adaptive scales its target by the shard's share", "[sampling][adaptive]") {
  Traffic quarter(precise(), 0.25);
  quarter.runInterval(100);
  quarter.runInterval(100);
  CHECK(near(quarter.runInterval(100), 2.5, 0.35));
}

TEST_CASE("adaptive keys by service and operation, bounded by max_keys", "[sampling][adaptive]") {
  AdaptiveConfig config = precise();
  config.max_keys = 2;
  AdaptiveSampler sampler("adaptive", config, 1.0, kStart);
  sampler.sample("cart", "a", 1, kStart);
  sampler.sample("cart", "b", 1, kStart);
  sampler.sample("cart", "c", 1, kStart);  // over the limit: "(other)"
  sampler.sample("pay", "d", 1, kStart);   // "(other)" too
  CHECK(sampler.keyCount() == 3);
  REQUIRE(sampler.onTick(kStart + 10 * kNanosPerSecond));
  AdaptiveSnapshot snapshot;
  sampler.appendSnapshot(snapshot);
  REQUIRE(snapshot.keys.size() == 3);
  CHECK(snapshot.keys[0].service == "(other)");
  CHECK(snapshot.keys[0].offered_per_second == Approx(0.2));
  CHECK(snapshot.keys[1].operation == "a");
  CHECK(snapshot.keys[1].threshold == "0");
  CHECK(snapshot.keys[1].policy == "adaptive");

  config.key_by = AdaptiveKey::kService;
  AdaptiveSampler by_service("adaptive", config, 1.0, kStart);
  by_service.sample("cart", "a", 1, kStart);
  by_service.sample("cart", "b", 1, kStart);
  CHECK(by_service.keyCount() == 1);
}

TEST_CASE("adaptive forgets keys that stay idle", "[sampling][adaptive]") {
  AdaptiveSampler sampler("adaptive", precise(), 1.0, kStart);
  sampler.sample("cart", "a", 1, kStart);
  TimestampNs now = kStart;
  for (int i = 0; i < 11; ++i) {  // one interval with traffic, then ten idle ones
    now += 10 * kNanosPerSecond;
    sampler.onTick(now);
  }
  CHECK(sampler.keyCount() == 1);
  now += 10 * kNanosPerSecond;
  sampler.onTick(now);
  CHECK(sampler.keyCount() == 0);
}

TEST_CASE("adaptive calculates only when an interval has passed", "[sampling][adaptive]") {
  AdaptiveSampler sampler("adaptive", precise(), 1.0, kStart);
  CHECK_FALSE(sampler.onTick(kStart + 9 * kNanosPerSecond));
  CHECK(sampler.nextCalculationNs() == kStart + 10 * kNanosPerSecond);
  CHECK(sampler.onTick(kStart + 10 * kNanosPerSecond));
  CHECK(sampler.nextCalculationNs() == kStart + 20 * kNanosPerSecond);
}

TEST_CASE("mergeAdaptiveSnapshots adds rates and averages probabilities by traffic",
          "[sampling][adaptive]") {
  auto a = std::make_shared<AdaptiveSnapshot>();
  a->calculated_at_ns = 5;
  a->keys.push_back({"adaptive", "cart", "GET", 0.2, "", 30, 6, 5});
  auto b = std::make_shared<AdaptiveSnapshot>();
  b->calculated_at_ns = 7;
  b->keys.push_back({"adaptive", "cart", "GET", 0.1, "", 10, 1, 5});
  b->keys.push_back({"adaptive", "pay", "POST", 1.0, "", 0, 0, 5});
  const std::vector<AdaptiveSnapshotPtr> shards{a, b};
  const AdaptiveSnapshot merged = mergeAdaptiveSnapshots(shards);
  CHECK(merged.calculated_at_ns == 7);
  REQUIRE(merged.keys.size() == 2);
  CHECK(merged.keys[0].service == "cart");
  CHECK(merged.keys[0].offered_per_second == 40);
  CHECK(merged.keys[0].kept_per_second == 7);
  CHECK(merged.keys[0].target_per_second == 10);
  CHECK(merged.keys[0].probability == Approx(0.175));
  CHECK(merged.keys[1].probability == 1.0);
  CHECK(merged.keys[1].threshold == "0");
  // Seen by one shard of two so far: still the whole daemon's target, not one shard's share.
  CHECK(merged.keys[1].target_per_second == 10);
  CHECK(merged.keys[1].offered_per_second == 0);

  const std::vector<AdaptiveSnapshotPtr> three{a, nullptr, b};  // a shard without a snapshot
  CHECK(mergeAdaptiveSnapshots(three).keys[1].target_per_second == 15);
}

TEST_CASE("AdaptiveConfig validates its ranges", "[sampling][adaptive]") {
  AdaptiveConfig config;
  CHECK(config.validate().empty());
  config.target_traces_per_second = 0;
  config.max_increase = 0;
  config.calculation_buckets = 0;
  CHECK(config.validate().size() == 3);
}

TEST_CASE("adaptiveSnapshotJson renders what GET /api/v1/sampling returns",
          "[sampling][adaptive]") {
  AdaptiveSnapshot snapshot;
  snapshot.calculated_at_ns = 42;
  snapshot.keys.push_back({"adaptive", "cart", "GET \"x\"", 0.25, "c", 40, 10, 10});
  CHECK(adaptiveSnapshotJson(snapshot) ==
        R"({"calculated_at_ns":42,"keys":[{"policy":"adaptive","service":"cart",)"
        R"("operation":"GET \"x\"","probability":0.25,"threshold":"c",)"
        R"("offered_per_second":40,"kept_per_second":10,"target_per_second":10}]})");
  CHECK(adaptiveSnapshotJson(AdaptiveSnapshot{}) == R"({"calculated_at_ns":0,"keys":[]})");
}
