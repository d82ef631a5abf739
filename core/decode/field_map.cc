#include "core/decode/field_map.h"

#include <array>
#include <cstring>

namespace stitch::decode::detail {
namespace {

struct KeySpec {
  std::string_view path;
  Slot slot;
};

// Every key any preset reads. Dotted paths also match nested objects ({"trace":{"id":..}}),
// flat dotted keys ({"trace.id":..}) and any mix of the two.
constexpr KeySpec kPresetKeys[] = {
    {"traceparent", kTraceparent},
    {"tracestate", kTracestate},
    {"trace_id", kTraceId},
    {"traceId", kTraceIdCamel},
    {"trace.id", kTraceIdEcs},
    {"dd.trace_id", kTraceIdDd},
    {"_dd.p.tid", kDdTraceIdHigh},
    {"span_id", kSpanId},
    {"spanId", kSpanIdCamel},
    {"span.id", kSpanIdEcs},
    {"transaction.id", kTransactionId},
    {"dd.span_id", kSpanIdDd},
    {"parent_id", kParentId},
    {"parent_span_id", kParentSpanId},
    {"parentSpanId", kParentSpanIdCamel},
    {"parent.id", kParentIdEcs},
    {"trace_flags", kTraceFlags},
    {"traceFlags", kTraceFlags},
    {"flags", kTraceFlags},
    {"timeUnixNano", kTimeUnixNano},
    {"time_unix_nano", kTimeUnixNano},
    {"observedTimeUnixNano", kObservedTimeUnixNano},
    {"observed_time_unix_nano", kObservedTimeUnixNano},
    {"observed_timestamp", kObservedTimestamp},
    {"timestamp", kTimestamp},
    {"@timestamp", kAtTimestamp},
    {"time", kTime},
    {"ts", kTs},
    {"start_time", kStartTime},
    {"event.start", kStartTime},
    {"end_time", kEndTime},
    {"event.end", kEndTime},
    {"duration_ns", kDurationNs},
    {"event.duration", kDurationNs},
    {"duration_us", kDurationUs},
    {"duration_ms", kDurationMs},
    {"duration", kDurationDd},
    {"service", kService},
    {"service.name", kService},
    {"dd.service", kDdService},
    {"resource.service.name", kResourceService},
    {"resource.attributes.service.name", kResourceService},
    {"operation", kOperation},
    {"span.name", kSpanName},
    {"transaction.name", kTransactionName},
    {"name", kName},
    {"message", kMessage},
    {"msg", kMessage},
    {"body", kBody},
    {"body.stringValue", kBodyString},
    {"level", kLevel},
    {"severity", kLevel},
    {"levelname", kLevel},
    {"log.level", kLogLevel},
    {"severityText", kSeverityText},
    {"severity_text", kSeverityText},
    {"severityNumber", kSeverityNumber},
    {"severity_number", kSeverityNumber},
    {"status", kStatus},
    {"event.outcome", kEventOutcome},
    {"error", kError},
    {"err", kError},
    {"error.message", kErrorMessage},
    {"err.message", kErrorMessage},
    {"attributes", kAttributes},
    {"attrs", kAttributes},
    {"labels", kLabels},
    {"resource", kResource},
    {"hostname", kHostname},
    {"pid", kPid},
    {"ecs.version", kEcsVersion},
};

}  // namespace

bool slotTakesContainer(Slot slot) noexcept {
  switch (slot) {
    case kMessage:
    case kBody:
    case kError:
    case kAttributes:
    case kLabels:
    case kResource:
      return true;
    default:
      return slot >= kCustomFirst && slot < kSlotCount;
  }
}

namespace {

// The first / last min(8, size) bytes of `s` as an integer, zero-filled. Never reads outside
// `s` (the table is also built from std::strings without padding).
std::uint64_t headOf(std::string_view s) noexcept {
  std::uint64_t v = 0;
  if (s.size() >= 8) {
    std::memcpy(&v, s.data(), 8);
  } else {
    for (std::size_t i = 0; i < s.size(); ++i) {
      v |= static_cast<std::uint64_t>(static_cast<unsigned char>(s[i])) << (8 * i);
    }
  }
  return v;
}

std::uint64_t tailOf(std::string_view s) noexcept {
  return s.size() >= 8 ? headOf(s.substr(s.size() - 8)) : headOf(s);
}

}  // namespace

std::uint64_t KeyTable::hashOf(std::string_view path) noexcept {
  return hashParts(path.size(), headOf(path), tailOf(path));
}

const KeyEntry* KeyTable::find(std::string_view path) const noexcept {
  return probe(path, headOf(path), tailOf(path));
}

KeyTable::KeyTable(const CustomFieldPaths& fields) {
  std::size_t capacity = 256;
  index_.assign(capacity, 0);
  mask_ = capacity - 1;
  for (const KeySpec& spec : kPresetKeys) {
    addPath(spec.path, spec.slot, false);
  }
  const auto paths = fields.fields();
  for (std::size_t i = 0; i < paths.size(); ++i) {
    if (paths[i]->has_value() && !(*paths[i])->empty()) {
      addPath(**paths[i], static_cast<Slot>(kCustomFirst + i), true);
    }
  }
  // A custom error path may name an error object: its "message" is the error message, as for
  // the presets' "error" and "err".
  if (fields.error && !fields.error->empty()) {
    const std::string message = *fields.error + ".message";
    if (const KeyEntry* existing = find(message);
        existing == nullptr || existing->slot == kNoSlot) {
      addPath(message, kErrorMessage, false);
    }
  }
}

void KeyTable::addPath(std::string_view path, Slot slot, bool custom) {
  KeyEntry& entry = insert(path);
  (custom ? entry.custom : entry.slot) = slot;
  // Every proper prefix ending before a '.' is a branch to descend into.
  for (std::size_t dot = path.find('.'); dot != std::string_view::npos;
       dot = path.find('.', dot + 1)) {
    insert(path.substr(0, dot)).branch = true;
  }
}

KeyEntry& KeyTable::insert(std::string_view path) {
  const std::uint64_t head = headOf(path);
  const std::uint64_t tail = tailOf(path);
  const std::uint64_t hash = hashParts(path.size(), head, tail);
  for (std::uint64_t i = hash & mask_;; i = (i + 1) & mask_) {
    const std::uint16_t at = index_[i];
    if (at == 0) {
      if ((entries_.size() + 1) * 2 > index_.size()) {
        // Keep the load under one half: grow and re-insert (config time only).
        std::vector<KeyEntry> old = std::move(entries_);
        entries_.clear();
        index_.assign(index_.size() * 2, 0);
        mask_ = index_.size() - 1;
        for (KeyEntry& e : old) {
          KeyEntry& moved = insert(e.path);
          moved.slot = e.slot;
          moved.custom = e.custom;
          moved.branch = e.branch;
        }
        return insert(path);
      }
      KeyEntry entry;
      entry.path = std::string(path);
      entry.hash = hash;
      entry.head = head;
      entry.tail = tail;
      entries_.push_back(std::move(entry));
      index_[i] = static_cast<std::uint16_t>(entries_.size());
      return entries_.back();
    }
    KeyEntry& existing = entries_[at - 1];
    if (existing.hash == hash && existing.path == path) {
      return existing;
    }
  }
}

}  // namespace stitch::decode::detail
