#include "core/tracecontext/tracestate.h"

#include <algorithm>
#include <cstring>
#include <vector>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace stitch::tracecontext {
namespace {

using detail::MemberSpan;

// W3C: "Entries larger than 128 characters long SHOULD be removed first."
constexpr std::size_t kLargeEntrySize = 128;

// Character classes of the list grammar, one table lookup per char.
enum CharClass : std::uint8_t {
  kKeyChar = 0x01,    // lcalpha / DIGIT / "_" / "-" / "*" / "/"  (and "@", see kAt)
  kAt = 0x02,         // "@": a key char whose role depends on the key grammar
  kLcAlpha = 0x04,    // a-z
  kDigit = 0x08,      // 0-9
  kValueChar = 0x10,  // %x20-2B / %x2D-3C / %x3E-7E: printable ASCII but ',' and '='
};

constexpr std::array<std::uint8_t, 256> kCharClass = [] {
  std::array<std::uint8_t, 256> table{};
  for (int c = 0x20; c <= 0x7e; ++c) {
    if (c != ',' && c != '=') {
      table[c] |= kValueChar;
    }
  }
  for (int c = 'a'; c <= 'z'; ++c) {
    table[c] |= kKeyChar | kLcAlpha;
  }
  for (int c = '0'; c <= '9'; ++c) {
    table[c] |= kKeyChar | kDigit;
  }
  for (const char c : {'_', '-', '*', '/'}) {
    table[static_cast<unsigned char>(c)] |= kKeyChar;
  }
  table['@'] |= kAt;
  return table;
}();

constexpr std::uint8_t charClass(char c) noexcept {
  return kCharClass[static_cast<unsigned char>(c)];
}

constexpr bool isOws(char c) noexcept {
  return c == ' ' || c == '\t';
}

// The structure of a key whose chars are all kKeyChar or kAt: first char, '@' and lengths.
// `has_at`: whether the key holds an '@' (the scanner knows it already).
std::optional<TracestateError> checkKeyStructure(std::string_view key,
                                                 TracestateKeyGrammar grammar,
                                                 bool has_at) noexcept {
  if (key.empty()) {
    return TracestateError::kInvalidKey;
  }
  const auto alnum = [](char c) { return (charClass(c) & (kLcAlpha | kDigit)) != 0; };
  const auto alpha = [](char c) { return (charClass(c) & kLcAlpha) != 0; };
  const std::size_t at = has_at ? key.find('@') : std::string_view::npos;
  if (grammar == TracestateKeyGrammar::kLevel2Abnf) {
    if (!alnum(key.front())) {
      return TracestateError::kInvalidKey;
    }
  } else if (at == std::string_view::npos) {
    if (!alpha(key.front())) {  // a simple-key starts with a letter
      return TracestateError::kInvalidKey;
    }
  } else {
    const std::string_view tenant = key.substr(0, at);
    const std::string_view system = key.substr(at + 1);
    if (tenant.empty() || !alnum(tenant.front()) || system.empty() || !alpha(system.front()) ||
        system.find('@') != std::string_view::npos) {
      return TracestateError::kInvalidKey;
    }
    if (tenant.size() > kTracestateMaxTenantSize || system.size() > kTracestateMaxSystemSize) {
      return TracestateError::kKeyTooLong;
    }
  }
  if (key.size() > kTracestateMaxKeySize) {
    return TracestateError::kKeyTooLong;
  }
  return std::nullopt;
}

// The index of the first byte at or after `i` that cannot be part of a value, or `n`. Values
// (ids, encoded state) make up most of a header: 16 bytes per step where SSE2 is available.
std::size_t skipValueChars(const char* p, std::size_t i, std::size_t n) noexcept {
#if defined(__SSE2__)
  const __m128i space = _mm_set1_epi8(' ');
  const __m128i del = _mm_set1_epi8(0x7f);
  const __m128i comma = _mm_set1_epi8(',');
  const __m128i equals = _mm_set1_epi8('=');
  for (; i + 16 <= n; i += 16) {
    const __m128i c = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + i));
    // A signed compare: bytes >= 0x80 are negative, so "below ' '" catches them too.
    const __m128i bad =
        _mm_or_si128(_mm_or_si128(_mm_cmplt_epi8(c, space), _mm_cmpeq_epi8(c, del)),
                     _mm_or_si128(_mm_cmpeq_epi8(c, comma), _mm_cmpeq_epi8(c, equals)));
    const int mask = _mm_movemask_epi8(bad);
    if (mask != 0) {
      return i + static_cast<std::size_t>(__builtin_ctz(static_cast<unsigned>(mask)));
    }
  }
#endif
  while (i < n && (charClass(p[i]) & kValueChar) != 0) {
    ++i;
  }
  return i;
}

