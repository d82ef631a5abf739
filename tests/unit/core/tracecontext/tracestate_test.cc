#include "core/tracecontext/tracestate.h"

#include <algorithm>
#include <cstdio>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <catch2/catch.hpp>

#include "tests/unit/support/allocation_counter.h"

using namespace stitch::tracecontext;
using E = TracestateError;
using G = TracestateKeyGrammar;
using Entries = std::vector<std::pair<std::string, std::string>>;

namespace {

template <class List>
Entries entriesOf(const List& list) {
  Entries out;
  for (const TracestateEntry entry : list) {
    out.emplace_back(entry.key, entry.value);
  }
  return out;
}

std::string reasonOf(const stitch::Result<Tracestate, TracestateError>& parsed) {
  return parsed ? "ok" : std::string(reasonName(parsed.error()));
}

std::string membersHeader(int count, std::string_view prefix = "k") {
  std::string header;
  for (int i = 0; i < count; ++i) {
    header.append(i ? "," : "").append(prefix).append(std::to_string(i));
    header.append("=").append(std::to_string(i));
  }
  return header;
}

// The list rules as W3C states them, written plainly (split, trim, check), to hold the
// single-pass parser to.
bool referenceKeyPart(std::string_view part, std::size_t max, bool digit_first) {
  if (part.empty() || part.size() > max) {
    return false;
  }
  const char first = part.front();
  if (!((first >= 'a' && first <= 'z') || (digit_first && first >= '0' && first <= '9'))) {
    return false;
  }
  for (const char c : part) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '*' ||
          c == '/')) {
      return false;
    }
  }
  return true;
}

bool referenceKey(std::string_view key, G grammar) {
  if (grammar == G::kLevel2Abnf) {
    std::string without_at(key);
    for (char& c : without_at) {
      c = c == '@' ? 'a' : c;
    }
    return !key.empty() && key.front() != '@' && referenceKeyPart(without_at, 256, true);
  }
  const std::size_t at = key.find('@');
  if (at == std::string_view::npos) {
    return referenceKeyPart(key, 256, false);
  }
  return referenceKeyPart(key.substr(0, at), 241, true) &&
         referenceKeyPart(key.substr(at + 1), 14, false);
}

bool referenceValue(std::string_view value) {
  if (value.empty() || value.size() > 256 || value.back() == ' ') {
    return false;
  }
  for (const char c : value) {
    if (c < 0x20 || c > 0x7e || c == ',' || c == '=') {
      return false;
    }
  }
  return true;
}

std::optional<Entries> referenceParse(std::string_view header, G grammar) {
  Entries entries;
  std::set<std::string> keys;
  std::size_t start = 0;
  while (start <= header.size()) {
    std::size_t comma = header.find(',', start);
    if (comma == std::string_view::npos) {
      comma = header.size();
    }
    std::string_view member = header.substr(start, comma - start);
    while (!member.empty() && (member.front() == ' ' || member.front() == '\t')) {
      member.remove_prefix(1);
    }
    while (!member.empty() && (member.back() == ' ' || member.back() == '\t')) {
      member.remove_suffix(1);
    }
    if (!member.empty()) {
      const std::size_t eq = member.find('=');
      if (eq == std::string_view::npos) {
        return std::nullopt;
      }
      const std::string_view key = member.substr(0, eq);
      const std::string_view value = member.substr(eq + 1);
      if (!referenceKey(key, grammar) || !referenceValue(value) ||
          !keys.insert(std::string(key)).second) {
        return std::nullopt;
      }
      entries.emplace_back(key, value);
    }
    start = comma + 1;
  }
  if (entries.size() > 32) {
    return std::nullopt;
  }
  return entries;
}

std::string randomKey(std::mt19937_64& random, G grammar) {
  static constexpr char kLetters[] = "abcdefghijklmnopqrstuvwxyz";
  static constexpr char kChars[] = "abcdefghijklmnopqrstuvwxyz0123456789_-*/";
  const auto tail = [&](std::size_t n) {
    std::string s;
    for (std::size_t i = 0; i < n; ++i) {
      s += kChars[random() % (sizeof(kChars) - 1)];
    }
    return s;
  };
  std::string key = std::string(1, kLetters[random() % 26]) + tail(random() % 12);
  if (random() % 4 == 0) {
    key.append("@").append(1, kLetters[random() % 26]).append(tail(random() % 13));
  } else if (grammar == G::kLevel2Abnf && random() % 4 == 0) {
    key.append("@@").append(tail(random() % 5));
  }
  return key;
}

