#include "core/query/terminal_tree.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "core/query/time_format.h"

namespace stitch::query {
namespace {

constexpr std::string_view kRed = "\x1b[31m";
constexpr std::string_view kYellow = "\x1b[33m";
constexpr std::string_view kDim = "\x1b[2m";
constexpr std::string_view kBold = "\x1b[1m";
constexpr std::string_view kReset = "\x1b[0m";

constexpr double kShowShare = 0.5;  // shares below this are not worth a note
constexpr double kLoudShare = 0.8;  // "!": this child is where the parent's time goes

class Painter {
public:
  Painter(std::string& out, bool color) : out_(out), color_(color) {}
  void text(std::string_view s) { out_ += s; }
  void colored(std::string_view code, std::string_view s) {
    if (color_) {
      out_ += code;
      out_ += s;
      out_ += kReset;
    } else {
      out_ += s;
    }
  }

private:
  std::string& out_;
  bool color_;
};

// "+170ms" from the trace's start.
std::string offsetFrom(TimestampNs start, TimestampNs t) {
  std::string text = formatDurationShort(t - start);
  text.insert(text.begin(), '+');
  return text;
}

void logLine(Painter& p, const std::string& prefix, const LogView& log, TimestampNs trace_start) {
  p.text(prefix);
  p.text("· ");
  std::string line = offsetFrom(trace_start, log.time_ns);
  if (!log.severity.empty()) {
    line += " " + log.severity;
  }
  if (!log.message.empty()) {
    line += " " + log.message;
  }
  if (!log.error_text.empty() && log.error_text != log.message) {
    line += " (" + log.error_text + ")";
  }
  if (log.error) {
    p.colored(kRed, line);
  } else {
    p.text(line);
  }
  p.text("\n");
}

void spanLines(Painter& p,
               const TraceView& view,
               std::int32_t index,
               const std::string& prefix,
               bool last,
               bool root,
               const TreeStyle& style) {
  const SpanView& span = view.spans[index];
  p.text(prefix);
  p.text(last ? "└─ " : "├─ ");

  std::string label = span.service.empty() ? std::string("?") : span.service;
  label += " (" + (span.operation.empty() ? std::string("?") : span.operation) + ") ";
  label += formatDurationShort(span.duration_ns);
  if (root && (span.flags & trace::span_flag::kOrphan) == 0) {
    label += " total";
  }
  if (span.error) {
    p.colored(kRed, label);
  } else {
    p.text(label);
  }

  if (span.share_of_parent >= kShowShare && span.parent_span_id.size() > 0 &&
      (span.flags & trace::span_flag::kOrphan) == 0) {
    // Floor, like the guide (40 of 60 ms is 66%); a child far longer than its parent (clock
    // skew) is capped rather than overflowing the integer.
    const double share = std::min(span.share_of_parent, 1e12);
    const auto percent = static_cast<std::int64_t>(std::floor(share * 100));
    std::string parent_service;
    for (const SpanView& candidate : view.spans) {
      if (candidate.span_id == span.parent_span_id) {
        parent_service = candidate.service;
        break;
      }
    }
    std::string note = fmt::format(" ← {}% of {} time", percent, parent_service);
    if (span.share_of_parent >= kLoudShare) {
      note += "!";
      p.colored(kYellow, note);
    } else {
      p.text(note);
    }
  }
  if (span.error) {
    p.colored(kRed, span.error_message.empty() ? " ✗" : " ✗ " + span.error_message);
  }
  std::string notes;
  if ((span.flags & trace::span_flag::kOrphan) != 0) {
    notes += " (orphan: parent " + span.parent_span_id + " never arrived)";
  }
  if ((span.flags & trace::span_flag::kSynthetic) != 0) {
    notes += " (no span record: from its logs)";
  }
  if (span.duplicates > 0) {
    notes += fmt::format(" ({} span records)", span.duplicates + 1);
  }
  if ((span.flags & trace::span_flag::kCycle) != 0) {
    notes += " (parent cycle cut here)";
  }
  if (!notes.empty()) {
    p.colored(kYellow, notes);
  }
  p.text("\n");

  const std::string child_prefix = prefix + (last ? "  " : "│ ");
  if (style.logs) {
    const std::string log_prefix = child_prefix + (span.children.empty() ? "  " : "│ ");
    for (const LogView& log : span.logs) {
      logLine(p, log_prefix, log, view.summary.start_ns);
    }
  }
  for (std::size_t i = 0; i < span.children.size(); ++i) {
    spanLines(p, view, span.children[i], child_prefix, i + 1 == span.children.size(), false, style);
  }
}

}  // namespace

std::string renderTerminalTree(const TraceView& view, const TreeStyle& style) {
  std::string out;
  Painter p(out, style.color);
  p.text("Trace ");
  p.colored(kBold, view.trace_id);
  std::string header = " (";
  if (view.state == TraceState::kPending) {
    header += "pending";
  } else if (view.decision && !view.decision->policy.empty()) {
    header += "kept by " + view.decision->policy;
  } else {
    header += "kept";
  }
  header += fmt::format(", {} span{}, {}", view.summary.span_count,
                        view.summary.span_count == 1 ? "" : "s",
                        formatDurationShort(view.summary.duration_ns));
  header += "):\n";
  p.text(header);
  for (std::size_t i = 0; i < view.roots.size(); ++i) {
    spanLines(p, view, view.roots[i], "", i + 1 == view.roots.size(), true, style);
  }
  if (view.roots.empty()) {
    p.colored(kDim, "(no spans)\n");
  }
  if (!view.trace_logs.empty()) {
    p.text("Trace logs:\n");
    for (const LogView& log : view.trace_logs) {
      logLine(p, "  ", log, view.summary.start_ns);
    }
  }
  if (!view.warnings.empty()) {
    p.text("Warnings:\n");
    for (const std::string& warning : view.warnings) {
      p.text("  ");
      p.colored(kYellow, "! " + warning);
      p.text("\n");
    }
  }
  return out;
}

}  // namespace stitch::query