// A hash of a key for duplicate detection, in O(1): its size and its first and last 4 bytes
// (a per-char hash chain cost more than the rest of the key scan).
std::uint32_t keyHash(std::string_view key) noexcept {
  std::uint32_t head = 0;
  std::uint32_t tail = 0;
  if (key.size() >= 4) {
    std::memcpy(&head, key.data(), 4);
    std::memcpy(&tail, key.data() + key.size() - 4, 4);
  } else if (!key.empty()) {
    head = static_cast<unsigned char>(key.front()) |
           static_cast<std::uint32_t>(static_cast<unsigned char>(key[key.size() / 2])) << 8 |
           static_cast<std::uint32_t>(static_cast<unsigned char>(key.back())) << 16;
  }
  return (head * 0x9e3779b1u) ^ (tail * 0x85ebca6bu) ^ static_cast<std::uint32_t>(key.size());
}

// A 256-bit Bloom filter of the keys seen so far: duplicate detection stays linear for the
// common case of distinct keys, and compares keys only when two hashes collide.
class KeyFilter {
public:
  // True when `hash` may have been inserted before; inserts it.
  bool testAndSet(std::uint32_t hash) noexcept {
    const std::uint32_t bit = (hash ^ (hash >> 8) ^ (hash >> 16) ^ (hash >> 24)) & 0xff;
    std::uint64_t& word = bits_[bit >> 6];
    const std::uint64_t mask = std::uint64_t{1} << (bit & 63);
    const bool seen = (word & mask) != 0;
    word |= mask;
    return seen;
  }

private:
  std::uint64_t bits_[4] = {};
};

// Scans one header value and hands each non-empty member to sink.add(key, value, hash of the
// key), which may refuse it (too many, duplicate). Stops at the first fault, left to right.
template <class Sink>
std::optional<TracestateError> scanList(std::string_view header,
                                        TracestateKeyGrammar grammar,
                                        Sink& sink) noexcept {
  if (header.size() > kTracestateMaxHeaderSize) {
    return TracestateError::kHeaderTooLong;
  }
  const char* p = header.data();
  const std::size_t n = header.size();
  std::size_t i = 0;
  for (;;) {
    while (i < n && isOws(p[i])) {
      ++i;
    }
    if (i == n) {
      return std::nullopt;
    }
    if (p[i] == ',') {  // an empty list-member: allowed, and not counted
      ++i;
      continue;
    }

    const std::size_t key_at = i;
    std::uint8_t classes = 0;
    while (i < n && (charClass(p[i]) & (kKeyChar | kAt)) != 0) {
      classes |= charClass(p[i]);
      ++i;
    }
    const std::string_view key(p + key_at, i - key_at);
    if (i == n || p[i] != '=') {
      // A stray char in the key ("foo =1", "FOO=1") or no '=' in the member at all.
      const std::string_view rest(p + i, n - i);
      const std::string_view member = rest.substr(0, rest.find(','));
      return member.find('=') != std::string_view::npos ? TracestateError::kInvalidKey
                                                        : TracestateError::kMissingEquals;
    }
    // Most keys are simple ("rojo", "ot"): check those inline, the rest out of line.
    const std::uint8_t first_classes =
        grammar == TracestateKeyGrammar::kLevel2Abnf ? kLcAlpha | kDigit : kLcAlpha;
    const bool simple_ok = (classes & kAt) == 0 && !key.empty() &&
                           key.size() <= kTracestateMaxKeySize &&
                           (charClass(key.front()) & first_classes) != 0;
    if (!simple_ok) {
      if (const auto error = checkKeyStructure(key, grammar, (classes & kAt) != 0)) {
        return error;
      }
    }
    ++i;  // '='

    const std::size_t value_at = i;
    i = skipValueChars(p, i, n);
    std::size_t value_end = i;
    while (value_end > value_at && p[value_end - 1] == ' ') {
      --value_end;  // trailing spaces are OWS, not part of the value
    }
    while (i < n && isOws(p[i])) {
      ++i;
    }
    if ((i < n && p[i] != ',') || value_end == value_at) {
      return TracestateError::kInvalidValue;
    }
    if (value_end - value_at > kTracestateMaxValueSize) {
      return TracestateError::kValueTooLong;
    }
    if (const auto error =
            sink.add(key, std::string_view(p + value_at, value_end - value_at), keyHash(key))) {
      return error;
    }
  }
}

std::string_view keyOf(const char* base, const MemberSpan& m) noexcept {
  return {base + m.key_at, m.key_size};
}

TracestateEntry entryOf(const char* base, const MemberSpan& m) noexcept {
  return {keyOf(base, m), {base + m.valueAt(), m.value_size}};
}

