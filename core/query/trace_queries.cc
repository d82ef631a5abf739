#include "core/query/trace_queries.h"

namespace stitch::query {

std::string_view notFoundReasonName(NotFoundReason reason) noexcept {
  switch (reason) {
    case NotFoundReason::kSampledOut:
      return "sampled_out";
    case NotFoundReason::kExpired:
      return "expired";
    case NotFoundReason::kUnknown:
      return "unknown";
  }
  return "unknown";
}

trace::DecidedTracePtr TraceQueries::fromParts(std::vector<trace::DecidedTracePtr>&& parts) const {
  if (parts.size() == 1 || !sources_.build_tree) {
    return parts.front();
  }
  // A trace kept in parts (late records after the keep): one trace, one tree.
  auto merged = std::make_shared<trace::DecidedTrace>();
  const trace::DecidedTrace& first = *parts.front();
  merged->trace_id = first.trace_id;
  merged->decision = first.decision;
  merged->summary = first.summary;
  for (const auto& r : first.records) {
    merged->records.push_back(r->clone());
  }
  for (std::size_t i = 1; i < parts.size(); ++i) {
    store::widenSummary(merged->summary, merged->records, parts[i]->records);
    for (const auto& r : parts[i]->records) {
      merged->records.push_back(r->clone());
    }
  }
  merged->tree = sources_.build_tree(merged->records);
  return merged;
}

TraceLookup TraceQueries::find(const tracecontext::TraceId& trace_id) {
  TraceLookup lookup;
  if (sources_.pending != nullptr) {
    if (auto pending = sources_.pending->pendingTrace(trace_id)) {
      lookup.trace = std::move(pending);
      lookup.state = TraceState::kPending;
      return lookup;
    }
  }
  if (sources_.cache != nullptr) {
    if (auto parts = sources_.cache->find(trace_id); !parts.empty()) {
      lookup.trace = fromParts(std::move(parts));
      return lookup;
    }
  }
  if (sources_.store != nullptr) {
    auto reader = sources_.store->acquire();
    if (!reader) {
      lookup.error = reader.error().message;
      return lookup;
    }
    auto stored = (*reader)->get(trace_id);
    if (!stored) {
      lookup.error = stored.error().message;
      return lookup;
    }
    if (stored->has_value()) {
      store::StoredTrace& s = **stored;
      auto t = std::make_shared<trace::DecidedTrace>();
      t->trace_id = s.trace_id;
      t->summary = std::move(s.summary);
      t->decision = std::move(s.decision);
      t->records = std::move(s.records);
      if (sources_.build_tree) {
        t->tree = sources_.build_tree(t->records);
      }
      lookup.trace = std::move(t);
      return lookup;
    }
  }
  if (sources_.decisions != nullptr) {
    if (auto decision = sources_.decisions->decisionFor(trace_id)) {
      lookup.reason = decision->decision == trace::Decision::kDrop ? NotFoundReason::kSampledOut
                                                                   : NotFoundReason::kUnknown;
      lookup.decision = std::move(decision);
      if (lookup.reason == NotFoundReason::kSampledOut) {
        return lookup;
      }
    }
  }
  if (sources_.store != nullptr) {
    auto reader = sources_.store->acquire();
    if (reader) {
      auto expired = (*reader)->expired(trace_id);
      if (expired && expired->has_value()) {
        lookup.reason = NotFoundReason::kExpired;
        lookup.expired = **expired;
      }
    }
  }
  return lookup;
}

Result<std::vector<store::TraceRow>, std::string> TraceQueries::search(
    const store::SearchFilter& filter) {
  if (sources_.store == nullptr) {
    return Unexpected(std::string("the trace store is disabled"));
  }
  auto reader = sources_.store->acquire();
  if (!reader) {
    return Unexpected(reader.error().message);
  }
  auto rows = (*reader)->search(filter);
  if (!rows) {
    return Unexpected(rows.error().message);
  }
  return std::move(rows).value();
}

Result<std::vector<std::string>, std::string> TraceQueries::services() {
  if (sources_.store == nullptr) {
    return std::vector<std::string>{};
  }
  auto reader = sources_.store->acquire();
  if (!reader) {
    return Unexpected(reader.error().message);
  }
  auto names = (*reader)->services();
  if (!names) {
    return Unexpected(names.error().message);
  }
  return std::move(names).value();
}

Result<std::vector<std::string>, std::string> TraceQueries::operations(std::string_view service) {
  if (sources_.store == nullptr) {
    return std::vector<std::string>{};
  }
  auto reader = sources_.store->acquire();
  if (!reader) {
    return Unexpected(reader.error().message);
  }
  auto names = (*reader)->operations(service);
  if (!names) {
    return Unexpected(names.error().message);
  }
  return std::move(names).value();
}

}  // namespace stitch::query
