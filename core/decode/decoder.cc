#include "core/decode/decoder.h"

#include <array>
#include <bit>
#include <cstring>
#include <initializer_list>
#include <optional>

#include <simdjson.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "core/decode/field_map.h"
#include "core/decode/number.h"
#include "core/decode/severity.h"
#include "core/decode/timestamp.h"
#include "core/tracecontext/traceparent.h"
#include "core/tracecontext/tracestate.h"

namespace stitch::decode {

static_assert(kPadding == simdjson::SIMDJSON_PADDING, "decoder.h's kPadding must match simdjson");

namespace od = simdjson::ondemand;
using namespace detail;  // NOLINT: the slot names read better unqualified here
using record::ContextProblem;
using record::Format;
using record::RecordFields;
using record::RecordPtr;
using record::Status;
using tracecontext::SpanId;
using tracecontext::TraceId;

std::string_view reasonName(DecodeError error) noexcept {
  switch (error) {
    case DecodeError::kEmpty:
      return "empty";
    case DecodeError::kTooLarge:
      return "too_large";
    case DecodeError::kTooDeep:
      return "too_deep";
    case DecodeError::kNotAnObject:
      return "not_an_object";
    case DecodeError::kMalformedJson:
      return "malformed_json";
    case DecodeError::kInvalidUtf8:
      return "invalid_utf8";
    case DecodeError::kInternal:
      return "internal";
  }
  return "unknown";
}

void DecodeStats::add(const DecodeStats& o) noexcept {
  lines += o.lines;
  bytes += o.bytes;
  blank_lines += o.blank_lines;
  records += o.records;
  traced += o.traced;
  untraced += o.untraced;
  kept_untraced += o.kept_untraced;
  dropped += o.dropped;
  dead_lettered += o.dead_lettered;
  for (std::size_t i = 0; i < errors.size(); ++i) {
    errors[i] += o.errors[i];
  }
  for (std::size_t i = 0; i < context_problems.size(); ++i) {
    context_problems[i] += o.context_problems[i];
  }
  for (std::size_t i = 0; i < traceparent_errors.size(); ++i) {
    traceparent_errors[i] += o.traceparent_errors[i];
  }
  for (std::size_t i = 0; i < tracestate_errors.size(); ++i) {
    tracestate_errors[i] += o.tracestate_errors[i];
  }
  for (std::size_t i = 0; i < formats.size(); ++i) {
    formats[i] += o.formats[i];
  }
  traceparent_conflicts += o.traceparent_conflicts;
  timestamps_missing += o.timestamps_missing;
  timestamps_bad += o.timestamps_bad;
  durations_invalid += o.durations_invalid;
  trace_flags_invalid += o.trace_flags_invalid;
}

namespace {

// The JSON type of a captured value (kInvalid: reading it failed).
enum class Kind : std::uint8_t {
  kString,
  kNumber,
  kTrue,
  kFalse,
  kNull,
  kObject,
  kArray,
  kInvalid
};

// A value found at a slot's path. text() is a string's content (unescaped), a scalar's token,
// or a container's raw JSON; it points into the line or into the parser's string buffer, both
// valid until the record is built. Two 64-bit words without padding, so that it travels in two
// registers and copies as two whole words: copies of a just-written capture through memory,
// with padding bytes in it, stalled store forwarding in the hot loop (seen with perf).
struct Capture {
  const char* data = nullptr;
  std::uint64_t size_and_kind = static_cast<std::uint64_t>(Kind::kNull) << 32;

