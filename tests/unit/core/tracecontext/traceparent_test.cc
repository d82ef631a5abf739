#include "core/tracecontext/traceparent.h"

#include <cstdint>
#include <random>
#include <set>
#include <string>
#include <string_view>

#include <catch2/catch.hpp>

#include "tests/unit/support/allocation_counter.h"

using namespace stitch::tracecontext;
using E = TraceparentError;

namespace {

constexpr std::string_view kSpecExample = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

bool isLowerHex(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

bool allLowerHex(std::string_view s) {
  for (const char c : s) {
    if (!isLowerHex(c)) {
      return false;
    }
  }
  return true;
}

// The traceparent rules as the W3C text states them, written as plainly as possible, to hold
// the optimised parser to.
bool referenceAccepts(std::string_view v) {
  while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) {
    v.remove_prefix(1);
  }
  while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) {
    v.remove_suffix(1);
  }
  if (v.size() < 55 || !allLowerHex(v.substr(0, 2)) || v.substr(0, 2) == "ff") {
    return false;
  }
  if (v.substr(0, 2) == "00" ? v.size() != 55 : (v.size() > 55 && v[55] != '-')) {
    return false;
  }
  return v[2] == '-' && v[35] == '-' && v[52] == '-' && allLowerHex(v.substr(3, 32)) &&
         allLowerHex(v.substr(36, 16)) && allLowerHex(v.substr(53, 2)) &&
         v.substr(3, 32) != std::string(32, '0') && v.substr(36, 16) != std::string(16, '0');
}

std::string randomHex(std::mt19937_64& random, std::size_t size) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (std::size_t i = 0; i < size; ++i) {
    out += kDigits[random() % 16];
  }
  return out;
}

// A canonical version-00 value (what formatTraceparent writes) with random ids and flags.
std::string randomCanonical(std::mt19937_64& random) {
  std::string trace = randomHex(random, 32);
  std::string parent = randomHex(random, 16);
  if (trace == std::string(32, '0')) {
    trace[31] = '1';
  }
  if (parent == std::string(16, '0')) {
    parent[15] = '1';
  }
  static constexpr const char* kFlags[] = {"00", "01", "02", "03"};
  return "00-" + trace + "-" + parent + "-" + kFlags[random() % 4];
}

std::string mutate(std::string s, std::mt19937_64& random) {
  const int edits = 1 + static_cast<int>(random() % 4);
  for (int e = 0; e < edits; ++e) {
    const std::size_t at = s.empty() ? 0 : random() % s.size();
    // Bytes that matter most: separators, hex edges, case, whitespace, NUL, non-ASCII.
    static constexpr char kInteresting[] = {'-', '0',  '9',  'a',  'f', 'g',    'A',   'F',
                                            ' ', '\t', '\n', '\0', '.', '\x80', '\xff'};
    const char byte =
        random() % 2 ? kInteresting[random() % sizeof(kInteresting)] : static_cast<char>(random());
    switch (random() % 5) {
      case 0:
        if (!s.empty()) {
          s[at] = byte;
        }
        break;
      case 1:
        s.insert(s.begin() + static_cast<std::ptrdiff_t>(at), byte);
        break;
      case 2:
        if (!s.empty()) {
          s.erase(at, 1);
        }
        break;
      case 3:
        s.resize(at);
        break;
      default:
        s += '-';
        s += randomHex(random, random() % 8);
        break;
    }
  }
  return s;
}

}  // namespace

TEST_CASE("parseTraceparent reads the fields of the specification's examples", "[tracecontext]") {
  const auto tp = parseTraceparent(kSpecExample);
  REQUIRE(tp);
  CHECK(tp->version == 0);
  CHECK(tp->trace_id == TraceId{0x4bf92f3577b34da6ULL, 0xa3ce929d0e0e4736ULL});
  CHECK(tp->parent_id == SpanId{0x00f067aa0ba902b7ULL});
  CHECK(tp->flags == 0x01);
  CHECK(tp->sampled());
  CHECK_FALSE(tp->random());

  const auto unsampled =
      parseTraceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00");
  REQUIRE(unsampled);
  CHECK_FALSE(unsampled->sampled());
}

TEST_CASE("parseTraceparent reads the sampled flag from bit 0 and the random flag from bit 1",
          "[tracecontext]") {
  auto [flags, sampled, random] = GENERATE(table<std::string, bool, bool>({
      {"00", false, false},
      {"01", true, false},
      {"02", false, true},
      {"03", true, true},
      {"09", true, false},  // bit 3 is unknown: it must not hide bit 0
      {"fe", false, true},
      {"ff", true, true},
  }));
  CAPTURE(flags);
  const auto tp = parseTraceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-" + flags);
  REQUIRE(tp);
  CHECK(tp->sampled() == sampled);
  CHECK(tp->random() == random);
}