std::optional<std::string_view> findValue(const char* base,
                                          const MemberSpan* members,
                                          std::size_t size,
                                          std::string_view key) noexcept {
  if (key.empty()) {
    return std::nullopt;
  }
  for (std::size_t i = 0; i < size; ++i) {
    const MemberSpan& m = members[i];
    // Lengths first, then the first char, before a call to memcmp.
    if (m.key_size == key.size() && base[m.key_at] == key.front() &&
        std::memcmp(base + m.key_at, key.data(), key.size()) == 0) {
      return std::string_view(base + m.valueAt(), m.value_size);
    }
  }
  return std::nullopt;
}

// Collects members as offsets into the one header a TracestateView looks at.
struct SpanSink {
  const char* base;
  std::array<MemberSpan, kTracestateMaxMembers>& members;
  std::uint8_t& size;
  KeyFilter seen;

  std::optional<TracestateError> add(std::string_view key,
                                     std::string_view value,
                                     std::uint32_t hash) noexcept {
    if (size == kTracestateMaxMembers) {
      return TracestateError::kTooManyMembers;
    }
    if (seen.testAndSet(hash) && findValue(base, members.data(), size, key)) {
      return TracestateError::kDuplicateKey;
    }
    members[size++] = MemberSpan{static_cast<std::uint16_t>(key.data() - base),
                                 static_cast<std::uint16_t>(key.size()),
                                 static_cast<std::uint16_t>(value.size())};
    return std::nullopt;
  }
};

// Collects members from several header lines (views into the caller's strings).
struct EntrySink {
  std::array<TracestateEntry, kTracestateMaxMembers> entries;
  std::size_t size = 0;
  KeyFilter seen;

  std::optional<TracestateError> add(std::string_view key,
                                     std::string_view value,
                                     std::uint32_t hash) noexcept {
    if (size == kTracestateMaxMembers) {
      return TracestateError::kTooManyMembers;
    }
    if (seen.testAndSet(hash)) {
      for (std::size_t i = 0; i < size; ++i) {
        if (entries[i].key == key) {
          return TracestateError::kDuplicateKey;
        }
      }
    }
    entries[size++] = TracestateEntry{key, value};
    return std::nullopt;
  }
};

}  // namespace

std::string_view reasonName(TracestateError error) noexcept {
  switch (error) {
    case TracestateError::kInvalidKey:
      return "invalid_key";
    case TracestateError::kKeyTooLong:
      return "key_too_long";
    case TracestateError::kMissingEquals:
      return "missing_equals";
    case TracestateError::kInvalidValue:
      return "invalid_value";
    case TracestateError::kValueTooLong:
      return "value_too_long";
    case TracestateError::kDuplicateKey:
      return "duplicate_key";
    case TracestateError::kTooManyMembers:
      return "too_many_members";
    case TracestateError::kHeaderTooLong:
      return "header_too_long";
  }
  return "unknown";
}

std::optional<TracestateError> checkTracestateKey(std::string_view key,
                                                  TracestateKeyGrammar grammar) noexcept {
  for (const char c : key) {
    if ((charClass(c) & (kKeyChar | kAt)) == 0) {
      return TracestateError::kInvalidKey;
    }
  }
  return checkKeyStructure(key, grammar, key.find('@') != std::string_view::npos);
}

std::optional<TracestateError> checkTracestateValue(std::string_view value) noexcept {
  if (value.empty() || value.back() == ' ') {
    return TracestateError::kInvalidValue;
  }
  for (const char c : value) {
    if ((charClass(c) & kValueChar) == 0) {
      return TracestateError::kInvalidValue;
    }
  }
  if (value.size() > kTracestateMaxValueSize) {
    return TracestateError::kValueTooLong;
  }
  return std::nullopt;
}

Result<TracestateView, TracestateError> TracestateView::parse(
    std::string_view header, TracestateKeyGrammar grammar) noexcept {
  // Filled in place and returned by name: the view is not copied on the way out.
  Result<TracestateView, TracestateError> result(std::in_place);
  TracestateView& view = *result;
  view.header_ = header;
  SpanSink sink{header.data(), view.members_, view.size_, {}};
  if (const auto error = scanList(header, grammar, sink)) {
    result = Unexpected(*error);
  }
  return result;
}

TracestateView& TracestateView::operator=(const TracestateView& other) noexcept {
  header_ = other.header_;
  size_ = other.size_;
  std::copy_n(other.members_.begin(), size_, members_.begin());
  return *this;
}

TracestateEntry TracestateView::operator[](std::size_t i) const noexcept {
  return entryOf(header_.data(), members_[i]);
}

std::optional<std::string_view> TracestateView::get(std::string_view key) const noexcept {
  return findValue(header_.data(), members_.data(), size_, key);
}