  static Capture make(Kind kind, std::string_view text) noexcept {
    return {text.data(), text.size() | (static_cast<std::uint64_t>(kind) << 32)};
  }
  Kind kind() const noexcept { return static_cast<Kind>(size_and_kind >> 32); }
  std::uint32_t size() const noexcept { return static_cast<std::uint32_t>(size_and_kind); }
  std::string_view text() const noexcept { return {data, size()}; }
};
static_assert(sizeof(Capture) == 16);

constexpr bool isJsonSpace(char c) noexcept {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

std::string_view trimRight(std::string_view s) noexcept {
  while (!s.empty() && isJsonSpace(s.back())) {
    s.remove_suffix(1);
  }
  return s;
}

std::string_view trimLeft(std::string_view s) noexcept {
  while (!s.empty() && isJsonSpace(s.front())) {
    s.remove_prefix(1);
  }
  return s;
}

constexpr std::string_view kUtf8Bom = "\xEF\xBB\xBF";

#if !defined(__SSE2__)
// A mask with the high bit set in each byte of `word` that equals `c` (exact: the classic
// "has zero byte" test on word ^ c, with the borrow masked so no false positives occur).
constexpr std::uint64_t byteMatches(std::uint64_t word, char c) noexcept {
  constexpr std::uint64_t kLow7 = 0x7F7F7F7F7F7F7F7FULL;
  const std::uint64_t x = word ^ (0x0101010101010101ULL * static_cast<unsigned char>(c));
  return ~(((x & kLow7) + kLow7) | x | kLow7);
}
#endif

// The first '"' or '\\' at or after `p`, which lies inside a string of the line that simdjson
// has checked to be closed: the scan stops inside the line, and reads past the stop (up to 15
// bytes) stay inside the line's padding. SSE2 (every x86-64) or 8-byte words elsewhere.
const char* findQuoteOrBackslash(const char* p) noexcept {
#if defined(__SSE2__)
  const __m128i quote = _mm_set1_epi8('"');
  const __m128i backslash = _mm_set1_epi8('\\');
  for (;; p += 16) {
    const __m128i block = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    const int stops = _mm_movemask_epi8(
        _mm_or_si128(_mm_cmpeq_epi8(block, quote), _mm_cmpeq_epi8(block, backslash)));
    if (stops != 0) {
      return p + std::countr_zero(static_cast<unsigned>(stops));
    }
  }
#else
  for (;; p += 8) {
    std::uint64_t word;
    std::memcpy(&word, p, 8);
    const std::uint64_t stops = byteMatches(word, '"') | byteMatches(word, '\\');
    if (stops != 0) {
      return p + std::countr_zero(stops) / 8;
    }
  }
#endif
}

DecodeError fromSimdjson(simdjson::error_code error) noexcept {
  switch (error) {
    case simdjson::UTF8_ERROR:
      return DecodeError::kInvalidUtf8;
    case simdjson::DEPTH_ERROR:
      return DecodeError::kTooDeep;
    case simdjson::EMPTY:
      return DecodeError::kEmpty;
    case simdjson::CAPACITY:
      return DecodeError::kTooLarge;
    case simdjson::MEMALLOC:
      return DecodeError::kInternal;
    default:
      return DecodeError::kMalformedJson;
  }
}

constexpr char toLower(char c) noexcept {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

bool equalsIgnoreCase(std::string_view a, std::string_view lower) noexcept {
  if (a.size() != lower.size()) {
    return false;
  }
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (toLower(a[i]) != lower[i]) {
      return false;
    }
  }
  return true;
}

bool isAllDigits(std::string_view s) noexcept {
  if (s.empty()) {
    return false;
  }
  for (const char c : s) {
    if (c < '0' || c > '9') {
      return false;
    }
  }
  return true;
}

// The outcome of reading one id field.
enum class IdState : std::uint8_t { kAbsent, kValid, kZero, kInvalid };

IdState hexTraceId(const Capture& c, bool allow_0x, TraceId& out) noexcept {
  if (c.kind() != Kind::kString) {
    return IdState::kInvalid;
  }
  std::string_view text = c.text();
  if (allow_0x && text.starts_with("0x")) {
    text.remove_prefix(2);
  }
  const std::optional<TraceId> id = TraceId::fromHex(text);
  if (!id) {
    return IdState::kInvalid;
  }
  out = *id;
  return id->isValid() ? IdState::kValid : IdState::kZero;
}

IdState hexSpanId(const Capture& c, bool allow_0x, SpanId& out) noexcept {
  if (c.kind() != Kind::kString) {
    return IdState::kInvalid;
  }
  std::string_view text = c.text();
  if (allow_0x && text.starts_with("0x")) {
    text.remove_prefix(2);
  }
  const std::optional<SpanId> id = SpanId::fromHex(text);
  if (!id) {
    return IdState::kInvalid;
  }
  out = *id;
  return id->isValid() ? IdState::kValid : IdState::kZero;
}

// Datadog writes 64-bit ids as unsigned decimal, in a string or as a JSON number.
std::optional<std::uint64_t> datadogDecimal(const Capture& c) noexcept {
  if (c.kind() != Kind::kString && c.kind() != Kind::kNumber) {
    return std::nullopt;
  }
  return parseUnsignedDecimal(c.text());
}

// dd.trace_id: the low 64 bits in decimal, with the high 64 bits from _dd.p.tid (16 hex) when
// present, else zero; or all 128 bits as 32 hex (dd-trace's 128-bit log injection).
IdState datadogTraceId(const Capture& c, const Capture* high, TraceId& out) noexcept {
  if (c.kind() == Kind::kString && c.text().size() == tracecontext::kTraceIdHexSize) {
    return hexTraceId(c, false, out);
  }
  const std::optional<std::uint64_t> low = datadogDecimal(c);
  if (!low) {
    return IdState::kInvalid;
  }
  TraceId id;
  id.lo = *low;
  if (high != nullptr) {
    if (high->kind() != Kind::kString || high->text().size() != tracecontext::kSpanIdHexSize ||
        !hex::decodeU64(high->text().data(), id.hi)) {
      return IdState::kInvalid;
    }
  }
  out = id;
  return id.isValid() ? IdState::kValid : IdState::kZero;
}

IdState datadogSpanId(const Capture& c, SpanId& out) noexcept {
  const std::optional<std::uint64_t> value = datadogDecimal(c);
  if (!value) {
    return IdState::kInvalid;
  }
  out.value = *value;
  return *value != 0 ? IdState::kValid : IdState::kZero;
}

// trace-flags as a number (0..255; OTLP's 32-bit flags field keeps its low 8 bits) or as 1..2
// hex digits ("01").
std::optional<std::uint8_t> traceFlags(const Capture& c, bool otlp_field) noexcept {
  if (c.kind() == Kind::kNumber) {
    const std::optional<std::int64_t> v = scaleDecimal(c.text(), 1);
    if (!v || *v < 0 || c.text().find_first_of(".eE") != std::string_view::npos) {
      return std::nullopt;
    }
    if (*v <= 0xff || (otlp_field && *v <= 0xffffffff)) {
      return static_cast<std::uint8_t>(*v & 0xff);
    }
    return std::nullopt;
  }
  if (c.kind() == Kind::kString && (c.text().size() == 1 || c.text().size() == 2)) {
    std::uint8_t value = 0;
    for (const char ch : c.text()) {
      const std::uint8_t d = hex::kLowerDigitValue[static_cast<unsigned char>(toLower(ch))];
      if (d == 0xff) {
        return std::nullopt;
      }
      value = static_cast<std::uint8_t>(value << 4 | d);
    }
    return value;
  }
  return std::nullopt;
}

// A span status word: ok/error/unset in any case, also OpenTelemetry's STATUS_CODE_* names.
std::optional<Status> statusWord(std::string_view text) noexcept {
  std::string_view t = text;
  if (t.size() > 12 && equalsIgnoreCase(t.substr(0, 12), "status_code_")) {
    t.remove_prefix(12);
  }
  if (equalsIgnoreCase(t, "ok")) {
    return Status::kOk;
  }
  if (equalsIgnoreCase(t, "error")) {
    return Status::kError;
  }
  if (equalsIgnoreCase(t, "unset")) {
    return Status::kUnset;
  }
  return std::nullopt;
}

// The status an HTTP status code implies: 5xx is a server error, anything else says nothing
// about the span (OpenTelemetry's HTTP semantic conventions for server spans).
Status httpStatus(std::string_view digits) noexcept {
  const std::optional<std::int64_t> code = scaleDecimal(digits, 1);
  return code && *code >= 500 && *code <= 599 ? Status::kError : Status::kUnset;
}

}  // namespace

// Threading: owned by one Decoder, used by its thread only.
class Decoder::Impl {
public:
  explicit Impl(DecodeConfig config)
      : config_(std::move(config)),
        table_(config_.fields),
        parser_(config_.max_record_bytes + kPadding) {
    if (config_.max_depth < 1) {
      config_.max_depth = 1;
    }
    switch (config_.format) {
      case InputFormat::kCanonical:
        preset_mask_ = kPresetCanonical;
        explicit_format_ = Format::kCanonical;
        break;
      case InputFormat::kOtel:
        preset_mask_ = kPresetOtel;
        explicit_format_ = Format::kOtel;
        break;
      case InputFormat::kEcs:
        preset_mask_ = kPresetEcs;
        explicit_format_ = Format::kEcs;
        break;
      case InputFormat::kDatadog:
        preset_mask_ = kPresetDatadog;
        explicit_format_ = Format::kDatadog;
        break;
      case InputFormat::kAuto:
      case InputFormat::kCustom:
        preset_mask_ = kPresetAll;
        explicit_format_ = Format::kUnknown;
        break;
    }
  }

  const DecodeConfig& config() const noexcept { return config_; }

  // `line` has no newline and no BOM and is not blank.
  Result<RecordPtr, DecodeError> decode(std::string_view line,
                                        TimestampNs received_ns,
                                        DecodeStats& stats);

private:
  static constexpr std::size_t kPathCapacity = 256;

  bool fail(DecodeError error) noexcept {
    error_ = error;
    return false;
  }
  bool fail(simdjson::error_code error) noexcept { return fail(fromSimdjson(error)); }