TEST_CASE("parseTraceparent accepts these valid values", "[tracecontext]") {
  const auto value = GENERATE(
      as<std::string>{}, "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
      "00-12345678901234567890123456789012-1234567890123456-01",
      "00-00000000000000000000000000000001-0000000000000001-00",  // only the last bit set
      "00-10000000000000000000000000000000-1000000000000000-00",  // only the first bit set
      "00-ffffffffffffffffffffffffffffffff-ffffffffffffffff-ff",
      " 00-12345678901234567890123456789012-1234567890123456-01",   // leading space
      "\t00-12345678901234567890123456789012-1234567890123456-01",  // leading tab
      "00-12345678901234567890123456789012-1234567890123456-01 ",   // trailing space
      "00-12345678901234567890123456789012-1234567890123456-01\t",  // trailing tab
      "\t 00-12345678901234567890123456789012-1234567890123456-01 \t",
      "01-12345678901234567890123456789012-1234567890123456-01",  // a higher version
      "cc-12345678901234567890123456789012-1234567890123456-01",
      "cc-12345678901234567890123456789012-1234567890123456-01-what-the-future-will-be-like",
      "cc-12345678901234567890123456789012-1234567890123456-01-",  // '-' then nothing yet
      "fe-12345678901234567890123456789012-1234567890123456-01-x");
  CAPTURE(value);
  const auto tp = parseTraceparent(value);
  REQUIRE(tp);
  CHECK(tp->trace_id.isValid());
  CHECK(tp->parent_id.isValid());
}

TEST_CASE("parseTraceparent rejects malformed values with the reason of the first fault",
          "[tracecontext]") {
  const std::string trace = "4bf92f3577b34da6a3ce929d0e0e4736";
  const std::string parent = "00f067aa0ba902b7";
  auto [value, reason] = GENERATE_COPY(table<std::string, TraceparentError>({
      {"", E::kEmpty},
      {" \t  ", E::kEmpty},
      {"0", E::kInvalidVersion},
      {"00", E::kInvalidVersion},
      {"0-" + trace + "-" + parent + "-01", E::kInvalidVersion},    // version too short
      {"000-" + trace + "-" + parent + "-01", E::kInvalidVersion},  // version too long
      {".0-" + trace + "-" + parent + "-01", E::kInvalidVersion},
      {"0.-" + trace + "-" + parent + "-01", E::kInvalidVersion},
      {"0A-" + trace + "-" + parent + "-01", E::kInvalidVersion},    // uppercase version
      {"00_" + trace + "-" + parent + "-01", E::kInvalidVersion},    // version not followed by '-'
      {"\n00-" + trace + "-" + parent + "-01", E::kInvalidVersion},  // only spaces/tabs are OWS
      {"ff-" + trace + "-" + parent + "-01", E::kForbiddenVersion},
      {"ff-" + trace + "-" + parent + "-01-future", E::kForbiddenVersion},
      {"00-" + trace + "-" + parent + "-01.", E::kInvalidLength},  // version 00 is 55 chars
      {"00-" + trace + "-" + parent + "-01-", E::kInvalidLength},
      {"00-" + trace + "-" + parent + "-01-what-the-future-will-be-like", E::kInvalidLength},
      {"00-" + trace + "-" + parent + "-001", E::kInvalidLength},
      {"00-" + trace + "-" + parent + "-1", E::kInvalidLength},
      {"00-" + trace + "0-" + parent + "-01", E::kInvalidLength},  // trace-id 33 chars
      {"00-" + trace.substr(1) + "-" + parent + "-01", E::kInvalidLength},
      {"00-" + trace + "-" + parent + "0-01", E::kInvalidLength},  // parent-id 17 chars
      {"00-" + trace + "-" + parent.substr(1) + "-01", E::kInvalidLength},
      {"00-" + trace + "-" + parent + "-01\r", E::kInvalidLength},
      {"cc-" + trace + "-" + parent, E::kInvalidLength},  // a higher version, under 55 chars
      {"cc-" + trace + "-" + parent + "-01.what-the-future", E::kInvalidSeparator},
      {"cc-" + trace + "-" + parent + "-012", E::kInvalidSeparator},
      {"00-" + trace + "_" + parent + "-01", E::kInvalidSeparator},
      {"00-" + trace + "-" + parent + "_01", E::kInvalidSeparator},
      {"00-" + trace + "-" + parent + "-0", E::kInvalidLength},
      {"00-4BF92F3577B34DA6A3CE929D0E0E4736-" + parent + "-01", E::kInvalidTraceId},
      {"00-4bf92f3577b34da6a3ce929d0e0e473G-" + parent + "-01", E::kInvalidTraceId},
      {"00-.bf92f3577b34da6a3ce929d0e0e4736-" + parent + "-01", E::kInvalidTraceId},
      {"00-4bf92f3577b34da6a3ce929d0e0e47\xc3\xa9-" + parent + "-01", E::kInvalidTraceId},
      {"00-00000000000000000000000000000000-" + parent + "-01", E::kZeroTraceId},
      {"00-00000000000000000000000000000000-000000000000000G-01", E::kZeroTraceId},
      {"00-" + trace + "-00F067AA0BA902B7-01", E::kInvalidParentId},
      {"00-" + trace + "-00f067aa0ba902b.-01", E::kInvalidParentId},
      {"00-" + trace + "-0000000000000000-01", E::kZeroParentId},
      {"00-" + trace + "-" + parent + "-0A", E::kInvalidFlags},
      {"00-" + trace + "-" + parent + "-.0", E::kInvalidFlags},
      {"00-" + trace + "-" + parent + "-0g", E::kInvalidFlags},
      {std::string("00-4bf92f3577b34da6\0"
                   "3ce929d0e0e4736-00f067aa0ba902b7-01",
                   55),
       E::kInvalidTraceId},
  }));
  CAPTURE(value);
  const auto tp = parseTraceparent(value);
  REQUIRE_FALSE(tp);
  CHECK(reasonName(tp.error()) == reasonName(reason));
}

