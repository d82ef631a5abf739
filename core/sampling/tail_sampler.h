#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/common/clock.h"
#include "core/sampling/adaptive.h"
#include "core/sampling/attribute_lookup.h"
#include "core/sampling/policy_config.h"
#include "core/sampling/trace_facts.h"
#include "core/trace/trace.h"

namespace stitch::sampling {

// Identifies what decided a trace: an index into TailSampler::policyName(). Top-level
// policies, composite sub-policies ("composite/sub"), adaptive lower bounds
// ("adaptive:lower_bound") and "no_match" each have one.
using PolicyId = std::uint16_t;

struct TailVerdict {
  trace::Decision decision = trace::Decision::kDrop;
  PolicyId policy = 0;
};

class Policy;

// Evaluates the tail policies of one shard.
//
// Order: the drop policies (action: drop, or type drop) first, in configuration order, and
// the first that matches drops the trace; then the keep policies in order, and the first that
// matches keeps it; a trace no policy matches is dropped, recorded as "no_match". Evaluation
// stops at the deciding policy, so stateful policies placed later (rate_limiting, composite,
// adaptive) only see, and only spend their budget on, traces no earlier policy decided.
// `and` evaluates its sub-policies in order and stops at the first that does not match.
//
// Determinism: everything but rate_limiting, composite and adaptive lower bounds depends on
// the trace alone; probabilistic and adaptive compare R with a threshold, so two shards (or
// two daemons) with the same probabilities decide a trace the same way.
// Threading: shard thread only.
class TailSampler {
public:
  // `shard_count` scales rates, budgets and adaptive targets to this shard's share of the
  // traffic (trace ids are spread evenly). `lookup` may be null: attribute policies then see
  // no attributes. `config` must have passed validate().
  TailSampler(const TailSamplingConfig& config,
              const AttributeLookup* lookup,
              std::size_t shard_count,
              TimestampNs now);
  ~TailSampler();
  TailSampler(const TailSampler&) = delete;
  TailSampler& operator=(const TailSampler&) = delete;

  TailVerdict decide(const TraceFacts& facts, TimestampNs now);

  // Runs due adaptive calculations; true when any ran (a new snapshot is then available).
  bool onTick(TimestampNs now);
  // A new snapshot of every adaptive policy's keys (empty without adaptive policies).
  AdaptiveSnapshotPtr adaptiveSnapshot() const;
  bool hasAdaptive() const noexcept { return !adaptive_.empty(); }
  // When the next adaptive calculation is due; INT64_MAX without adaptive policies.
  TimestampNs nextCalculationNs() const noexcept;

  const std::string& policyName(PolicyId id) const noexcept { return names_[id]; }
  std::size_t policyCount() const noexcept { return names_.size(); }
  PolicyId noMatchPolicy() const noexcept { return no_match_; }

  // Registers a name; used while building the policy tree.
  PolicyId registerName(std::string name);
  void registerAdaptive(AdaptiveSampler* sampler) { adaptive_.push_back(sampler); }

private:
  struct TopLevel {
    std::unique_ptr<Policy> policy;
    PolicyId id;
  };
  std::vector<std::string> names_;
  std::vector<TopLevel> drops_;
  std::vector<TopLevel> keeps_;
  std::vector<AdaptiveSampler*> adaptive_;  // owned by their policies
  const AttributeLookup* lookup_;
  PolicyId no_match_ = 0;
};

// What a policy sees while it is evaluated.
struct PolicyContext {
  const TraceFacts& facts;
  TimestampNs now;
  const AttributeLookup* lookup;
  // Set by a policy that wants a more precise name recorded than its top-level policy's
  // (a composite's sub-policy, an adaptive lower bound).
  PolicyId decided_by = 0;
  bool has_decided_by = false;
};

// One node of the policy tree.
class Policy {
public:
  virtual ~Policy() = default;
  virtual bool matches(PolicyContext& context) = 0;
};

}  // namespace stitch::sampling