std::string randomValue(std::mt19937_64& random) {
  std::string value;
  const std::size_t size = 1 + random() % (random() % 8 == 0 ? 256 : 20);
  while (value.size() < size) {
    const char c = static_cast<char>(0x20 + random() % 95);
    if (c != ',' && c != '=') {
      value += c;
    }
  }
  while (value.back() == ' ') {
    value.back() = 'x';
  }
  return value;
}

std::string randomOws(std::mt19937_64& random) {
  static constexpr const char* kOws[] = {"", "", "", " ", "\t", " \t ", "  "};
  return kOws[random() % 7];
}

}  // namespace

TEST_CASE("Tracestate parses the specification's examples in order", "[tracecontext]") {
  const auto ts = Tracestate::parse("rojo=00f067aa0ba902b7,congo=t61rcWkgMzE");
  REQUIRE(ts);
  CHECK(entriesOf(*ts) == Entries{{"rojo", "00f067aa0ba902b7"}, {"congo", "t61rcWkgMzE"}});
  CHECK(ts->get("congo") == "t61rcWkgMzE");
  CHECK(ts->get("rojo") == "00f067aa0ba902b7");
  CHECK_FALSE(ts->get("roj"));
  CHECK(ts->header() == "rojo=00f067aa0ba902b7,congo=t61rcWkgMzE");
}

TEST_CASE("Tracestate ignores spaces and tabs around list members", "[tracecontext]") {
  const auto header =
      GENERATE(as<std::string>{}, "foo=1 \t , \t bar=2, \t baz=3",
               "foo=1\t \t,\t \tbar=2,\t \tbaz=3", " foo=1,bar=2,baz=3", "\tfoo=1,bar=2,baz=3",
               "foo=1,bar=2,baz=3 ", "foo=1,bar=2,baz=3\t", "\t foo=1 , bar=2 , baz=3 \t");
  CAPTURE(header);
  const auto ts = Tracestate::parse(header);
  REQUIRE(ts);
  CHECK(entriesOf(*ts) == Entries{{"foo", "1"}, {"bar", "2"}, {"baz", "3"}});
  CHECK(ts->header() == "foo=1,bar=2,baz=3");
}

TEST_CASE("Tracestate keeps spaces inside and in front of a value", "[tracecontext]") {
  const auto ts = Tracestate::parse("a=  x y  ,b=z");
  REQUIRE(ts);
  CHECK(ts->get("a") == "  x y");  // leading spaces are part of the value, trailing are OWS
  CHECK(ts->header() == "a=  x y,b=z");
}

TEST_CASE("Tracestate accepts empty and whitespace-only headers and members", "[tracecontext]") {
  const auto header = GENERATE(as<std::string>{}, "", " ", "\t \t", ",", " , ,\t,", ",,,,");
  CAPTURE(header);
  const auto ts = Tracestate::parse(header);
  REQUIRE(ts);
  CHECK(ts->empty());
  CHECK(ts->header().empty());

  const auto with_members = Tracestate::parse(header + "a=1," + header + ",b=2" + header);
  REQUIRE(with_members);
  CHECK(entriesOf(*with_members) == Entries{{"a", "1"}, {"b", "2"}});
}

TEST_CASE("Tracestate combines several header lines in order, as if joined with commas",
          "[tracecontext]") {
  const std::vector<std::string> lines = {"foo=1,bar=2", "rojo=1,congo=2", "", "baz=3", " "};
  const auto ts = Tracestate::parse(lines);
  REQUIRE(ts);
  CHECK(ts->header() == "foo=1,bar=2,rojo=1,congo=2,baz=3");

  const std::vector<std::string_view> views = {"", "foo=1"};
  const auto empty_first = Tracestate::parse(views);
  REQUIRE(empty_first);
  CHECK(entriesOf(*empty_first) == Entries{{"foo", "1"}});
}

TEST_CASE("Tracestate rejects a key repeated across header lines", "[tracecontext]") {
  const auto lines =
      GENERATE(as<std::vector<std::string>>{}, std::vector<std::string>{"foo=1", "foo=1"},
               std::vector<std::string>{"foo=1", "foo=2"}, std::vector<std::string>{"foo=1,foo=1"},
               std::vector<std::string>{"foo=1,bar=2,foo=2"});
  const auto ts = Tracestate::parse(lines);
  REQUIRE_FALSE(ts);
  CHECK(ts.error() == E::kDuplicateKey);
}

