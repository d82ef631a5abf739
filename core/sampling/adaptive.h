#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/common/clock.h"
#include "core/sampling/adaptive_config.h"
#include "core/sampling/consistent.h"
#include "core/sampling/token_bucket.h"

namespace stitch::sampling {

// The current state of one adaptive key, as `GET /api/v1/sampling` shows it.
struct AdaptiveKeySnapshot {
  std::string policy;     // name of the adaptive policy
  std::string service;    // root service ("(other)" for keys beyond max_keys)
  std::string operation;  // root operation ("" when keyed by service only)
  double probability = 1.0;
  std::string threshold;          // the OTel `th` value applied to R ("0" for probability 1)
  double offered_per_second = 0;  // weighted recent rate of traces reaching the policy
  double kept_per_second = 0;     // traces it kept in the last interval, per second
  double target_per_second = 0;   // this sampler's share of the target
};

// Immutable, published after every calculation interval.
struct AdaptiveSnapshot {
  TimestampNs calculated_at_ns = 0;
  std::vector<AdaptiveKeySnapshot> keys;  // sorted by policy, service, operation
};
using AdaptiveSnapshotPtr = std::shared_ptr<const AdaptiveSnapshot>;

// One view over all shards (`snapshots` has one entry per shard, null for a shard without
// one yet): rates add up; a key's target is its per-shard share times the number of shards,
// whether or not every shard has seen the key; probabilities are averaged weighted by offered
// rate (each shard sees a random 1/N of every key's traces, so they agree closely).
AdaptiveSnapshot mergeAdaptiveSnapshots(std::span<const AdaptiveSnapshotPtr> snapshots);

// The body of `GET /api/v1/sampling`: {"calculated_at_ns": ..., "keys": [{"policy", "service",
// "operation", "probability", "threshold", "offered_per_second", "kept_per_second",
// "target_per_second"}, ...]}.
std::string adaptiveSnapshotJson(const AdaptiveSnapshot& snapshot);

// Jaeger's adaptive sampling, per key (root service + root operation by default), decided as
// consistent probability sampling: a trace is kept when its randomness R >= the key's
// threshold. Every calculation interval:
//   offered rate  = traces that reached the policy this interval / interval seconds
//   weighted rate = sum of the last `calculation_buckets` offered rates, weights i^4 (newest
//                   heaviest), normalised
//   expected kept = weighted rate * old probability
//   if |expected kept - target| / target >= delta_tolerance:
//       new = old * target / expected kept       (= target / weighted rate)
//       increases capped at old * (1 + max_increase); decreases applied at once
//       clamped to [min_probability, max_probability]
// Unlike Jaeger's collector, which only sees the traces clients already sampled and so
// estimates from sampled counts, a shard sees every trace: it measures the offered rate
// directly, which is less noisy at low probabilities and independent of past probabilities.
// A lower bound per key keeps min_traces_per_second even when R < T (a token bucket, as
// Jaeger's guaranteed-throughput sampler): those decisions are the non-deterministic part.
// Threading: shard thread only (one instance per adaptive policy per shard).
class AdaptiveSampler {
public:
  enum class Outcome : std::uint8_t { kDrop, kKeep, kKeepLowerBound };

  // `share` is this shard's fraction of the daemon's traffic (1 / shard count): targets and
  // lower bounds are scaled by it.
  AdaptiveSampler(std::string policy_name,
                  const AdaptiveConfig& config,
                  double share,
                  TimestampNs now);

  Outcome sample(std::string_view service,
                 std::string_view operation,
                 std::uint64_t randomness,
                 TimestampNs now);

  // Recalculates when a calculation interval has passed since the last one (an interval
  // missed by a late tick is measured over the real elapsed time). True when it did.
  bool onTick(TimestampNs now);

  // The keys' current state (builds a new snapshot; for the shard to publish).
  void appendSnapshot(AdaptiveSnapshot& snapshot) const;

  // Current probability of a key (initial_probability for an unknown key). For tests.
  double probabilityOf(std::string_view service, std::string_view operation) const;
  std::size_t keyCount() const noexcept { return keys_.size(); }
  TimestampNs nextCalculationNs() const noexcept { return last_calculation_ns_ + interval_ns_; }

private:
  struct KeyState {
    std::string service;
    std::string operation;
    double probability = 1.0;
    Threshold threshold;
    std::uint64_t offered = 0;  // this interval
    std::uint64_t kept = 0;     // this interval
    std::vector<double> rates;  // offered per second, newest first
    double weighted_rate = 0;
    double kept_per_second = 0;
    std::uint32_t idle_intervals = 0;
    TokenBucket lower_bound;
  };
  struct StringHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view text) const noexcept {
      return std::hash<std::string_view>{}(text);
    }
  };

  KeyState& stateFor(std::string_view service, std::string_view operation, TimestampNs now);
  void calculate(double seconds);
  void setProbability(KeyState& state, double probability) const;

  std::string policy_name_;
  AdaptiveConfig config_;
  double target_;            // this shard's share of the target
  double lower_bound_rate_;  // this shard's share of min_traces_per_second
  TimestampNs interval_ns_;
  TimestampNs last_calculation_ns_;
  std::unordered_map<std::string, KeyState, StringHash, std::equal_to<>> keys_;
  std::string key_buffer_;
};

}  // namespace stitch::sampling
