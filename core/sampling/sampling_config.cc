#include "core/sampling/sampling_config.h"

#include <string>
#include <utility>

namespace stitch::sampling {
namespace {

void prefixed(ConfigProblems&& from, std::string_view prefix, ConfigProblems& to) {
  for (ConfigProblem& problem : from) {
    to.push_back({std::string(prefix) + problem.path, std::move(problem.message)});
  }
}

}  // namespace

std::string_view untracedLogActionName(UntracedLogAction action) noexcept {
  return action == UntracedLogAction::kDrop ? "drop" : "pass_through";
}

std::string_view droppedTraceLogActionName(DroppedTraceLogAction action) noexcept {
  return action == DroppedTraceLogAction::kPassThrough ? "pass_through" : "drop";
}

std::optional<UntracedLogAction> parseUntracedLogAction(std::string_view text) noexcept {
  if (text == "pass_through") {
    return UntracedLogAction::kPassThrough;
  }
  if (text == "drop") {
    return UntracedLogAction::kDrop;
  }
  return std::nullopt;
}

std::optional<DroppedTraceLogAction> parseDroppedTraceLogAction(std::string_view text) noexcept {
  if (text == "pass_through") {
    return DroppedTraceLogAction::kPassThrough;
  }
  if (text == "drop") {
    return DroppedTraceLogAction::kDrop;
  }
  return std::nullopt;
}

ConfigProblems SamplingConfig::check() const {
  ConfigProblems problems;
  prefixed(head.validate(), "head.", problems);
  prefixed(checkTailSampling(tail), "tail.", problems);
  prefixed(decision_cache.validate(), "decision_cache.", problems);
  return problems;
}

}  // namespace stitch::sampling