TEST_CASE("Tracestate holds 32 members and rejects 33, counting across lines", "[tracecontext]") {
  const auto full = Tracestate::parse(membersHeader(32));
  REQUIRE(full);
  CHECK(full->size() == 32);
  CHECK(full->get("k31") == "31");

  const auto too_many = Tracestate::parse(membersHeader(33));
  REQUIRE_FALSE(too_many);
  CHECK(too_many.error() == E::kTooManyMembers);

  // The W3C test suite's split: 10 + 10 + 10 + 2 (valid) and 10 + 10 + 10 + 3 (invalid).
  std::vector<std::string> lines;
  for (int line = 0; line < 4; ++line) {
    std::string text;
    for (int i = line * 10 + 1; i <= std::min(line * 10 + 10, 32); ++i) {
      char member[32];
      std::snprintf(member, sizeof(member), "%sbar%02d=%02d", text.empty() ? "" : ",", i, i);
      text += member;
    }
    lines.push_back(text);
  }
  const auto combined = Tracestate::parse(lines);
  REQUIRE(combined);
  CHECK(combined->size() == 32);
  CHECK(combined->get("bar01") == "01");
  lines.back() += ",bar33=33";
  CHECK(reasonOf(Tracestate::parse(lines)) == "too_many_members");

  // Empty members do not count.
  CHECK(Tracestate::parse(",," + membersHeader(32) + ",,,"));
}

TEST_CASE("Tracestate key rules under the multi-tenant grammar", "[tracecontext]") {
  auto [key, reason] = GENERATE(table<std::string, std::string>({
      {"a", "ok"},
      {"foo", "ok"},
      {"foo123", "ok"},
      {"f_-*/0", "ok"},
      {"abcdefghijklmnopqrstuvwxyz0123456789_-*/", "ok"},
      {"abcdefghijklmnopqrstuvwxyz0123456789_-*/@a-z0-9_-*/", "ok"},  // W3C suite's vendor key
      {"fw529a3039@dt", "ok"},
      {"1a2b3c4d5e@dt", "ok"},  // a tenant-id may start with a digit
      {"9@a", "ok"},
      {std::string(256, 'z'), "ok"},
      {std::string(241, 't') + "@" + std::string(14, 'v'), "ok"},
      {std::string(257, 'z'), "key_too_long"},
      {std::string(242, 't') + "@v", "key_too_long"},
      {"t@" + std::string(15, 'v'), "key_too_long"},
      {"1abc", "invalid_key"},  // a simple-key starts with a letter
      {"foo@", "invalid_key"},
      {"@foo", "invalid_key"},
      {"foo@@bar", "invalid_key"},
      {"foo@bar@baz", "invalid_key"},
      {"foo@1bar", "invalid_key"},  // a system-id starts with a letter
      {"_foo", "invalid_key"},
      {"FOO", "invalid_key"},
      {"foo.bar", "invalid_key"},
      {"foo bar", "invalid_key"},
      {"", "invalid_key"},
  }));
  CAPTURE(key);
  CHECK(reasonOf(Tracestate::parse(key + "=1", G::kMultiTenant)) == reason);
  CHECK(reasonOf(Tracestate::parse("bar=2," + key + "=1", G::kMultiTenant)) == reason);
  const auto checked = checkTracestateKey(key, G::kMultiTenant);
  CHECK((checked ? std::string(reasonName(*checked)) : "ok") == reason);
}

TEST_CASE("Tracestate key rules under the Level 2 draft's grammar", "[tracecontext]") {
  auto [key, reason] = GENERATE(table<std::string, std::string>({
      {"foo", "ok"},
      {"1abc", "ok"},
      {"foo@", "ok"},
      {"foo@@bar", "ok"},
      {"foo@bar@baz", "ok"},
      {"123@456", "ok"},
      {std::string(242, 't') + "@v", "ok"},
      {"t@" + std::string(15, 'v'), "ok"},
      {std::string(256, 'z'), "ok"},
      {std::string(257, 'z'), "key_too_long"},
      {"@foo", "invalid_key"},
      {"_foo", "invalid_key"},
      {"FOO", "invalid_key"},
      {"", "invalid_key"},
  }));
  CAPTURE(key);
  CHECK(reasonOf(Tracestate::parse(key + "=1", G::kLevel2Abnf)) == reason);
  const auto checked = checkTracestateKey(key, G::kLevel2Abnf);
  CHECK((checked ? std::string(reasonName(*checked)) : "ok") == reason);
}