  bool has(Slot slot) const noexcept { return (present_[slot >> 6] >> (slot & 63)) & 1U; }
  const Capture* get(Slot slot) const noexcept { return has(slot) ? &captures_[slot] : nullptr; }
  const Capture* first(std::initializer_list<Slot> slots) const noexcept {
    for (const Slot slot : slots) {
      if (has(slot)) {
        return &captures_[slot];
      }
    }
    return nullptr;
  }
  const Capture* custom(CustomField field) const noexcept { return get(customSlot(field)); }
  // The first of `slots` holding a string, number or bool (not an object or array).
  const Capture* firstScalar(std::initializer_list<Slot> slots) const noexcept {
    for (const Slot slot : slots) {
      if (has(slot) && captures_[slot].kind() != Kind::kObject &&
          captures_[slot].kind() != Kind::kArray) {
        return &captures_[slot];
      }
    }
    return nullptr;
  }

  void put(Slot slot, Capture capture) noexcept;
  void store(const KeyEntry& entry, Capture capture) noexcept {
    if (entry.slot != kNoSlot) {
      put(entry.slot, capture);
    }
    if (entry.custom != kNoSlot) {
      put(entry.custom, capture);
    }
  }

  bool readKey(od::field& field, std::string_view& key) noexcept;
  // The scalar `value` as a capture; Kind::kInvalid (and error_ set) when it is malformed.
  Capture readScalar(od::value& value, od::json_type type) noexcept;
  bool walkValue(od::value& value, std::uint32_t depth, const KeyEntry* entry, std::size_t path);
  bool walkObject(od::value& value, std::uint32_t depth, const KeyEntry* entry, std::size_t path);
  bool walkArray(od::value& value, std::uint32_t depth, const KeyEntry* entry, std::size_t path);
  bool walkKeyValue(od::value& element, std::uint32_t depth, std::size_t path);
  bool walkAnyValue(od::value& value, std::uint32_t depth, Capture& out, bool& found);
  void captureContainer(const KeyEntry& entry, Kind kind, const char* start) noexcept;
  bool walkRecord();
  DecodeError classifyNonObject(std::string_view trimmed);
  std::size_t childPath(std::size_t parent, std::string_view key) noexcept;

  Format detect() const noexcept;
  void resolve(TimestampNs received_ns, DecodeStats& stats);
  void resolveContext(RecordFields& f, Format semantics, DecodeStats& stats);
  void resolveTime(RecordFields& f, TimestampNs received_ns, Format semantics, DecodeStats& stats);
  void resolveText(RecordFields& f, Format semantics);
  record::StringRef refOf(const Capture* capture) {
    return capture != nullptr ? builder_.ref(capture->text()) : record::StringRef{};
  }

  DecodeConfig config_;
  KeyTable table_;
  od::parser parser_;
  od::document doc_;
  record::RecordBuilder builder_;
  std::uint8_t preset_mask_ = kPresetAll;
  Format explicit_format_ = Format::kUnknown;

