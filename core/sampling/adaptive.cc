#include "core/sampling/adaptive.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <tuple>
#include <utility>

#include "core/common/json_writer.h"

namespace stitch::sampling {
namespace {

constexpr std::string_view kOtherKey = "(other)";
constexpr char kKeySeparator = '\x1f';  // cannot appear in a decoded service name unescaped

// A key unseen for this many intervals is forgotten (bounded memory for churning keys).
constexpr std::uint32_t kMinIdleIntervals = 10;

}  // namespace

std::string_view adaptiveKeyName(AdaptiveKey key) noexcept {
  return key == AdaptiveKey::kService ? "service" : "service_and_operation";
}

ConfigProblems AdaptiveConfig::validate() const {
  ConfigProblems problems;
  if (!(target_traces_per_second > 0) || !std::isfinite(target_traces_per_second)) {
    problems.push_back({"target_traces_per_second", "must be positive"});
  }
  if (calculation_interval.count() < 100) {
    problems.push_back({"calculation_interval", "must be at least 100ms"});
  }
  if (calculation_buckets < 1 || calculation_buckets > 64) {
    problems.push_back({"calculation_buckets", "must be in [1, 64]"});
  }
  if (!(delta_tolerance >= 0 && delta_tolerance < 1)) {
    problems.push_back({"delta_tolerance", "must be in [0, 1)"});
  }
  if (!(min_probability >= kMinProbability && min_probability <= 1)) {
    problems.push_back({"min_probability", "must be in [2^-56, 1]"});
  }
  if (!(max_probability >= min_probability && max_probability <= 1)) {
    problems.push_back({"max_probability", "must be in [min_probability, 1]"});
  }
  if (!(initial_probability >= min_probability && initial_probability <= max_probability)) {
    problems.push_back({"initial_probability", "must be in [min_probability, max_probability]"});
  }
  if (!(max_increase > 0) || !std::isfinite(max_increase)) {
    problems.push_back({"max_increase", "must be positive (0.5 = +50% per interval)"});
  }
  if (!(min_traces_per_second >= 0) || !std::isfinite(min_traces_per_second)) {
    problems.push_back({"min_traces_per_second", "must not be negative (0 disables it)"});
  }
  if (max_keys < 1) {
    problems.push_back({"max_keys", "must be positive"});
  }
  return problems;
}

AdaptiveSampler::AdaptiveSampler(std::string policy_name,
                                 const AdaptiveConfig& config,
                                 double share,
                                 TimestampNs now)
    : policy_name_(std::move(policy_name)),
      config_(config),
      target_(config.target_traces_per_second * share),
      lower_bound_rate_(config.min_traces_per_second * share),
      interval_ns_(std::chrono::duration_cast<std::chrono::nanoseconds>(config.calculation_interval)
                       .count()),
      last_calculation_ns_(now) {
  interval_ns_ = std::max<TimestampNs>(interval_ns_, 1);
}

void AdaptiveSampler::setProbability(KeyState& state, double probability) const {
  state.probability = std::clamp(probability, config_.min_probability, config_.max_probability);
  state.threshold = probabilityToThreshold(state.probability);
}

AdaptiveSampler::KeyState& AdaptiveSampler::stateFor(std::string_view service,
                                                     std::string_view operation,
                                                     TimestampNs now) {
  if (config_.key_by == AdaptiveKey::kService) {
    operation = {};
  }
  key_buffer_.assign(service);
  key_buffer_.push_back(kKeySeparator);
  key_buffer_.append(operation);
  auto found = keys_.find(std::string_view(key_buffer_));
  if (found != keys_.end()) {
    return found->second;
  }
  if (keys_.size() >= config_.max_keys) {
    service = kOtherKey;
    operation = {};
    key_buffer_.assign(kOtherKey);
    key_buffer_.push_back(kKeySeparator);
    found = keys_.find(std::string_view(key_buffer_));
    if (found != keys_.end()) {
      return found->second;
    }
  }
  KeyState state;
  state.service = std::string(service);
  state.operation = std::string(operation);
  setProbability(state, config_.initial_probability);
  // Capacity one trace: the lower bound guarantees a trickle, it does not allow bursts.
  state.lower_bound = TokenBucket(lower_bound_rate_, 1.0, now);
  return keys_.emplace(key_buffer_, std::move(state)).first->second;
}

AdaptiveSampler::Outcome AdaptiveSampler::sample(std::string_view service,
                                                 std::string_view operation,
                                                 std::uint64_t randomness,
                                                 TimestampNs now) {
  KeyState& state = stateFor(service, operation, now);
  ++state.offered;
  state.idle_intervals = 0;
  const bool lower_bound_enabled = lower_bound_rate_ > 0;
  if (shouldSample(randomness, state.threshold)) {
    ++state.kept;
    if (lower_bound_enabled) {
      state.lower_bound.tryTake(1.0, now);  // keeps the bound in step with what was kept
    }
    return Outcome::kKeep;
  }
  if (lower_bound_enabled && state.lower_bound.tryTake(1.0, now)) {
    ++state.kept;
    return Outcome::kKeepLowerBound;
  }
  return Outcome::kDrop;
}

bool AdaptiveSampler::onTick(TimestampNs now) {
  if (now - last_calculation_ns_ < interval_ns_) {
    return false;
  }
  calculate(static_cast<double>(now - last_calculation_ns_) / static_cast<double>(kNanosPerSecond));
  last_calculation_ns_ = now;
  return true;
}

void AdaptiveSampler::calculate(double seconds) {
  const std::uint32_t idle_limit = std::max(kMinIdleIntervals, config_.calculation_buckets);
  for (auto it = keys_.begin(); it != keys_.end();) {
    KeyState& state = it->second;
    if (state.offered == 0 && ++state.idle_intervals > idle_limit) {
      it = keys_.erase(it);
      continue;
    }
    const double rate = static_cast<double>(state.offered) / seconds;
    state.kept_per_second = static_cast<double>(state.kept) / seconds;
    state.offered = 0;
    state.kept = 0;
    state.rates.insert(state.rates.begin(), rate);
    if (state.rates.size() > config_.calculation_buckets) {
      state.rates.resize(config_.calculation_buckets);
    }
    // Jaeger's weights: w(i) = i^4 for i = L..1, newest first, normalised.
    double weighted = 0;
    double total_weight = 0;
    const std::size_t length = state.rates.size();
    for (std::size_t i = 0; i < length; ++i) {
      const double w = std::pow(static_cast<double>(length - i), 4);
      weighted += state.rates[i] * w;
      total_weight += w;
    }
    weighted /= total_weight;
    state.weighted_rate = weighted;
    ++it;
    if (weighted <= 0) {
      continue;  // nothing offered lately: nothing to learn, keep the probability
    }
    const double expected_kept = weighted * state.probability;
    if (std::abs(expected_kept - target_) / target_ < config_.delta_tolerance) {
      continue;
    }
    double next = state.probability * target_ / expected_kept;
    if (next > state.probability) {
      next = std::min(next, state.probability * (1.0 + config_.max_increase));
    }
    setProbability(state, next);
  }
}

void AdaptiveSampler::appendSnapshot(AdaptiveSnapshot& snapshot) const {
  snapshot.calculated_at_ns = std::max(snapshot.calculated_at_ns, last_calculation_ns_);
  const std::size_t begin = snapshot.keys.size();
  for (const auto& [key, state] : keys_) {
    AdaptiveKeySnapshot entry;
    entry.policy = policy_name_;
    entry.service = state.service;
    entry.operation = state.operation;
    entry.probability = state.probability;
    entry.threshold = encodeThreshold(state.threshold);
    entry.offered_per_second = state.weighted_rate;
    entry.kept_per_second = state.kept_per_second;
    entry.target_per_second = target_;
    snapshot.keys.push_back(std::move(entry));
  }
  std::sort(snapshot.keys.begin() + static_cast<std::ptrdiff_t>(begin), snapshot.keys.end(),
            [](const AdaptiveKeySnapshot& a, const AdaptiveKeySnapshot& b) {
              return std::tie(a.service, a.operation) < std::tie(b.service, b.operation);
            });
}

double AdaptiveSampler::probabilityOf(std::string_view service, std::string_view operation) const {
  if (config_.key_by == AdaptiveKey::kService) {
    operation = {};
  }
  std::string key(service);
  key.push_back(kKeySeparator);
  key.append(operation);
  const auto found = keys_.find(std::string_view(key));
  return found != keys_.end() ? found->second.probability : config_.initial_probability;
}

AdaptiveSnapshot mergeAdaptiveSnapshots(std::span<const AdaptiveSnapshotPtr> snapshots) {
  struct Sum {
    double offered = 0;
    double kept = 0;
    double shard_target = 0;  // every shard has the same share of a key's target
    double weighted_probability = 0;
    double probability_sum = 0;
    std::size_t count = 0;
  };
  std::map<std::tuple<std::string, std::string, std::string>, Sum> sums;
  AdaptiveSnapshot merged;
  for (const AdaptiveSnapshotPtr& snapshot : snapshots) {
    if (!snapshot) {
      continue;
    }
    merged.calculated_at_ns = std::max(merged.calculated_at_ns, snapshot->calculated_at_ns);
    for (const AdaptiveKeySnapshot& key : snapshot->keys) {
      Sum& sum = sums[{key.policy, key.service, key.operation}];
      sum.offered += key.offered_per_second;
      sum.kept += key.kept_per_second;
      sum.shard_target = std::max(sum.shard_target, key.target_per_second);
      sum.weighted_probability += key.probability * key.offered_per_second;
      sum.probability_sum += key.probability;
      ++sum.count;
    }
  }
  for (const auto& [key, sum] : sums) {
    AdaptiveKeySnapshot entry;
    std::tie(entry.policy, entry.service, entry.operation) = key;
    entry.probability = sum.offered > 0 ? sum.weighted_probability / sum.offered
                                        : sum.probability_sum / static_cast<double>(sum.count);
    entry.threshold = encodeThreshold(probabilityToThreshold(entry.probability));
    entry.offered_per_second = sum.offered;
    entry.kept_per_second = sum.kept;
    // The whole daemon's target, also while some shards have not seen the key yet.
    entry.target_per_second = sum.shard_target * static_cast<double>(snapshots.size());
    merged.keys.push_back(std::move(entry));
  }
  return merged;
}

std::string adaptiveSnapshotJson(const AdaptiveSnapshot& snapshot) {
  std::string out;
  json::Writer w(out);
  w.beginObject();
  w.field("calculated_at_ns", static_cast<std::int64_t>(snapshot.calculated_at_ns));
  w.key("keys").beginArray();
  for (const AdaptiveKeySnapshot& key : snapshot.keys) {
    w.beginObject();
    w.field("policy", key.policy);
    w.field("service", key.service);
    w.field("operation", key.operation);
    w.field("probability", key.probability);
    w.field("threshold", key.threshold);
    w.field("offered_per_second", key.offered_per_second);
    w.field("kept_per_second", key.kept_per_second);
    w.field("target_per_second", key.target_per_second);
    w.endObject();
  }
  w.endArray();
  w.endObject();
  return out;
}

}  // namespace stitch::sampling