TEST_CASE("Tracestate value rules", "[tracecontext]") {
  std::string every_allowed_char;
  for (int c = 0x20; c <= 0x7e; ++c) {
    if (c != ',' && c != '=') {
      every_allowed_char += static_cast<char>(c);
    }
  }
  auto [value, reason] = GENERATE_COPY(table<std::string, std::string>({
      {"1", "ok"},
      {every_allowed_char, "ok"},
      {std::string(256, 'v'), "ok"},
      {std::string(256, 'v') + "   ", "ok"},  // trailing spaces are not part of the value
      {std::string(257, 'v'), "value_too_long"},
      {"", "invalid_value"},
      {"   ", "invalid_value"},
      {"bar=baz", "invalid_value"},
      {"a\tb", "invalid_value"},
      {"a\nb", "invalid_value"},
      {"caf\xc3\xa9", "invalid_value"},
      {std::string("a\0b", 3), "invalid_value"},
      {"a\x7f", "invalid_value"},
  }));
  CAPTURE(value);
  CHECK(reasonOf(Tracestate::parse("foo=" + value)) == reason);
  CHECK(reasonOf(Tracestate::parse("foo=" + value + ",bar=3")) == reason);
}

TEST_CASE("Tracestate rejects malformed members as a whole, with the first fault",
          "[tracecontext]") {
  auto [header, reason] = GENERATE(table<std::string, std::string>({
      {"foo", "missing_equals"},
      {"foo=1,bar", "missing_equals"},
      {"foo=1, bar baz ,x=2", "missing_equals"},
      {"foo =1", "invalid_key"},
      {"=1", "invalid_key"},
      {"foo=,bar=3", "invalid_value"},
      {"foo=bar=baz", "invalid_value"},
      {"foo=1;bar:2", "ok"},             // ";" and ":" are value chars
      {"foo=1;bar=2", "invalid_value"},  // but "=" is not
      {"FOO=1,foo=2,foo=3", "invalid_key"},
      {"foo=1,foo=2,FOO=3", "duplicate_key"},
  }));
  CAPTURE(header);
  CHECK(reasonOf(Tracestate::parse(header)) == reason);
}

TEST_CASE("reasonName gives every tracestate rejection a distinct stable name", "[tracecontext]") {
  auto [error, name] = GENERATE(table<TracestateError, std::string>({
      {E::kInvalidKey, "invalid_key"},
      {E::kKeyTooLong, "key_too_long"},
      {E::kMissingEquals, "missing_equals"},
      {E::kInvalidValue, "invalid_value"},
      {E::kValueTooLong, "value_too_long"},
      {E::kDuplicateKey, "duplicate_key"},
      {E::kTooManyMembers, "too_many_members"},
      {E::kHeaderTooLong, "header_too_long"},
  }));
  CHECK(reasonName(error) == name);
  CHECK(static_cast<std::size_t>(error) < kTracestateErrorCount);
}

TEST_CASE("TracestateView refuses a header longer than 64 KiB of mostly whitespace",
          "[tracecontext]") {
  const std::string header = "a=1" + std::string(kTracestateMaxHeaderSize, ' ');
  const auto view = TracestateView::parse(header);
  REQUIRE_FALSE(view);
  CHECK(view.error() == E::kHeaderTooLong);
}

TEST_CASE("TracestateView parses a record's header in place without allocating", "[tracecontext]") {
  const std::string header = " ot=th:8;rv:1a2b3c4d5e6f70 , rojo=00f067aa0ba902b7,congo=t61rc ";
  const stitch::test::AllocationCounter allocations;
  const auto view = TracestateView::parse(header);
  const auto ot = view ? view->get("ot") : std::nullopt;
  CHECK(allocations.count() == 0);
  REQUIRE(view);
  CHECK(view->size() == 3);
  CHECK(ot == "th:8;rv:1a2b3c4d5e6f70");
  CHECK(ot->data() == header.data() + 4);  // a view into the record's own bytes
  CHECK((*view)[2] == TracestateEntry{"congo", "t61rc"});
  CHECK_FALSE(view->get("o"));
  CHECK_FALSE(view->get("ott"));
}

