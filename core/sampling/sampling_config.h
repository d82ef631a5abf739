#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "core/common/config_problem.h"
#include "core/sampling/decision_cache.h"
#include "core/sampling/head_sampler.h"
#include "core/sampling/policy_config.h"

namespace stitch::sampling {

// Records without a usable trace context.
enum class UntracedLogAction : std::uint8_t {
  kPassThrough = 0,  // straight to the outputs, as plain logs
  kDrop,             // dropped, counted
};
// Records of a trace that head or tail sampling dropped.
enum class DroppedTraceLogAction : std::uint8_t {
  kDrop = 0,     // dropped with their trace, counted
  kPassThrough,  // to the outputs as plain logs (no trace, no tree)
};
std::string_view untracedLogActionName(UntracedLogAction action) noexcept;  // "pass_through"..
std::string_view droppedTraceLogActionName(DroppedTraceLogAction action) noexcept;
std::optional<UntracedLogAction> parseUntracedLogAction(std::string_view text) noexcept;
std::optional<DroppedTraceLogAction> parseDroppedTraceLogAction(std::string_view text) noexcept;

// `sampling:` in stitch.yaml.
struct SamplingConfig {
  HeadSamplingConfig head;
  TailSamplingConfig tail;
  DecisionCacheConfig decision_cache;
  UntracedLogAction untraced_logs = UntracedLogAction::kPassThrough;
  DroppedTraceLogAction dropped_trace_logs = DroppedTraceLogAction::kDrop;

  // Every problem of the whole section, walking into head, tail (every policy) and the cache,
  // with paths prefixed by their key ("head.probability", "tail.policies[0].name"). The config
  // loader checks each struct itself; this is for configs built in code.
  ConfigProblems check() const;
  friend bool operator==(const SamplingConfig&, const SamplingConfig&) = default;
};

}  // namespace stitch::sampling