TEST_CASE("reasonName gives every traceparent rejection a distinct stable name", "[tracecontext]") {
  auto [error, name] = GENERATE(table<TraceparentError, std::string>({
      {E::kEmpty, "empty"},
      {E::kInvalidLength, "invalid_length"},
      {E::kInvalidVersion, "invalid_version"},
      {E::kForbiddenVersion, "forbidden_version"},
      {E::kInvalidSeparator, "invalid_separator"},
      {E::kInvalidTraceId, "invalid_trace_id"},
      {E::kZeroTraceId, "zero_trace_id"},
      {E::kInvalidParentId, "invalid_parent_id"},
      {E::kZeroParentId, "zero_parent_id"},
      {E::kInvalidFlags, "invalid_flags"},
  }));
  CHECK(reasonName(error) == name);
  CHECK(static_cast<std::size_t>(error) < kTraceparentErrorCount);
}

TEST_CASE("a higher version is re-emitted as version 00 with its unknown flag bits cleared",
          "[tracecontext]") {
  const auto tp = parseTraceparent(
      "cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-ff-what-the-future-will-be-like");
  REQUIRE(tp);
  CHECK(tp->version == 0xcc);
  CHECK(tp->flags == 0xff);  // as received
  CHECK(toString(*tp) == "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-03");
}

TEST_CASE("version 00 with unknown flag bits is re-emitted with only the known bits",
          "[tracecontext]") {
  auto [received, emitted] = GENERATE(table<std::string, std::string>({
      {"09", "01"},
      {"04", "00"},
      {"fe", "02"},
      {"03", "03"},
  }));
  const std::string prefix = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-";
  const auto tp = parseTraceparent(prefix + received);
  REQUIRE(tp);
  CHECK(toString(*tp) == prefix + emitted);
}

TEST_CASE("formatTraceparent writes the same 55 chars into a buffer and an array",
          "[tracecontext]") {
  const auto tp = parseTraceparent(kSpecExample);
  REQUIRE(tp);
  char buffer[kTraceparentSize + 1];
  buffer[kTraceparentSize] = '#';
  formatTraceparent(*tp, buffer);
  CHECK(std::string_view(buffer, kTraceparentSize) == kSpecExample);
  CHECK(buffer[kTraceparentSize] == '#');  // nothing written past the end
  const auto array = formatTraceparent(*tp);
  CHECK(std::string_view(array.data(), array.size()) == kSpecExample);
}

TEST_CASE("parsing and formatting a traceparent never allocate", "[tracecontext]") {
  const std::string spaced = "  " + std::string(kSpecExample) + "\t";
  const stitch::test::AllocationCounter allocations;
  const auto tp = parseTraceparent(spaced);
  const auto rejected = parseTraceparent("00-00000000000000000000000000000000-00f067aa0ba902b7-01");
  char out[kTraceparentSize];
  if (tp) {
    formatTraceparent(*tp, out);
  }
  const auto array = tp ? formatTraceparent(*tp) : std::array<char, kTraceparentSize>{};
  CHECK(allocations.count() == 0);
  CHECK(tp);
  CHECK_FALSE(rejected);
  CHECK(std::string_view(out, kTraceparentSize) == std::string_view(array.data(), array.size()));
}