TEST_CASE("set adds a new key at the front and moves an updated key to the front",
          "[tracecontext]") {
  auto ts = Tracestate::parse("rojo=00f067aa0ba902b7,congo=t61rcWkgMzE");
  REQUIRE(ts);
  REQUIRE_FALSE(ts->set("ot", "th:8"));
  CHECK(ts->header() == "ot=th:8,rojo=00f067aa0ba902b7,congo=t61rcWkgMzE");
  REQUIRE_FALSE(ts->set("congo", "ucfJifl5GOE"));
  CHECK(ts->header() == "congo=ucfJifl5GOE,ot=th:8,rojo=00f067aa0ba902b7");
  CHECK(ts->get("congo") == "ucfJifl5GOE");
  CHECK(ts->size() == 3);
}

TEST_CASE("set on a full list drops the right-most member", "[tracecontext]") {
  auto ts = Tracestate::parse(membersHeader(32));
  REQUIRE(ts);
  REQUIRE_FALSE(ts->set("new", "v"));
  CHECK(ts->size() == 32);
  CHECK((*ts)[0] == TracestateEntry{"new", "v"});
  CHECK(ts->get("k30") == "30");
  CHECK_FALSE(ts->get("k31"));

  // Updating a key already there makes room by itself: nothing else falls off.
  REQUIRE_FALSE(ts->set("k5", "five"));
  CHECK(ts->size() == 32);
  CHECK(ts->get("k30") == "30");
  CHECK((*ts)[0] == TracestateEntry{"k5", "five"});
}

TEST_CASE("set refuses an invalid key or value and leaves the list unchanged", "[tracecontext]") {
  auto ts = Tracestate::parse("a=1,b=2");
  REQUIRE(ts);
  auto [key, value, reason] = GENERATE(table<std::string, std::string, TracestateError>({
      {"Bad", "1", E::kInvalidKey},
      {"", "1", E::kInvalidKey},
      {std::string(257, 'k'), "1", E::kKeyTooLong},
      {"ok", "", E::kInvalidValue},
      {"ok", "a,b", E::kInvalidValue},
      {"ok", "a=b", E::kInvalidValue},
      {"ok", "trailing ", E::kInvalidValue},
      {"ok", std::string(257, 'v'), E::kValueTooLong},
  }));
  CAPTURE(key, value);
  const auto error = ts->set(key, value);
  REQUIRE(error);
  CHECK(*error == reason);
  CHECK(ts->header() == "a=1,b=2");
}

TEST_CASE("set validates keys with the grammar the list was parsed with", "[tracecontext]") {
  auto strict = Tracestate::parse("x=1", G::kMultiTenant);
  REQUIRE(strict);
  CHECK(strict->set("a@b@c", "1") == E::kInvalidKey);
  Tracestate relaxed_by_default;
  CHECK_FALSE(relaxed_by_default.set("a@b@c", "1"));
  auto relaxed = Tracestate::parse("x=1", G::kLevel2Abnf);
  REQUIRE(relaxed);
  CHECK_FALSE(relaxed->set("a@b@c", "1"));
  CHECK(relaxed->header() == "a@b@c=1,x=1");
}

TEST_CASE("set accepts a key or value taken from the list itself", "[tracecontext]") {
  auto ts = Tracestate::parse("a=1,b=2,c=3");
  REQUIRE(ts);
  const TracestateEntry last = (*ts)[2];
  REQUIRE_FALSE(ts->set(last.key, last.value));
  CHECK(ts->header() == "c=3,a=1,b=2");
}

TEST_CASE("erase removes a key and keeps the order of the rest", "[tracecontext]") {
  auto ts = Tracestate::parse("a=1,b=2,c=3");
  REQUIRE(ts);
  CHECK(ts->erase("b"));
  CHECK(ts->header() == "a=1,c=3");
  CHECK_FALSE(ts->erase("b"));
  CHECK(ts->erase("a"));
  CHECK(ts->erase("c"));
  CHECK(ts->empty());
  CHECK(ts->header().empty());
}

