#include "core/decode/field_map.h"

#include <array>

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

constexpr std::array<std::uint8_t, kPresetSlotCount> kSlotPresets = [] {
  std::array<std::uint8_t, kPresetSlotCount> presets{};
  for (auto& p : presets) {
    p = kPresetAll;
  }
  constexpr std::uint8_t kC = kPresetCanonical;
  constexpr std::uint8_t kO = kPresetOtel;
  constexpr std::uint8_t kE = kPresetEcs;
  constexpr std::uint8_t kD = kPresetDatadog;
  presets[kTraceId] = kC | kO;
  presets[kTraceIdCamel] = kO;
  presets[kTraceIdEcs] = kE;
  presets[kTraceIdDd] = kD;
  presets[kDdTraceIdHigh] = kD;
  presets[kSpanId] = kC | kO;
  presets[kSpanIdCamel] = kO;
  presets[kSpanIdEcs] = kE;
  presets[kTransactionId] = kE;
  presets[kSpanIdDd] = kD;
  presets[kParentId] = kC;
  presets[kParentSpanId] = kC | kO;
  presets[kParentSpanIdCamel] = kO;
  presets[kParentIdEcs] = kE;
  presets[kTraceFlags] = kC | kO;
  presets[kDurationDd] = kD;
  return presets;
}();

}  // namespace

std::uint8_t slotPresets(Slot slot) noexcept {
  return slot < kPresetSlotCount ? kSlotPresets[slot] : kPresetAll;
}

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

std::uint64_t KeyTable::hashOf(std::string_view path) noexcept {
  // FNV-1a: keys are short, and this runs once per key of every record.
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (const char c : path) {
    h = (h ^ static_cast<unsigned char>(c)) * 0x100000001b3ULL;
  }
  return h ^ (h >> 32);
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
  const std::uint64_t hash = hashOf(path);
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

const KeyEntry* KeyTable::find(std::string_view path) const noexcept {
  const std::uint64_t hash = hashOf(path);
  for (std::uint64_t i = hash & mask_;; i = (i + 1) & mask_) {
    const std::uint16_t at = index_[i];
    if (at == 0) {
      return nullptr;
    }
    const KeyEntry& entry = entries_[at - 1];
    if (entry.hash == hash && entry.path == path) {
      return &entry;
    }
  }
}

}  // namespace stitch::decode::detail