  // Per record.
  DecodeError error_ = DecodeError::kMalformedJson;
  const char* line_end_ = nullptr;
  bool key_unescaped_ = false;  // the last readKey() unescaped into the parser's buffer
  std::uint64_t present_[2] = {0, 0};
  std::array<Capture, kSlotCount> captures_{};
  char path_[kPathCapacity + 8] = {};  // + 8: findPadded() reads 8-byte words
};

void Decoder::Impl::put(Slot slot, Capture capture) noexcept {
  if ((slotPresets(slot) & preset_mask_) == 0) {
    return;  // another preset's key, and the format was chosen explicitly
  }
  if (capture.kind() == Kind::kNull || (capture.kind() == Kind::kString && capture.size() == 0)) {
    return;  // null and "" mean "not given" (loggers write both for absent ids)
  }
  captures_[slot] = capture;
  present_[slot >> 6] |= std::uint64_t{1} << (slot & 63);
}

bool Decoder::Impl::readKey(od::field& field, std::string_view& key) noexcept {
  // Scan the raw key 8 bytes at a time for its closing quote or a backslash (the line's padding
  // makes reading past the end safe). simdjson has checked that the key is a closed string.
  const char* begin = field.key().raw();
  const char* p = findQuoteOrBackslash(begin);
  key_unescaped_ = *p == '\\';
  if (!key_unescaped_) {
    key = std::string_view(begin, static_cast<std::size_t>(p - begin));
    return true;
  }
  // Escaped: let simdjson unescape (and validate) it.
  if (auto error = field.unescaped_key().get(key)) {
    return fail(error);
  }
  return true;
}

Capture Decoder::Impl::readScalar(od::value& value, od::json_type type) noexcept {
  constexpr Capture kFailed{nullptr, static_cast<std::uint64_t>(Kind::kInvalid) << 32};
  if (type == od::json_type::string) {
    // Scan for the closing quote or a backslash, 16 bytes at a time (padding makes the
    // over-read safe; simdjson has checked that the string is closed inside the line).
    const char* begin = value.raw_json_token().data() + 1;
    const char* p = findQuoteOrBackslash(begin);
    std::string_view content(begin, static_cast<std::size_t>(p - begin));
    // The string is always consumed through simdjson, never left for it to skip: when skipping
    // a string followed by ':' it assumes a key and walks on, which would let a malformed line
    // such as {"a":"b":"c"}} through (its root check for such imbalance only runs when the
    // first padding byte is '}').
    if (*p == '\\') {
      // Only strings with escapes are copied (unescaped into the parser's buffer); this also
      // validates the escapes, which stage 1 does not.
      if (auto error = value.get_string().get(content)) {
        fail(error);
        return kFailed;
      }
    } else {
      od::raw_json_string consumed;
      if (auto error = value.get_raw_json_string().get(consumed)) {
        fail(error);
        return kFailed;
      }
    }
    return Capture::make(Kind::kString, content);
  }
  const std::string_view token = trimRight(value.raw_json_token());
  switch (type) {
    case od::json_type::number:
      if (!isJsonNumber(token)) {
        fail(DecodeError::kMalformedJson);
        return kFailed;
      }
      return Capture::make(Kind::kNumber, token);
    case od::json_type::boolean:
      if (token == "true") {
        return Capture::make(Kind::kTrue, token);
      }
      if (token == "false") {
        return Capture::make(Kind::kFalse, token);
      }
      fail(DecodeError::kMalformedJson);
      return kFailed;
    case od::json_type::null:
      if (token != "null") {
        fail(DecodeError::kMalformedJson);
        return kFailed;
      }
      return Capture::make(Kind::kNull, token);
    default:
      fail(DecodeError::kMalformedJson);
      return kFailed;
  }
}

std::size_t Decoder::Impl::childPath(std::size_t parent, std::string_view key) noexcept {
  const std::size_t length = parent + 1 + key.size();
  if (length > kPathCapacity) {
    return 0;
  }
  path_[parent] = '.';
  std::memcpy(path_ + parent + 1, key.data(), key.size());
  return length;
}

bool Decoder::Impl::walkValue(od::value& value,
                              std::uint32_t depth,
                              const KeyEntry* entry,
                              std::size_t path) {
  od::json_type type;
  if (auto error = value.type().get(type)) {
    return fail(error);
  }
  if (type == od::json_type::object) {
    return walkObject(value, depth + 1, entry, path);
  }
  if (type == od::json_type::array) {
    return walkArray(value, depth + 1, entry, path);
  }
  const Capture capture = readScalar(value, type);
  if (capture.kind() == Kind::kInvalid) {
    return false;
  }
  if (entry != nullptr) {
    store(*entry, capture);
  }
  return true;
}

bool Decoder::Impl::walkObject(od::value& value,
                               std::uint32_t depth,
                               const KeyEntry* entry,
                               std::size_t path) {
  if (depth > config_.max_depth) {
    return fail(DecodeError::kTooDeep);
  }
  const char* start = value.raw_json_token().data();
  od::object object;
  if (auto error = value.get_object().get(object)) {
    return fail(error);
  }
  const bool branch = entry != nullptr && entry->branch;
  for (auto field_result : object) {
    if (auto error = field_result.error()) {
      return fail(error);
    }
    // By reference: copying the field out of its result costs a store-forwarding stall.
    od::field& field = field_result.value_unsafe();
    std::string_view key;
    if (!readKey(field, key)) {
      return false;
    }
    const KeyEntry* child = nullptr;
    std::size_t child_path = 0;
    if (branch) {
      child_path = childPath(path, key);
      if (child_path != 0) {
        child = table_.findPadded(std::string_view(path_, child_path));
      }
    }
    if (!walkValue(field.value(), depth, child, child_path)) {
      return false;
    }
  }
  if (entry != nullptr) {
    captureContainer(*entry, Kind::kObject, start);
  }
  return true;
}

bool Decoder::Impl::walkArray(od::value& value,
                              std::uint32_t depth,
                              const KeyEntry* entry,
                              std::size_t path) {
  if (depth > config_.max_depth) {
    return fail(DecodeError::kTooDeep);
  }
  const char* start = value.raw_json_token().data();
  od::array array;
  if (auto error = value.get_array().get(array)) {
    return fail(error);
  }
  // An array below a branch is read as an OTLP attribute list: [{"key":..,"value":{..}}].
  const bool key_values = entry != nullptr && entry->branch;
  for (auto element_result : array) {
    if (auto error = element_result.error()) {
      return fail(error);
    }
    od::value& element = element_result.value_unsafe();
    const bool ok =
        key_values ? walkKeyValue(element, depth, path) : walkValue(element, depth, nullptr, 0);
    if (!ok) {
      return false;
    }
  }
  if (entry != nullptr) {
    captureContainer(*entry, Kind::kArray, start);
  }
  return true;
}

bool Decoder::Impl::walkKeyValue(od::value& element, std::uint32_t depth, std::size_t path) {
  od::json_type type;
  if (auto error = element.type().get(type)) {
    return fail(error);
  }
  if (type != od::json_type::object) {
    return walkValue(element, depth, nullptr, 0);
  }
  if (depth + 1 > config_.max_depth) {
    return fail(DecodeError::kTooDeep);
  }
  od::object object;
  if (auto error = element.get_object().get(object)) {
    return fail(error);
  }
  std::string_view attribute_key;
  bool has_key = false;
  Capture attribute_value;
  bool has_value = false;
  for (auto field_result : object) {
    if (auto error = field_result.error()) {
      return fail(error);
    }
    // By reference: copying the field out of its result costs a store-forwarding stall.
    od::field& field = field_result.value_unsafe();
    std::string_view key;
    if (!readKey(field, key)) {
      return false;
    }
    od::value& child = field.value();
    if (key == "key") {
      od::json_type child_type;
      if (auto error = child.type().get(child_type)) {
        return fail(error);
      }
      if (child_type == od::json_type::string) {
        const Capture capture = readScalar(child, child_type);
        if (capture.kind() == Kind::kInvalid) {
          return false;
        }
        attribute_key = capture.text();
        has_key = true;
        continue;
      }
    } else if (key == "value") {
      if (!walkAnyValue(child, depth + 1, attribute_value, has_value)) {
        return false;
      }
      continue;
    }
    if (!walkValue(child, depth + 1, nullptr, 0)) {
      return false;
    }
  }
  if (has_key && has_value) {
    const std::size_t child_path = childPath(path, attribute_key);
    if (child_path != 0) {
      if (const KeyEntry* entry = table_.findPadded(std::string_view(path_, child_path))) {
        store(*entry, attribute_value);
      }
    }
  }
  return true;
}

bool Decoder::Impl::walkAnyValue(od::value& value, std::uint32_t depth, Capture& out, bool& found) {
  od::json_type type;
  if (auto error = value.type().get(type)) {
    return fail(error);
  }
  if (type != od::json_type::object) {
    return walkValue(value, depth, nullptr, 0);
  }
  if (depth + 1 > config_.max_depth) {
    return fail(DecodeError::kTooDeep);
  }
  od::object object;
  if (auto error = value.get_object().get(object)) {
    return fail(error);
  }
  for (auto field_result : object) {
    if (auto error = field_result.error()) {
      return fail(error);
    }
    // By reference: copying the field out of its result costs a store-forwarding stall.
    od::field& field = field_result.value_unsafe();
    std::string_view key;
    if (!readKey(field, key)) {
      return false;
    }
    od::value& child = field.value();
    if (key == "stringValue" || key == "intValue" || key == "doubleValue" || key == "boolValue") {
      od::json_type child_type;
      if (auto error = child.type().get(child_type)) {
        return fail(error);
      }
      if (child_type != od::json_type::object && child_type != od::json_type::array) {
        out = readScalar(child, child_type);
        if (out.kind() == Kind::kInvalid) {
          return false;
        }
        // OTLP/JSON writes 64-bit integers as strings.
        if (key == "intValue" && out.kind() == Kind::kString && isJsonNumber(out.text())) {
          out = Capture::make(Kind::kNumber, out.text());
        }
        found = true;
        continue;
      }
    }
    if (!walkValue(child, depth + 1, nullptr, 0)) {
      return false;
    }
  }
  return true;
}

void Decoder::Impl::captureContainer(const KeyEntry& entry, Kind kind, const char* start) noexcept {
  // A slot that expects a scalar still records a container found at its path (as a value of
  // the wrong type: "trace_id":{..} is an invalid id, not a missing one), unless the path is a
  // branch whose keys are the slot's real source ("service":{"name":..}).
  const bool slot_wanted =
      entry.slot != kNoSlot && (slotTakesContainer(entry.slot) || !entry.branch);
  const bool wanted = slot_wanted || entry.custom != kNoSlot;
  if (!wanted) {
    return;
  }
  // After the container was walked, the document stands on the token that follows it (a ','
  // or the closing bracket of the parent), so the container's text ends before it.
  const char* end = line_end_;
  if (const char* location = nullptr; doc_.current_location().get(location) == simdjson::SUCCESS) {
    end = location;
  }
  const Capture capture = Capture::make(
      kind, trimRight(std::string_view(start, static_cast<std::size_t>(end - start))));
  if (slot_wanted) {
    put(entry.slot, capture);
  }
  if (entry.custom != kNoSlot) {
    put(entry.custom, capture);
  }
}

bool Decoder::Impl::walkRecord() {
  od::object object;
  if (auto error = doc_.get_object().get(object)) {
    return fail(error);
  }
  for (auto field_result : object) {
    if (auto error = field_result.error()) {
      return fail(error);
    }
    // By reference: copying the field out of its result costs a store-forwarding stall.
    od::field& field = field_result.value_unsafe();
    std::string_view key;
    if (!readKey(field, key)) {
      return false;
    }
    const KeyEntry* entry = key_unescaped_ ? table_.find(key) : table_.findPadded(key);
    std::size_t path = 0;
    if (entry != nullptr && entry->branch) {
      if (key.size() <= kPathCapacity) {
        std::memcpy(path_, key.data(), key.size());
        path = key.size();
      } else {
        entry = nullptr;
      }
    }
    if (!walkValue(field.value(), 1, entry, path)) {
      return false;
    }
  }
  // Anything after the object ("{..} {..}", "{..} x") makes the line malformed.
  const char* after = nullptr;
  if (doc_.current_location().get(after) == simdjson::SUCCESS) {
    return fail(DecodeError::kMalformedJson);
  }
  return true;
}

// A line that does not start with '{': valid JSON of another type, or not JSON at all.
DecodeError Decoder::Impl::classifyNonObject(std::string_view trimmed) {
  const char c = trimmed.front();
  if (c == '[') {
    if (trimmed.back() != ']') {
      return DecodeError::kMalformedJson;
    }
    od::array array;
    if (auto error = doc_.get_array().get(array)) {
      return fromSimdjson(error);
    }
    for (auto element_result : array) {
      if (auto error = element_result.error()) {
        return fromSimdjson(error);
      }
      od::value& element = element_result.value_unsafe();
      if (!walkValue(element, 1, nullptr, 0)) {
        return error_;
      }
    }
    const char* after = nullptr;
    if (doc_.current_location().get(after) == simdjson::SUCCESS) {
      return DecodeError::kMalformedJson;
    }
    return DecodeError::kNotAnObject;
  }
  if (c == '"') {
    // One string and nothing after it; get_string() validates its escapes.
    std::string_view token;
    std::string_view value;
    if (trimmed.size() < 2 || trimmed.back() != '"' || doc_.raw_json_token().get(token) ||
        trimRight(token).size() != trimmed.size() || doc_.get_string().get(value)) {
      return DecodeError::kMalformedJson;
    }
    return DecodeError::kNotAnObject;
  }
  if (trimmed == "true" || trimmed == "false" || trimmed == "null" || isJsonNumber(trimmed)) {
    return DecodeError::kNotAnObject;
  }
  return DecodeError::kMalformedJson;
}

Result<RecordPtr, DecodeError> Decoder::Impl::decode(std::string_view line,
                                                     TimestampNs received_ns,
                                                     DecodeStats& stats) {
  ++stats.lines;
  stats.bytes += line.size();
  const auto failed = [&stats](DecodeError error) -> Result<RecordPtr, DecodeError> {
    ++stats.errors[static_cast<std::size_t>(error)];
    return Unexpected(error);
  };
  if (line.size() > config_.max_record_bytes) {
    return failed(DecodeError::kTooLarge);
  }
  line_end_ = line.data() + line.size();
  if (auto error = parser_.iterate(line.data(), line.size(), line.size() + kPadding).get(doc_)) {
    return failed(fromSimdjson(error));
  }
  const std::string_view trimmed = trimRight(trimLeft(line));
  if (trimmed.front() != '{') {
    return failed(classifyNonObject(trimmed));
  }
  if (trimmed.back() != '}') {
    return failed(DecodeError::kMalformedJson);  // truncated: never read a '}' from the padding
  }
  present_[0] = 0;
  present_[1] = 0;
  if (!walkRecord()) {
    return failed(error_);
  }
  builder_.reset(line);
  resolve(received_ns, stats);
  ++stats.records;
  return builder_.build();
}

Format Decoder::Impl::detect() const noexcept {
  if (has(kTraceIdDd) || has(kSpanIdDd)) {
    return Format::kDatadog;
  }
  if (has(kTraceIdEcs) || has(kSpanIdEcs) || has(kTransactionId) || has(kEcsVersion)) {
    return Format::kEcs;
  }
  if (has(kTraceIdCamel) || has(kSpanIdCamel) || has(kTimeUnixNano) || has(kObservedTimeUnixNano) ||
      has(kObservedTimestamp) || has(kSeverityText) || has(kSeverityNumber) || has(kBody) ||
      has(kResource)) {
    return Format::kOtel;
  }
  if (has(kLogLevel) || has(kAtTimestamp) || has(kEventOutcome)) {
    return Format::kEcs;
  }
  return Format::kCanonical;
}

void Decoder::Impl::resolve(TimestampNs received_ns, DecodeStats& stats) {
  RecordFields& f = builder_.fields();
  const Format semantics = explicit_format_ != Format::kUnknown ? explicit_format_ : detect();
  f.format = config_.format == InputFormat::kCustom ? Format::kCustom : semantics;
  ++stats.formats[static_cast<std::size_t>(f.format)];
  resolveContext(f, semantics, stats);
  if (f.context == ContextProblem::kNone) {
    ++stats.traced;
  } else {
    ++stats.untraced;
    ++stats.context_problems[static_cast<std::size_t>(f.context)];
  }
  resolveTime(f, received_ns, semantics, stats);
  resolveText(f, semantics);
}

void Decoder::Impl::resolveContext(RecordFields& f, Format semantics, DecodeStats& stats) {
  const bool allow_0x = semantics == Format::kOtel;

  // Trace id: a custom path wins; else the detected preset's own key first, then the others.
  TraceId trace_id;
  IdState trace_state = IdState::kAbsent;
  const auto readTrace = [&](Slot slot, const Capture& c) {
    return slot == kTraceIdDd ? datadogTraceId(c, get(kDdTraceIdHigh), trace_id)
                              : hexTraceId(c, allow_0x, trace_id);
  };
  if (const Capture* c = custom(kCustomTraceId)) {
    trace_state = hexTraceId(*c, allow_0x, trace_id);
  } else {
    std::array<Slot, 4> order = {kTraceId, kTraceIdCamel, kTraceIdEcs, kTraceIdDd};
    if (semantics == Format::kOtel) {
      order = {kTraceIdCamel, kTraceId, kTraceIdEcs, kTraceIdDd};
    } else if (semantics == Format::kEcs) {
      order = {kTraceIdEcs, kTraceId, kTraceIdCamel, kTraceIdDd};
    } else if (semantics == Format::kDatadog) {
      order = {kTraceIdDd, kTraceId, kTraceIdCamel, kTraceIdEcs};
    }
    for (const Slot slot : order) {
      if (const Capture* c = get(slot)) {
        trace_state = readTrace(slot, *c);
        break;
      }
    }
  }

  // Span id. The guide's shape names the current span "parent_id" (the parent-id field of the
  // traceparent the service received): without a span id field it is the record's own span.
  SpanId span_id;
  IdState span_state = IdState::kAbsent;
  bool span_from_parent_id = false;
  if (const Capture* c = custom(kCustomSpanId)) {
    span_state = hexSpanId(*c, allow_0x, span_id);
  } else {
    std::array<Slot, 5> order = {kSpanId, kSpanIdCamel, kSpanIdEcs, kSpanIdDd, kTransactionId};
    if (semantics == Format::kOtel) {
      order = {kSpanIdCamel, kSpanId, kSpanIdEcs, kSpanIdDd, kTransactionId};
    } else if (semantics == Format::kEcs) {
      order = {kSpanIdEcs, kTransactionId, kSpanId, kSpanIdCamel, kSpanIdDd};
    } else if (semantics == Format::kDatadog) {
      order = {kSpanIdDd, kSpanId, kSpanIdCamel, kSpanIdEcs, kTransactionId};
    }
    for (const Slot slot : order) {
      if (const Capture* c = get(slot)) {
        span_state =
            slot == kSpanIdDd ? datadogSpanId(*c, span_id) : hexSpanId(*c, allow_0x, span_id);
        break;
      }
    }
    if (span_state == IdState::kAbsent) {
      if (const Capture* c = get(kParentId)) {
        span_state = hexSpanId(*c, false, span_id);
        span_from_parent_id = true;
      }
    }
  }

  // Parent span id. An all-zero parent is read as "no parent" (some loggers write zeros for a
  // root instead of leaving the field out).
  SpanId parent_id;
  IdState parent_state = IdState::kAbsent;
  const Capture* parent = custom(kCustomParentSpanId);
  if (parent == nullptr) {
    parent = semantics == Format::kOtel ? first({kParentSpanIdCamel, kParentSpanId, kParentIdEcs})
                                        : first({kParentSpanId, kParentSpanIdCamel, kParentIdEcs});
    if (parent == nullptr && !span_from_parent_id) {
      parent = get(kParentId);
    }
  }
  if (parent != nullptr) {
    parent_state = hexSpanId(*parent, allow_0x, parent_id);
    if (parent_state == IdState::kZero) {
      parent_state = IdState::kAbsent;
      parent_id = SpanId{};
    }
  }

  // Flags given as a field.
  std::optional<std::uint8_t> flags;
  const Capture* flags_field = custom(kCustomTraceFlags);
  if (flags_field == nullptr) {
    flags_field = get(kTraceFlags);
  }
  if (const Capture* c = flags_field) {
    flags = traceFlags(*c, semantics == Format::kOtel);
    if (!flags) {
      ++stats.trace_flags_invalid;
    }
  }

  f.context = ContextProblem::kNone;
  const Capture* traceparent = custom(kCustomTraceparent);
  if (traceparent == nullptr) {
    traceparent = get(kTraceparent);
  }
  if (traceparent != nullptr) {
    // A traceparent field wins over id fields; a disagreement is counted.
    const auto parsed = traceparent->kind() == Kind::kString
                            ? tracecontext::parseTraceparent(traceparent->text())
                            : Result<tracecontext::Traceparent, tracecontext::TraceparentError>(
                                  Unexpected(tracecontext::TraceparentError::kInvalidLength));
    if (!parsed) {
      f.context = ContextProblem::kInvalidTraceparent;
      f.traceparent_error = static_cast<std::uint8_t>(parsed.error());
      ++stats.traceparent_errors[static_cast<std::size_t>(parsed.error())];
      return;
    }
    const bool conflict = (trace_state != IdState::kAbsent &&
                           (trace_state != IdState::kValid || trace_id != parsed->trace_id)) ||
                          (span_state != IdState::kAbsent &&
                           (span_state != IdState::kValid || span_id != parsed->parent_id)) ||
                          (flags && *flags != parsed->flags);
    if (conflict) {
      f.flags |= record::flag::kTraceparentConflict;
      ++stats.traceparent_conflicts;
    }
    f.trace_id = parsed->trace_id;
    f.span_id = parsed->parent_id;
    f.trace_flags = parsed->flags;
    f.flags |= record::flag::kHasTraceparentField | record::flag::kHasTraceFlags;
  } else {
    switch (trace_state) {
      case IdState::kAbsent:
        f.context = ContextProblem::kMissing;
        return;
      case IdState::kInvalid:
        f.context = ContextProblem::kInvalidTraceId;
        return;
      case IdState::kZero:
        f.context = ContextProblem::kZeroTraceId;
        return;
      case IdState::kValid:
        break;
    }
    if (span_state == IdState::kInvalid) {
      f.context = ContextProblem::kInvalidSpanId;
      return;
    }
    if (span_state == IdState::kZero) {
      f.context = ContextProblem::kZeroSpanId;
      return;
    }
    f.trace_id = trace_id;
    f.span_id = span_id;  // zero when absent: a log of the trace, not of one span
    if (span_from_parent_id && span_state == IdState::kValid) {
      f.flags |= record::flag::kSpanIdFromParentId;
    }
    if (flags) {
      f.trace_flags = *flags;
      f.flags |= record::flag::kHasTraceFlags;
    }
  }
  if (parent_state == IdState::kInvalid) {
    f.context = ContextProblem::kInvalidParentSpanId;
    f.trace_id = TraceId{};
    f.span_id = SpanId{};
    f.trace_flags = 0;
    f.flags &= static_cast<std::uint8_t>(~(record::flag::kHasTraceFlags |
                                           record::flag::kHasTraceparentField |
                                           record::flag::kSpanIdFromParentId));
    return;
  }
  f.parent_span_id = parent_id;
  const Capture* tracestate = custom(kCustomTracestate);
  if (tracestate == nullptr) {
    tracestate = get(kTracestate);
  }
  if (tracestate != nullptr) {
    // W3C: a tracestate that fails to parse is discarded as a whole; the context stays.
    if (tracestate->kind() != Kind::kString) {
      ++stats.context_problems[static_cast<std::size_t>(ContextProblem::kInvalidTracestate)];
    } else if (const auto view = tracecontext::TracestateView::parse(tracestate->text()); !view) {
      ++stats.context_problems[static_cast<std::size_t>(ContextProblem::kInvalidTracestate)];
      ++stats.tracestate_errors[static_cast<std::size_t>(view.error())];
    } else if (!view->empty()) {
      f.tracestate = builder_.ref(tracestate->text());
    }
  }
}

namespace {

std::optional<TimestampNs> timeOf(const Capture& c, EpochUnit unit) noexcept {
  if (c.kind() == Kind::kString) {
    return parseTimestampString(c.text(), unit);
  }
  if (c.kind() == Kind::kNumber) {
    return parseEpoch(c.text(), unit);
  }
  return std::nullopt;
}

// A duration as a number (or a number in a string) of `scale` nanoseconds; nullopt when
// negative, not a number, or beyond int64 nanoseconds.
std::optional<std::int64_t> durationOf(const Capture& c, std::int64_t scale) noexcept {
  if (c.kind() != Kind::kNumber && c.kind() != Kind::kString) {
    return std::nullopt;
  }
  const std::optional<std::int64_t> ns = scaleDecimal(c.text(), scale);
  if (!ns || *ns < 0) {
    return std::nullopt;
  }
  return ns;
}

bool isZeroTime(const Capture& c) noexcept {
  return (c.kind() == Kind::kString || c.kind() == Kind::kNumber) && c.text() == "0";
}

}  // namespace

void Decoder::Impl::resolveTime(RecordFields& f,
                                TimestampNs received_ns,
                                Format semantics,
                                DecodeStats& stats) {
  struct Candidate {
    Slot slot;
    EpochUnit unit;
  };
  // (static constexpr: built once, not on every record)
  // OTLP's *UnixNano fields are nanoseconds by definition, and 0 means "unknown".
  static constexpr Candidate kCandidates[] = {
      {customSlot(kCustomTimestamp), EpochUnit::kAuto},
      {kTimeUnixNano, EpochUnit::kNanos},
      {kTimestamp, EpochUnit::kAuto},
      {kAtTimestamp, EpochUnit::kAuto},
      {kTime, EpochUnit::kAuto},
      {kTs, EpochUnit::kAuto},
      {kObservedTimeUnixNano, EpochUnit::kNanos},
      {kObservedTimestamp, EpochUnit::kAuto},
  };
  bool found = false;
  for (const Candidate& candidate : kCandidates) {
    const Capture* c = get(candidate.slot);
    if (c == nullptr || (candidate.unit == EpochUnit::kNanos && isZeroTime(*c))) {
      continue;
    }
    found = true;
    if (const std::optional<TimestampNs> ts = timeOf(*c, candidate.unit)) {
      f.timestamp_ns = *ts;
    } else {
      f.timestamp_ns = received_ns;
      f.flags |= record::flag::kBadTimestamp;
      ++stats.timestamps_bad;
    }
    break;
  }
  if (!found) {
    f.timestamp_ns = received_ns;
    f.flags |= record::flag::kTimestampFromReceive;
    ++stats.timestamps_missing;
  }

  // Duration: the first duration field present decides; an invalid one is counted and the
  // record is then not a span.
  struct DurationField {
    Slot slot;
    std::int64_t scale;
  };
  const DurationField durations[] = {
      {customSlot(kCustomDurationNs), 1},
      {customSlot(kCustomDurationMs), kNanosPerMilli},
      {kDurationNs, 1},
      {kDurationMs, kNanosPerMilli},
      {kDurationUs, kNanosPerMicro},
      {semantics == Format::kDatadog ? kDurationDd : kNoSlot, 1},
  };
  std::optional<std::int64_t> duration;
  bool duration_given = false;
  for (const DurationField& field : durations) {
    if (field.slot == kNoSlot) {
      continue;
    }
    if (const Capture* c = get(field.slot)) {
      duration_given = true;
      duration = durationOf(*c, field.scale);
      if (!duration) {
        ++stats.durations_invalid;
      }
      break;
    }
  }
  std::optional<TimestampNs> start;
  const Capture* start_capture = custom(kCustomStartTime);
  if (start_capture == nullptr) {
    start_capture = get(kStartTime);
  }
  if (start_capture != nullptr) {
    start = timeOf(*start_capture, EpochUnit::kAuto);
    if (!start) {
      ++stats.timestamps_bad;
    }
  }
  if (!duration_given && start) {
    // start_time and end_time without a duration describe a span too.
    if (const Capture* end_capture = get(kEndTime)) {
      const std::optional<TimestampNs> end = timeOf(*end_capture, EpochUnit::kAuto);
      if (end && *end >= *start) {
        duration = *end - *start;
      } else {
        ++stats.durations_invalid;
      }
    }
  }
  if (duration) {
    f.duration_ns = *duration;
    f.start_ns = start ? *start : f.timestamp_ns - *duration;
  } else {
    f.duration_ns = -1;
    f.start_ns = f.timestamp_ns;
  }
}

void Decoder::Impl::resolveText(RecordFields& f, Format semantics) {
  const bool pino_like = has(kHostname) && has(kPid);  // pino/bunyan: "name" is the logger

  const auto textual = [](const Capture* c) {
    return c != nullptr && c->kind() != Kind::kTrue && c->kind() != Kind::kFalse ? c : nullptr;
  };

  // Names are scalars: a custom path or key that holds an object or array is passed over.
  const Capture* service =
      firstScalar({customSlot(kCustomService), kService, kDdService, kResourceService});
  if (service == nullptr && pino_like) {
    service = firstScalar({kName});
  }
  f.service = refOf(service);

  const Capture* operation =
      firstScalar({customSlot(kCustomOperation), kOperation, kSpanName, kTransactionName});
  if (operation == nullptr && !pino_like) {
    operation = firstScalar({kName});
  }
  f.operation = refOf(operation);

  const Capture* message = custom(kCustomMessage);
  if (message == nullptr) {
    message = first({kMessage, kBodyString, kBody});
  }
  f.message = refOf(textual(message));

  // Error: a message string, a bool, or an object with a "message".
  bool error_given = false;
  const Capture* error = custom(kCustomError);
  if (error == nullptr) {
    error = get(kError);
  }
  if (error != nullptr) {
    switch (error->kind()) {
      case Kind::kString:
        error_given = true;
        f.error = builder_.ref(error->text());
        break;
      case Kind::kTrue:
      case Kind::kObject:
        error_given = true;
        break;
      default:
        break;
    }
  }
  if (const Capture* message_of_error = get(kErrorMessage);
      message_of_error != nullptr && f.error.empty() && message_of_error->kind() == Kind::kString) {
    error_given = true;
    f.error = builder_.ref(message_of_error->text());
  }

  // Severity: OTel's number when given, else the level text or pino/bunyan's level number.
  const Capture* status = custom(kCustomStatus);
  if (status == nullptr) {
    status = get(kStatus);
  }
  const bool status_is_level = semantics == Format::kDatadog && status != nullptr &&
                               status == get(kStatus) && status->kind() == Kind::kString;
  const Capture* level = custom(kCustomLevel);
  if (level == nullptr) {
    level = first({kSeverityText, kLogLevel, kLevel});
  }
  if (level == nullptr && status_is_level) {
    level = status;  // Datadog's reserved "status" attribute is the log level
  }
  std::uint8_t severity = 0;
  if (level != nullptr) {
    if (level->kind() == Kind::kString) {
      f.severity_text = builder_.ref(level->text());
      if (isAllDigits(level->text())) {
        severity = severityFromLevelNumber(scaleDecimal(level->text(), 1).value_or(0));
      } else {
        severity = severityFromText(level->text());
      }
    } else if (level->kind() == Kind::kNumber) {
      severity = severityFromLevelNumber(scaleDecimal(level->text(), 1).value_or(0));
    }
  }
  if (const Capture* number = get(kSeverityNumber)) {
    std::int64_t value = 0;
    if (number->kind() == Kind::kNumber || isAllDigits(number->text())) {
      value = scaleDecimal(number->text(), 1).value_or(0);
    } else if (number->kind() == Kind::kString) {
      value = severityFromText(number->text());  // the proto enum name, "SEVERITY_NUMBER_INFO"
    }
    if (value >= 1 && value <= 24) {
      severity = static_cast<std::uint8_t>(value);
    }
  }
  f.severity_number = severity;

  // Status: an explicit word wins; then ECS's event.outcome; then an error field; then an HTTP
  // status code of 5xx.
  std::optional<Status> span_status;
  bool http_error = false;
  if (status != nullptr && !status_is_level) {
    if (status->kind() == Kind::kString) {
      span_status = statusWord(status->text());
      if (!span_status && isAllDigits(status->text())) {
        http_error = httpStatus(status->text()) == Status::kError;
      }
    } else if (status->kind() == Kind::kNumber) {
      http_error = httpStatus(status->text()) == Status::kError;
    }
  }
  if (!span_status) {
    if (const Capture* outcome = get(kEventOutcome);
        outcome != nullptr && outcome->kind() == Kind::kString) {
      if (outcome->text() == "failure") {
        span_status = Status::kError;
      } else if (outcome->text() == "success") {
        span_status = Status::kOk;
      }
    }
  }
  if (!span_status && (error_given || http_error)) {
    span_status = Status::kError;
  }
  f.status = span_status.value_or(Status::kUnset);

  const Capture* attributes = custom(kCustomAttributes);
  if (attributes == nullptr) {
    attributes = first({kAttributes, kLabels});
  }
  if (attributes != nullptr &&
      (attributes->kind() == Kind::kObject || attributes->kind() == Kind::kArray)) {
    f.attributes = builder_.ref(attributes->text());
  }
  if (const Capture* resource = get(kResource);
      resource != nullptr && resource->kind() == Kind::kObject) {
    f.resource = builder_.ref(resource->text());
  }
}

// ---- Decoder ----

namespace {

bool isBlank(std::string_view line) noexcept {
  for (const char c : line) {
    if (!isJsonSpace(c)) {
      return false;
    }
  }
  return true;
}

// Removes the line terminator ("\n" or "\r\n", as decodeLines() does) and a leading BOM.
std::string_view stripLine(std::string_view line) noexcept {
  if (!line.empty() && line.back() == '\n') {
    line.remove_suffix(1);
  }
  if (!line.empty() && line.back() == '\r') {
    line.remove_suffix(1);
  }
  if (line.starts_with(kUtf8Bom)) {
    line.remove_prefix(kUtf8Bom.size());
  }
  return line;
}

}  // namespace

Decoder::Decoder(DecodeConfig config) : impl_(std::make_unique<Impl>(std::move(config))) {}
Decoder::~Decoder() = default;
Decoder::Decoder(Decoder&&) noexcept = default;
Decoder& Decoder::operator=(Decoder&&) noexcept = default;

const DecodeConfig& Decoder::config() const noexcept {
  return impl_->config();
}

Result<RecordPtr, DecodeError> Decoder::decodeLine(std::string_view line,
                                                   TimestampNs received_ns,
                                                   DecodeStats& stats) {
  line = stripLine(line);
  if (isBlank(line)) {
    ++stats.blank_lines;
    return Unexpected(DecodeError::kEmpty);
  }
  return impl_->decode(line, received_ns, stats);
}

Result<RecordPtr, DecodeError> Decoder::decodeLine(std::string_view line, TimestampNs received_ns) {
  DecodeStats stats;
  return decodeLine(line, received_ns, stats);
}

void Decoder::route(std::string_view line,
                    Result<RecordPtr, DecodeError>&& result,
                    DecodeOutput& out) {
  const InvalidContextPolicy policy = impl_->config().invalid_context;
  DecodeStats& stats = out.stats;
  if (!result) {
    if (policy == InvalidContextPolicy::kDeadLetter) {
      out.dead_letters.push_back({std::string(line), reasonName(result.error())});
      ++stats.dead_lettered;
    } else {
      ++stats.dropped;
    }
    return;
  }
  RecordPtr record = std::move(result).value();
  if (record->hasTraceContext()) {
    out.traced.push_back(std::move(record));
    return;
  }
  switch (policy) {
    case InvalidContextPolicy::kKeep:
      ++stats.kept_untraced;
      out.untraced.push_back(std::move(record));
      break;
    case InvalidContextPolicy::kDrop:
      ++stats.dropped;
      break;
    case InvalidContextPolicy::kDeadLetter:
      ++stats.dead_lettered;
      out.dead_letters.push_back(
          {std::string(record->raw()), record::problemName(record->context)});
      break;
  }
}

void Decoder::decodeLines(std::string_view buffer, TimestampNs received_ns, DecodeOutput& out) {
  const char* position = buffer.data();
  const char* const end = buffer.data() + buffer.size();
  while (position < end) {
    const auto* newline = static_cast<const char*>(
        std::memchr(position, '\n', static_cast<std::size_t>(end - position)));
    const char* line_end = newline != nullptr ? newline : end;
    std::string_view line(position, static_cast<std::size_t>(line_end - position));
    position = newline != nullptr ? newline + 1 : end;
    if (!line.empty() && line.back() == '\r') {
      line.remove_suffix(1);
    }
    if (line.starts_with(kUtf8Bom)) {
      line.remove_prefix(kUtf8Bom.size());
    }
    if (isBlank(line)) {
      ++out.stats.blank_lines;
      continue;
    }
    route(line, impl_->decode(line, received_ns, out.stats), out);
  }
}

void Decoder::decodeFrame(std::string_view frame, TimestampNs received_ns, DecodeOutput& out) {
  frame = stripLine(frame);
  if (isBlank(frame)) {
    ++out.stats.blank_lines;
    return;
  }
  route(frame, impl_->decode(frame, received_ns, out.stats), out);
}

}  // namespace stitch::decode
