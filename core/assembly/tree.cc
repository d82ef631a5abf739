#include "core/assembly/tree.h"

#include <algorithm>
#include <string>
#include <string_view>

#include "core/tracecontext/ids.h"

namespace stitch::assembly {
namespace {

using trace::Span;
using trace::TraceTree;
namespace span_flag = trace::span_flag;

constexpr std::uint8_t kSeverityError = 17;

std::string hexId(std::uint64_t id) {
  return tracecontext::SpanId{id}.hex();
}

TimestampNs spanEnd(const Span& span) noexcept {
  return span.start_ns + span.duration_ns;
}

}  // namespace

std::int32_t TreeBuilder::findSpan(std::uint64_t span_id) const noexcept {
  for (std::size_t i = tracecontext::mix64(span_id) & mask_;; i = (i + 1) & mask_) {
    if (slots_[i].span_id == span_id) {
      return slots_[i].index;
    }
    if (slots_[i].span_id == 0) {
      return -1;
    }
  }
}

void TreeBuilder::insertSpan(std::uint64_t span_id, std::int32_t index) noexcept {
  std::size_t i = tracecontext::mix64(span_id) & mask_;
  while (slots_[i].span_id != 0) {
    i = (i + 1) & mask_;
  }
  slots_[i] = SpanSlot{span_id, index};
}

TraceTree TreeBuilder::build(std::span<const record::RecordPtr> records) {
  TraceTree tree;
  const std::size_t n = records.size();
  std::size_t capacity = 16;
  while (capacity < 2 * n) {
    capacity *= 2;
  }
  slots_.assign(capacity, SpanSlot{0, -1});
  mask_ = capacity - 1;
  tree.spans.reserve(n);

  // Span records first, in arrival order: the first record of a span id is the span.
  for (std::size_t i = 0; i < n; ++i) {
    const record::Record& r = *records[i];
    if (!r.isSpan() || !r.span_id.isValid()) {
      continue;
    }
    const std::int32_t found = findSpan(r.span_id.value);
    if (found >= 0) {
      Span& span = tree.spans[static_cast<std::size_t>(found)];
      if (span.duplicates.empty()) {
        tree.warnings.push_back("span " + hexId(span.span_id.value) +
                                ": more than one span record has this id; the first is kept");
      }
      span.duplicates.push_back(static_cast<std::int32_t>(i));
      span.flags |= span_flag::kDuplicate;
      continue;
    }
    Span span;
    span.span_id = r.span_id;
    span.parent_span_id = r.parent_span_id;
    span.record = static_cast<std::int32_t>(i);
    span.start_ns = recordStartNs(r);
    span.duration_ns = r.duration_ns;
    insertSpan(r.span_id.value, static_cast<std::int32_t>(tree.spans.size()));
    tree.spans.push_back(std::move(span));
  }

  // Log events: attached to their span, which is synthetic when no span record named it.
  for (std::size_t i = 0; i < n; ++i) {
    const record::Record& r = *records[i];
    if (r.isSpan() && r.span_id.isValid()) {
      continue;
    }
    if (!r.span_id.isValid()) {
      tree.trace_events.push_back(static_cast<std::int32_t>(i));
      continue;
    }
    std::int32_t index = findSpan(r.span_id.value);
    if (index < 0) {
      Span span;
      span.span_id = r.span_id;
      span.parent_span_id = r.parent_span_id;
      span.start_ns = r.timestamp_ns;
      span.flags = span_flag::kSynthetic;
      index = static_cast<std::int32_t>(tree.spans.size());
      insertSpan(r.span_id.value, index);
      tree.spans.push_back(std::move(span));
    } else {
      Span& span = tree.spans[static_cast<std::size_t>(index)];
      if ((span.flags & span_flag::kSynthetic) != 0) {
        const TimestampNs end = std::max(spanEnd(span), r.timestamp_ns);
        span.start_ns = std::min(span.start_ns, r.timestamp_ns);
        span.duration_ns = end - span.start_ns;
        if (!span.parent_span_id.isValid()) {
          span.parent_span_id = r.parent_span_id;
        }
      }
    }
    tree.spans[static_cast<std::size_t>(index)].events.push_back(static_cast<std::int32_t>(i));
  }

  const std::size_t span_count = tree.spans.size();
  // Parent links.
  for (std::size_t i = 0; i < span_count; ++i) {
    Span& span = tree.spans[i];
    if (!span.parent_span_id.isValid()) {
      continue;
    }
    if (span.parent_span_id == span.span_id) {
      span.flags |= span_flag::kCycle;
      tree.warnings.push_back("span " + hexId(span.span_id.value) +
                              ": names itself as its parent; made a root");
      continue;
    }
    const std::int32_t parent = findSpan(span.parent_span_id.value);
    if (parent < 0) {
      span.flags |= span_flag::kOrphan;
      tree.warnings.push_back("span " + hexId(span.span_id.value) + ": parent " +
                              hexId(span.parent_span_id.value) +
                              " never arrived; kept as an orphan root");
      continue;
    }
    span.parent = parent;
  }

  // Cycles: each span has at most one parent, so walking parent links from every span finds
  // every loop; each loop is cut once, at its earliest-starting span.
  state_.assign(span_count, 0);  // 0 unvisited, 1 on the current walk, 2 done
  for (std::size_t start = 0; start < span_count; ++start) {
    stack_.clear();
    std::int32_t at = static_cast<std::int32_t>(start);
    while (at >= 0 && state_[static_cast<std::size_t>(at)] == 0) {
      state_[static_cast<std::size_t>(at)] = 1;
      stack_.push_back(at);
      at = tree.spans[static_cast<std::size_t>(at)].parent;
    }
    if (at >= 0 && state_[static_cast<std::size_t>(at)] == 1) {
      const auto loop_begin = std::find(stack_.begin(), stack_.end(), at);
      std::int32_t cut = *loop_begin;
      for (auto it = loop_begin; it != stack_.end(); ++it) {
        const Span& candidate = tree.spans[static_cast<std::size_t>(*it)];
        const Span& best = tree.spans[static_cast<std::size_t>(cut)];
        if (candidate.start_ns < best.start_ns ||
            (candidate.start_ns == best.start_ns && candidate.span_id < best.span_id)) {
          cut = *it;
        }
      }
      Span& cut_span = tree.spans[static_cast<std::size_t>(cut)];
      cut_span.parent = -1;
      cut_span.flags |= span_flag::kCycle;
      tree.warnings.push_back("span " + hexId(cut_span.span_id.value) +
                              ": its parent chain loops; cut here and made a root");
    }
    for (const std::int32_t done : stack_) {
      state_[static_cast<std::size_t>(done)] = 2;
    }
  }

  // Children, roots and their order. Counting first gives every child list one exact
  // allocation instead of a growing one.
  std::vector<std::int32_t> orphans;
  counts_.assign(span_count, 0);
  for (std::size_t i = 0; i < span_count; ++i) {
    if (tree.spans[i].parent >= 0) {
      ++counts_[static_cast<std::size_t>(tree.spans[i].parent)];
    }
  }
  for (std::size_t i = 0; i < span_count; ++i) {
    if (counts_[i] > 0) {
      tree.spans[i].children.reserve(counts_[i]);
    }
  }
  for (std::size_t i = 0; i < span_count; ++i) {
    const std::int32_t parent = tree.spans[i].parent;
    if (parent >= 0) {
      tree.spans[static_cast<std::size_t>(parent)].children.push_back(static_cast<std::int32_t>(i));
    } else if (!tree.spans[i].parent_span_id.isValid()) {
      tree.roots.push_back(static_cast<std::int32_t>(i));
    } else {
      orphans.push_back(static_cast<std::int32_t>(i));
    }
  }
  // Total orders (ties broken by index, i.e. arrival) so that plain std::sort is
  // deterministic: std::stable_sort would allocate a buffer on every call.
  const auto by_start = [&tree](std::int32_t a, std::int32_t b) {
    const TimestampNs sa = tree.spans[static_cast<std::size_t>(a)].start_ns;
    const TimestampNs sb = tree.spans[static_cast<std::size_t>(b)].start_ns;
    return sa < sb || (sa == sb && a < b);
  };
  const auto by_time = [&records](std::int32_t a, std::int32_t b) {
    const TimestampNs ta = records[static_cast<std::size_t>(a)]->timestamp_ns;
    const TimestampNs tb = records[static_cast<std::size_t>(b)]->timestamp_ns;
    return ta < tb || (ta == tb && a < b);
  };
  std::sort(tree.roots.begin(), tree.roots.end(), by_start);
  std::sort(orphans.begin(), orphans.end(), by_start);
  tree.roots.insert(tree.roots.end(), orphans.begin(), orphans.end());
  std::sort(tree.trace_events.begin(), tree.trace_events.end(), by_time);

  for (Span& span : tree.spans) {
    if (span.children.size() > 1) {
      std::sort(span.children.begin(), span.children.end(), by_start);
    }
    if (span.events.size() > 1) {
      std::sort(span.events.begin(), span.events.end(), by_time);
    }
    // Self time: the span minus the union of its children's intervals clipped to it.
    const TimestampNs begin = span.start_ns;
    const TimestampNs end = spanEnd(span);
    TimestampNs covered = 0;
    TimestampNs run_begin = 0;
    TimestampNs run_end = 0;
    bool in_run = false;
    for (const std::int32_t c : span.children) {  // by start already
      const Span& child = tree.spans[static_cast<std::size_t>(c)];
      const TimestampNs child_begin = std::max(child.start_ns, begin);
      const TimestampNs child_end = std::min(spanEnd(child), end);
      if (child_end <= child_begin) {
        continue;
      }
      if (in_run && child_begin <= run_end) {
        run_end = std::max(run_end, child_end);
      } else {
        if (in_run) {
          covered += run_end - run_begin;
        }
        run_begin = child_begin;
        run_end = child_end;
        in_run = true;
      }
    }
    if (in_run) {
      covered += run_end - run_begin;
    }
    span.self_ns = std::max<std::int64_t>(0, span.duration_ns - covered);
  }

  // Depths and shares, from the roots down (iteratively: traces can be deep).
  stack_.clear();
  for (const std::int32_t root : tree.roots) {
    tree.spans[static_cast<std::size_t>(root)].depth = 0;
    stack_.push_back(root);
  }
  while (!stack_.empty()) {
    const std::int32_t at = stack_.back();
    stack_.pop_back();
    const Span& parent = tree.spans[static_cast<std::size_t>(at)];
    for (const std::int32_t c : parent.children) {
      Span& child = tree.spans[static_cast<std::size_t>(c)];
      child.depth = parent.depth + 1;
      child.share_of_parent = parent.duration_ns > 0 ? static_cast<double>(child.duration_ns) /
                                                           static_cast<double>(parent.duration_ns)
                                                     : -1.0;
      stack_.push_back(c);
    }
  }

  // The trace's time range over spans and trace-level events.
  bool first = true;
  const auto extend = [&](TimestampNs begin, TimestampNs end) {
    if (first) {
      tree.start_ns = begin;
      tree.end_ns = end;
      first = false;
    } else {
      tree.start_ns = std::min(tree.start_ns, begin);
      tree.end_ns = std::max(tree.end_ns, end);
    }
  };
  for (const Span& span : tree.spans) {
    extend(span.start_ns, spanEnd(span));
  }
  for (const std::int32_t e : tree.trace_events) {
    const TimestampNs at = records[static_cast<std::size_t>(e)]->timestamp_ns;
    extend(at, at);
  }
  return tree;
}

trace::TraceTree buildTree(std::span<const record::RecordPtr> records) {
  TreeBuilder builder;
  return builder.build(records);
}

trace::TraceSummary summarize(const trace::TraceTree& tree,
                              std::span<const record::RecordPtr> records) {
  TreeBuilder builder;
  return builder.summarize(tree, records);
}

trace::TraceSummary TreeBuilder::summarize(const trace::TraceTree& tree,
                                           std::span<const record::RecordPtr> records) {
  trace::TraceSummary summary;
  summary.start_ns = tree.start_ns;
  summary.duration_ns = tree.end_ns - tree.start_ns;
  summary.span_count = static_cast<std::uint32_t>(tree.spans.size());
  summary.record_count = static_cast<std::uint32_t>(records.size());

  const record::Record* root = nullptr;
  if (!tree.roots.empty()) {
    const Span& span = tree.spans[static_cast<std::size_t>(tree.roots.front())];
    if (span.record >= 0) {
      root = records[static_cast<std::size_t>(span.record)].get();
    } else if (!span.events.empty()) {
      root = records[static_cast<std::size_t>(span.events.front())].get();
    }
  } else if (!tree.trace_events.empty()) {
    root = records[static_cast<std::size_t>(tree.trace_events.front())].get();
  }
  if (root != nullptr) {
    summary.root_service = std::string(root->serviceName());
    summary.root_operation = std::string(root->operationName());
  }

  names_.clear();
  for (const record::RecordPtr& r : records) {
    summary.bytes += r->raw().size();
    if (r->status == record::Status::kError || r->severity_number >= kSeverityError) {
      summary.error = true;
    }
    if (!r->service.empty()) {
      names_.push_back(r->serviceName());
    }
  }
  std::sort(names_.begin(), names_.end());
  names_.erase(std::unique(names_.begin(), names_.end()), names_.end());
  summary.services.assign(names_.begin(), names_.end());
  return summary;
}

int percentOfParent(const trace::Span& span) noexcept {
  if (span.share_of_parent < 0) {
    return -1;
  }
  // A tiny epsilon so that 0.66999999 (from 40/60 computed in floating point) does not read 66
  // where the exact ratio is 67, while 40/60 = 0.666.. still reads 66 as in the guide.
  return static_cast<int>(span.share_of_parent * 100.0 + 1e-9);
}

}  // namespace stitch::assembly