Tracestate::Tracestate(const TracestateView& view, TracestateKeyGrammar grammar)
    : grammar_(grammar) {
  std::array<TracestateEntry, kTracestateMaxMembers> entries;
  std::size_t size = 0;
  for (const TracestateEntry entry : view) {
    entries[size++] = entry;
  }
  assign({entries.data(), size});
}

Result<Tracestate, TracestateError> Tracestate::parse(std::string_view header,
                                                      TracestateKeyGrammar grammar) {
  return parse(std::span<const std::string_view>(&header, 1), grammar);
}

Result<Tracestate, TracestateError> Tracestate::parse(std::span<const std::string_view> lines,
                                                      TracestateKeyGrammar grammar) {
  // Scanning line by line is joining them with ',': the separator ends a member either way,
  // and an empty or blank line is an empty member.
  EntrySink sink;
  for (const std::string_view line : lines) {
    if (const auto error = scanList(line, grammar, sink)) {
      return Unexpected(*error);
    }
  }
  Result<Tracestate, TracestateError> result(std::in_place, grammar);  // no copy on return
  result->assign({sink.entries.data(), sink.size});
  return result;
}

Result<Tracestate, TracestateError> Tracestate::parse(std::span<const std::string> lines,
                                                      TracestateKeyGrammar grammar) {
  const std::vector<std::string_view> views(lines.begin(), lines.end());
  return parse(std::span<const std::string_view>(views), grammar);
}

TracestateEntry Tracestate::operator[](std::size_t i) const noexcept {
  return entryOf(header_.data(), members_[i]);
}

std::optional<std::string_view> Tracestate::get(std::string_view key) const noexcept {
  return findValue(header_.data(), members_.data(), size_, key);
}

std::optional<TracestateError> Tracestate::set(std::string_view key, std::string_view value) {
  if (const auto error = checkTracestateKey(key, grammar_)) {
    return error;
  }
  if (const auto error = checkTracestateValue(value)) {
    return error;
  }
  std::array<TracestateEntry, kTracestateMaxMembers> entries;
  entries[0] = TracestateEntry{key, value};
  std::size_t size = 1;
  for (std::size_t i = 0; i < size_ && size < kTracestateMaxMembers; ++i) {
    const TracestateEntry entry = (*this)[i];
    if (entry.key != key) {
      entries[size++] = entry;  // the right-most member falls off when the list is full
    }
  }
  assign({entries.data(), size});
  return std::nullopt;
}

bool Tracestate::erase(std::string_view key) {
  std::array<TracestateEntry, kTracestateMaxMembers> entries;
  std::size_t size = 0;
  for (const TracestateEntry entry : *this) {
    if (entry.key != key) {
      entries[size++] = entry;
    }
  }
  if (size == size_) {
    return false;
  }
  assign({entries.data(), size});
  return true;
}

void Tracestate::truncate(std::size_t max_size) {
  std::array<TracestateEntry, kTracestateMaxMembers> entries;
  std::size_t size = 0;
  for (const TracestateEntry entry : *this) {
    entries[size++] = entry;
  }
  std::size_t total = header_.size();
  const auto entrySize = [](const TracestateEntry& e) { return e.key.size() + 1 + e.value.size(); };
  const auto remove = [&](std::size_t i) {
    // The entry and one comma (none when it was the only one).
    total -= entrySize(entries[i]) + (size > 1 ? 1 : 0);
    for (std::size_t j = i + 1; j < size; ++j) {
      entries[j - 1] = entries[j];
    }
    --size;
  };
  for (std::size_t i = size; i-- > 0 && total > max_size;) {
    if (entrySize(entries[i]) > kLargeEntrySize) {
      remove(i);
    }
  }
  while (size > 0 && total > max_size) {
    remove(size - 1);
  }
  if (size != size_) {
    assign({entries.data(), size});
  }
}

void Tracestate::assign(std::span<const TracestateEntry> entries) {
  // The text is built aside and moved in: `entries` may point into header_.
  std::size_t total = entries.empty() ? 0 : entries.size() - 1;
  for (const TracestateEntry& e : entries) {
    total += e.key.size() + 1 + e.value.size();
  }
  std::string text;
  text.reserve(total);
  for (std::size_t i = 0; i < entries.size(); ++i) {
    if (i != 0) {
      text += ',';
    }
    members_[i] = MemberSpan{static_cast<std::uint16_t>(text.size()),
                             static_cast<std::uint16_t>(entries[i].key.size()),
                             static_cast<std::uint16_t>(entries[i].value.size())};
    text += entries[i].key;
    text += '=';
    text += entries[i].value;
  }
  header_ = std::move(text);
  size_ = static_cast<std::uint8_t>(entries.size());
}

}  // namespace stitch::tracecontext
