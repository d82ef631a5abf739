#pragma once

// Internal to core/decode: the keys every preset reads, as one lookup table, so that a record's
// keys are looked up once whatever the preset (auto detection decides afterwards).

#include <array>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "core/decode/decode_config.h"

namespace stitch::decode::detail {

// Where a value found in a record goes. One slot per meaning; aliases share a slot.
enum Slot : std::uint8_t {
  // Trace context.
  kTraceparent,
  kTracestate,
  kTraceId,            // trace_id (canonical, OTel flat)
  kTraceIdCamel,       // traceId (OTLP JSON)
  kTraceIdEcs,         // trace.id
  kTraceIdDd,          // dd.trace_id (decimal or 32 hex)
  kDdTraceIdHigh,      // _dd.p.tid (16 hex: the upper 64 bits)
  kSpanId,             // span_id
  kSpanIdCamel,        // spanId
  kSpanIdEcs,          // span.id
  kTransactionId,      // transaction.id (ECS: the span id when span.id is absent)
  kSpanIdDd,           // dd.span_id (decimal)
  kParentId,           // parent_id (the guide: own span id unless span_id is present)
  kParentSpanId,       // parent_span_id
  kParentSpanIdCamel,  // parentSpanId
  kParentIdEcs,        // parent.id
  kTraceFlags,         // trace_flags, traceFlags, flags
  // Time.
  kTimeUnixNano,          // timeUnixNano, time_unix_nano
  kObservedTimeUnixNano,  // observedTimeUnixNano, observed_time_unix_nano
  kObservedTimestamp,     // observed_timestamp (OTel Python)
  kTimestamp,             // timestamp
  kAtTimestamp,           // @timestamp
  kTime,                  // time
  kTs,                    // ts
  kStartTime,             // start_time, event.start
  kEndTime,               // end_time, event.end
  kDurationNs,            // duration_ns, event.duration
  kDurationUs,            // duration_us
  kDurationMs,            // duration_ms
  kDurationDd,            // duration (Datadog: nanoseconds)
  // Names and text.
  kService,          // service (string), service.name
  kDdService,        // dd.service
  kResourceService,  // resource.service.name, resource.attributes.service.name (+ OTLP list)
  kOperation,        // operation
  kSpanName,         // span.name
  kTransactionName,  // transaction.name
  kName,             // name: the operation, or pino/bunyan's logger name
  kMessage,          // message, msg
  kBody,             // body (OTel)
  kBodyString,       // body.stringValue (OTLP AnyValue)
  kLevel,            // level, severity, levelname
  kLogLevel,         // log.level (ECS)
  kSeverityText,     // severityText, severity_text
  kSeverityNumber,   // severityNumber, severity_number
  kStatus,           // status
  kEventOutcome,     // event.outcome (ECS)
  kError,            // error, err: a message, a bool, or an object
  kErrorMessage,     // error.message, err.message
  kAttributes,       // attributes, attrs (object or OTLP list)
  kLabels,           // labels (ECS)
  kResource,         // resource
  // Detection signals only.
  kHostname,    // with pid: a pino/bunyan record, whose "name" is the logger
  kPid,         //
  kEcsVersion,  // ecs.version
  kPresetSlotCount,
  // CustomFieldPaths, in its declaration order.
  kCustomFirst = kPresetSlotCount,
  kSlotCount = kCustomFirst + CustomFieldPaths::kFieldCount,
  kNoSlot = 0xff,
};
static_assert(kSlotCount <= 128, "captures use a 128-bit presence mask");

// Custom slots by CustomFieldPaths field.
enum CustomField : std::uint8_t {
  kCustomTraceId = 0,
  kCustomSpanId,
  kCustomParentSpanId,
  kCustomTraceparent,
  kCustomTracestate,
  kCustomTraceFlags,
  kCustomService,
  kCustomOperation,
  kCustomTimestamp,
  kCustomStartTime,
  kCustomDurationMs,
  kCustomDurationNs,
  kCustomStatus,
  kCustomError,
  kCustomLevel,
  kCustomMessage,
  kCustomAttributes,
};
constexpr Slot customSlot(CustomField field) noexcept {
  return static_cast<Slot>(static_cast<int>(kCustomFirst) + static_cast<int>(field));
}

// Preset bits: which presets read a slot when the format is chosen explicitly.
inline constexpr std::uint8_t kPresetCanonical = 0x01;
inline constexpr std::uint8_t kPresetOtel = 0x02;
inline constexpr std::uint8_t kPresetEcs = 0x04;
inline constexpr std::uint8_t kPresetDatadog = 0x08;
inline constexpr std::uint8_t kPresetAll = 0x0f;

// The trace-context keys belong to their preset; every other key is read by all of them.
inline constexpr std::array<std::uint8_t, kSlotCount> kSlotPresets = [] {
  std::array<std::uint8_t, kSlotCount> presets{};
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
inline std::uint8_t slotPresets(Slot slot) noexcept {
  return kSlotPresets[slot];
}

// Whether an object or array found at the slot's path is captured (as its raw JSON text), or
// only walked (its keys may be other slots: "service" is a string, or an object with "name").
bool slotTakesContainer(Slot slot) noexcept;

struct KeyEntry {
  std::string path;
  std::uint64_t hash = 0;
  std::uint64_t head = 0;  // the first 8 bytes of path (zero-filled), compared before memcmp
  std::uint64_t tail = 0;  // the last 8 bytes of path (zero-filled)
  Slot slot = kNoSlot;
  Slot custom = kNoSlot;
  // Some registered path continues below this one: look up the keys of an object found here
  // (and the "key"s of an OTLP attribute list found here).
  bool branch = false;
};

// Open-addressing table from dotted path to entry. Built once per Decoder; read-only after.
class KeyTable {
public:
  // All preset keys plus the custom paths of `fields`.
  explicit KeyTable(const CustomFieldPaths& fields);

  const KeyEntry* find(std::string_view path) const noexcept;
  // As find(), for a path followed by at least 8 readable bytes (a key inside a padded line,
  // or the decoder's path buffer): no byte loops. The hot lookup of the decoder.
  inline const KeyEntry* findPadded(std::string_view path) const noexcept;
  std::size_t size() const noexcept { return entries_.size(); }

  // O(1) in the key's length: mixes the length with its first and last 8 bytes.
  static std::uint64_t hashOf(std::string_view path) noexcept;
  static std::uint64_t hashParts(std::size_t size,
                                 std::uint64_t head,
                                 std::uint64_t tail) noexcept {
    std::uint64_t h = (head * 0x9E3779B97F4A7C15ULL) ^ (tail * 0xC2B2AE3D27D4EB4FULL) ^ size;
    h ^= h >> 29;
    h *= 0xBF58476D1CE4E5B9ULL;
    return h ^ (h >> 32);
  }

private:
  const KeyEntry* probe(std::string_view path,
                        std::uint64_t head,
                        std::uint64_t tail) const noexcept {
    const std::uint64_t hash = hashParts(path.size(), head, tail);
    for (std::uint64_t i = hash & mask_;; i = (i + 1) & mask_) {
      const std::uint16_t at = index_[i];
      if (at == 0) {
        return nullptr;
      }
      const KeyEntry& entry = entries_[at - 1];
      if (entry.hash == hash && entry.head == head && entry.tail == tail &&
          entry.path.size() == path.size() &&
          (path.size() <= 16 ||
           std::memcmp(entry.path.data() + 8, path.data() + 8, path.size() - 16) == 0)) {
        return &entry;  // up to 16 bytes, head and tail cover every byte
      }
    }
  }
  KeyEntry& insert(std::string_view path);
  void addPath(std::string_view path, Slot slot, bool custom);
  std::vector<KeyEntry> entries_;
  std::vector<std::uint16_t> index_;  // entry index + 1; 0 = empty
  std::uint64_t mask_ = 0;
};

inline const KeyEntry* KeyTable::findPadded(std::string_view path) const noexcept {
  const std::size_t n = path.size();
  std::uint64_t head;
  std::memcpy(&head, path.data(), 8);
  if (n < 8) {
    head &= (std::uint64_t{1} << (8 * n)) - 1;
    return probe(path, head, head);
  }
  std::uint64_t tail;
  std::memcpy(&tail, path.data() + n - 8, 8);
  return probe(path, head, tail);
}

}  // namespace stitch::decode::detail