TEST_CASE("format(parse(x)) gives back x for canonical values with random ids", "[tracecontext]") {
  std::mt19937_64 random(20240328);
  for (int i = 0; i < 20000; ++i) {
    const std::string value = randomCanonical(random);
    const auto tp = parseTraceparent(value);
    REQUIRE(tp);
    REQUIRE(toString(*tp) == value);
    // The fields hold the digits, checked without our own hex code.
    REQUIRE(tp->trace_id.hi == std::stoull(value.substr(3, 16), nullptr, 16));
    REQUIRE(tp->trace_id.lo == std::stoull(value.substr(19, 16), nullptr, 16));
    REQUIRE(tp->parent_id.value == std::stoull(value.substr(36, 16), nullptr, 16));
    REQUIRE(tp->flags == std::stoul(value.substr(53, 2), nullptr, 16));
  }
}

TEST_CASE("mutated and random values never crash and are accepted exactly when the rules say so",
          "[tracecontext]") {
  std::mt19937_64 random(7);
  for (int i = 0; i < 25000; ++i) {
    std::string value;
    if (i % 10 == 0) {
      value.resize(random() % 80);
      for (char& c : value) {
        c = static_cast<char>(random());
      }
    } else {
      std::string base = randomCanonical(random);
      if (i % 3 == 0) {
        base.replace(0, 2, randomHex(random, 2));  // other versions, ff included
      }
      value = mutate(base, random);
    }
    CAPTURE(value);
    const auto tp = parseTraceparent(value);
    REQUIRE(tp.has_value() == referenceAccepts(value));
    if (tp) {
      // Accepted means a usable context: non-zero ids that re-parse to the same fields.
      REQUIRE(tp->trace_id.isValid());
      REQUIRE(tp->parent_id.isValid());
      const std::string again = toString(*tp);
      REQUIRE(allLowerHex(again.substr(3, 32)));
      const auto reparsed = parseTraceparent(again);
      REQUIRE(reparsed);
      REQUIRE(reparsed->trace_id == tp->trace_id);
      REQUIRE(reparsed->parent_id == tp->parent_id);
      REQUIRE(reparsed->flags == (tp->flags & kKnownFlags));
    }
  }
}

TEST_CASE("make creates a valid sampled root context with the random flag", "[tracecontext]") {
  const Traceparent tp = make();
  CHECK(tp.version == 0);
  CHECK(tp.trace_id.isValid());
  CHECK(tp.parent_id.isValid());
  CHECK(tp.sampled());
  CHECK(tp.random());
  CHECK(tp.flags == 0x03);
  const auto reparsed = parseTraceparent(toString(tp));
  REQUIRE(reparsed);
  CHECK(*reparsed == tp);
}

TEST_CASE("make(false) creates an unsampled root context that still has the random flag",
          "[tracecontext]") {
  const Traceparent tp = make(false);
  CHECK_FALSE(tp.sampled());
  CHECK(tp.random());
  CHECK(toString(tp).substr(53) == "02");
}

TEST_CASE("make never repeats a trace id or a parent id", "[tracecontext]") {
  std::set<TraceId> traces;
  std::set<SpanId> parents;
  for (int i = 0; i < 10000; ++i) {
    const Traceparent tp = make();
    CHECK(traces.insert(tp.trace_id).second);
    CHECK(parents.insert(tp.parent_id).second);
  }
}

TEST_CASE("child keeps the trace id, version and flags and takes a new parent id",
          "[tracecontext]") {
  const auto parent = parseTraceparent(
      "cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-ff-what-the-future-will-be-like");
  REQUIRE(parent);
  std::set<SpanId> seen{parent->parent_id};
  for (int i = 0; i < 1000; ++i) {
    const Traceparent c = child(*parent);
    CHECK(c.trace_id == parent->trace_id);
    CHECK(c.version == parent->version);
    CHECK(c.flags == parent->flags);
    CHECK(c.parent_id.isValid());
    CHECK(seen.insert(c.parent_id).second);
  }
  const std::string sent = toString(child(*parent));
  CHECK(sent.substr(0, 36) == "00-4bf92f3577b34da6a3ce929d0e0e4736-");
  CHECK(sent.substr(52) == "-03");
}

TEST_CASE("a child of a child stays in the same trace", "[tracecontext]") {
  const Traceparent root = make();
  const Traceparent grandchild = child(child(root));
  CHECK(grandchild.trace_id == root.trace_id);
  CHECK(grandchild.parent_id != root.parent_id);
  CHECK(grandchild.flags == root.flags);
}