TEST_CASE("truncate drops entries over 128 chars first, then from the right", "[tracecontext]") {
  const std::string big(140, 'x');
  auto ts = Tracestate::parse("a=1,big=" + big + ",b=2,c=3");
  REQUIRE(ts);
  ts->truncate(64);
  CHECK(ts->header() == "a=1,b=2,c=3");
  ts->truncate(7);
  CHECK(ts->header() == "a=1,b=2");
  ts->truncate(7);
  CHECK(ts->header() == "a=1,b=2");
  ts->truncate(2);
  CHECK(ts->empty());

  auto fits = Tracestate::parse(membersHeader(32));
  REQUIRE(fits);
  const std::string before(fits->header());
  fits->truncate(kTracestateMinPropagatedSize);
  CHECK(fits->header() == before);
}

TEST_CASE("a Tracestate copied from a view holds the same entries in canonical form",
          "[tracecontext]") {
  const std::string header = " a=1 ,, b=2\t";
  const auto view = TracestateView::parse(header);
  REQUIRE(view);
  const Tracestate owned(*view);
  CHECK(owned.header() == "a=1,b=2");
  CHECK(entriesOf(owned) == entriesOf(*view));
}

TEST_CASE("parse, format and parse again give the same entries for random valid lists",
          "[tracecontext]") {
  std::mt19937_64 random(512);
  for (int i = 0; i < 2000; ++i) {
    const G grammar = i % 2 ? G::kLevel2Abnf : G::kMultiTenant;
    Entries expected;
    std::set<std::string> keys;
    const std::size_t count = random() % 33;
    std::string header = randomOws(random);
    while (expected.size() < count) {
      std::string key = randomKey(random, grammar);
      if (!keys.insert(key).second) {
        continue;
      }
      const std::string value = randomValue(random);
      if (random() % 5 == 0) {
        header.append(",").append(randomOws(random));  // an empty member
      }
      if (!expected.empty()) {
        header.append(",").append(randomOws(random));
      }
      header.append(key).append("=").append(value).append(randomOws(random));
      expected.emplace_back(std::move(key), value);
    }
    CAPTURE(header);
    const auto first = Tracestate::parse(header, grammar);
    REQUIRE(first);
    REQUIRE(entriesOf(*first) == expected);
    const auto second = Tracestate::parse(first->header(), grammar);
    REQUIRE(second);
    REQUIRE(*second == *first);
    const auto view = TracestateView::parse(header, grammar);
    REQUIRE(view);
    REQUIRE(entriesOf(*view) == expected);
    for (const auto& [key, value] : expected) {
      REQUIRE(first->get(key) == value);
      REQUIRE(view->get(key) == value);
    }
  }
}

TEST_CASE("mutated headers are accepted exactly when the rules say so, by both parsers",
          "[tracecontext]") {
  std::mt19937_64 random(33);
  static constexpr char kInteresting[] = {',', '=',    ' ',  '\t',   '@', 'A', '_', '0',
                                          '~', '\x7f', '\0', '\x80', ';', ':', 'z'};
  for (int i = 0; i < 20000; ++i) {
    const G grammar = i % 2 ? G::kLevel2Abnf : G::kMultiTenant;
    std::string header;
    const int members = static_cast<int>(random() % 6);
    for (int m = 0; m < members; ++m) {
      header.append(m ? "," : "").append(randomOws(random)).append(randomKey(random, grammar));
      header.append("=").append(randomValue(random).substr(0, 12)).append(randomOws(random));
    }
    for (int e = 0; e < 1 + static_cast<int>(random() % 3); ++e) {
      const std::size_t at = header.empty() ? 0 : random() % header.size();
      const char byte = kInteresting[random() % sizeof(kInteresting)];
      if (random() % 2 && !header.empty()) {
        header[at] = byte;
      } else {
        header.insert(header.begin() + static_cast<std::ptrdiff_t>(at), byte);
      }
    }
    CAPTURE(header);
    const auto owned = Tracestate::parse(header, grammar);
    const auto view = TracestateView::parse(header, grammar);
    const auto reference = referenceParse(header, grammar);
    REQUIRE(owned.has_value() == reference.has_value());
    REQUIRE(view.has_value() == owned.has_value());
    if (owned) {
      REQUIRE(entriesOf(*owned) == *reference);
      REQUIRE(entriesOf(*view) == *reference);
      const auto again = Tracestate::parse(owned->header(), grammar);
      REQUIRE(again);
      REQUIRE(*again == *owned);
    } else {
      REQUIRE(view.error() == owned.error());
    }
  }
}
