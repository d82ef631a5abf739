#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "core/common/result.h"

namespace stitch::tracecontext {

inline constexpr std::size_t kTracestateMaxMembers = 32;     // W3C: at most 32 list-members
inline constexpr std::size_t kTracestateMaxKeySize = 256;    // key = 1..256 chars
inline constexpr std::size_t kTracestateMaxValueSize = 256;  // value = 1..256 chars
// Multi-tenant keys "tenant@system": tenant-id 1..241 chars, system-id 1..14 chars.
inline constexpr std::size_t kTracestateMaxTenantSize = 241;
inline constexpr std::size_t kTracestateMaxSystemSize = 14;
// A TracestateView refuses longer input (offsets are 16-bit). The longest canonical header is
// 32 * (256 + 1 + 256) + 31 = 16447 chars, so only absurd amounts of whitespace hit this.
inline constexpr std::size_t kTracestateMaxHeaderSize = 65535;
// W3C: "Vendors SHOULD propagate at least 512 characters of a combined header."
inline constexpr std::size_t kTracestateMinPropagatedSize = 512;

// Why a tracestate header was rejected (as a whole: W3C has no partial acceptance). The
// numeric values are stable (stored in records, metric label indexes); names come from
// reasonName(). When a header has several faults, the left-most one is reported.
enum class TracestateError : std::uint8_t {
  kInvalidKey = 0,  // empty, bad first char, a char outside the key set, or a bad tenant@system
  kKeyTooLong,      // key over 256 chars (multi-tenant: tenant-id over 241, system-id over 14)
  kMissingEquals,   // a non-empty list-member without '='
  kInvalidValue,    // empty, or a char outside printable ASCII / ',' / '=' (tabs included)
  kValueTooLong,    // value over 256 chars (trailing spaces are OWS, not counted)
  kDuplicateKey,    // a key given twice ("Only one entry per key is allowed")
  kTooManyMembers,  // more than 32 non-empty list-members
  kHeaderTooLong,   // a single header value over kTracestateMaxHeaderSize bytes
};
inline constexpr std::size_t kTracestateErrorCount = 8;

// Stable snake_case name of a rejection reason, e.g. "duplicate_key" (metric label value).
std::string_view reasonName(TracestateError error) noexcept;

// Which list-member key grammar to enforce. The two W3C texts differ:
// - kMultiTenant: Level 1 (REC) and the W3C test suite at its default strictness:
//     key              = simple-key / multi-tenant-key
//     simple-key       = lcalpha 0*255( lcalpha / DIGIT / "_" / "-" / "*" / "/" )
//     multi-tenant-key = tenant-id "@" system-id
//     tenant-id        = ( lcalpha / DIGIT ) 0*240( lcalpha / DIGIT / "_" / "-" / "*" / "/" )
//     system-id        = lcalpha 0*13( lcalpha / DIGIT / "_" / "-" / "*" / "/" )
// - kLevel2Abnf (the default: stitch implements Level 2): the Level 2 ABNF, which relaxed the
//   above (w3c/trace-context#386):
//     key     = ( lcalpha / DIGIT ) 0*255( keychar )
//     keychar = lcalpha / DIGIT / "_" / "-" / "*" / "/" / "@"
// Every key valid under kMultiTenant is valid under kLevel2Abnf; the reverse does not hold
// ("1abc", "a@b@c", "t@" + 15 chars).
enum class TracestateKeyGrammar : std::uint8_t { kMultiTenant = 0, kLevel2Abnf = 1 };
inline constexpr TracestateKeyGrammar kDefaultKeyGrammar = TracestateKeyGrammar::kLevel2Abnf;

// nullopt when `key` / `value` may appear in a tracestate list-member, else why not.
std::optional<TracestateError> checkTracestateKey(
    std::string_view key, TracestateKeyGrammar grammar = kDefaultKeyGrammar) noexcept;
std::optional<TracestateError> checkTracestateValue(std::string_view value) noexcept;

struct TracestateEntry {
  std::string_view key;
  std::string_view value;
  friend bool operator==(const TracestateEntry&, const TracestateEntry&) = default;
};

namespace detail {

// Where one list-member lies in a header string: the key at [key_at, key_at + key_size), the
// value right after its '=' (the grammar allows nothing in between). 16-bit fields keep a
// whole list in 192 bytes, so that parsing one needs no allocation.
struct MemberSpan {
  std::uint16_t key_at;
  std::uint16_t key_size;
  std::uint16_t value_size;

  constexpr std::size_t valueAt() const noexcept { return std::size_t{key_at} + key_size + 1; }
};

// Entries of a list, left-most first (for range-for over a view or a Tracestate).
template <class List>
class EntryIterator {
public:
  using value_type = TracestateEntry;
  using difference_type = std::ptrdiff_t;
  EntryIterator() = default;
  EntryIterator(const List* list, std::size_t index) noexcept : list_(list), index_(index) {}
  TracestateEntry operator*() const noexcept { return (*list_)[index_]; }
  EntryIterator& operator++() noexcept {
    ++index_;
    return *this;
  }
  EntryIterator operator++(int) noexcept {
    EntryIterator old = *this;
    ++index_;
    return old;
  }
  friend bool operator==(const EntryIterator&, const EntryIterator&) = default;

private:
  const List* list_ = nullptr;
  std::size_t index_ = 0;
};

}  // namespace detail

// One tracestate header value, validated and indexed in place: no allocation, no copy. This
// is the per-record path (a record carries one tracestate string): the decoder validates with
// it and later stages read a vendor's entry with get(). Immutable.
// Lifetime: the viewed string must outlive the view. Threading: none (a value type).
class TracestateView {
public:
  using iterator = detail::EntryIterator<TracestateView>;

  TracestateView() noexcept {}  // the empty list; members_ past size_ are never read
  // Copies the members in use only (a view is often copied, and mostly holds few).
  TracestateView(const TracestateView& other) noexcept { *this = other; }
  TracestateView& operator=(const TracestateView& other) noexcept;

  // Parses one header value (W3C Level 2 list syntax): members separated by ',', spaces and
  // tabs around members ignored, empty members allowed, at most 32 non-empty members, no
  // duplicate keys. An empty or whitespace-only header is a valid empty list. The header is
  // rejected as a whole on the first fault. Never throws, never allocates.
  static Result<TracestateView, TracestateError> parse(
      std::string_view header, TracestateKeyGrammar grammar = kDefaultKeyGrammar) noexcept;

  std::size_t size() const noexcept { return size_; }
  bool empty() const noexcept { return size_ == 0; }
  // The i-th member from the left (0 = left-most, the vendor that wrote the traceparent).
  TracestateEntry operator[](std::size_t i) const noexcept;
  // The value of `key`, if present: a linear scan comparing lengths first (at most 32).
  std::optional<std::string_view> get(std::string_view key) const noexcept;

  iterator begin() const noexcept { return {this, 0}; }
  iterator end() const noexcept { return {this, size_}; }

private:
  std::string_view header_;
  std::uint8_t size_ = 0;
  // Deliberately not zeroed: parse() writes what it uses. Zeroing (and copying) all 32 took
  // a third of the time of parsing a typical 3-member header (tracecontext_bench).
  std::array<detail::MemberSpan, kTracestateMaxMembers> members_;
};

// A tracestate list that owns its text and can be changed the way W3C lets a vendor change it:
// set() moves the entry to the front (left), erase() removes it, truncate() drops whole
// entries. The text is kept in canonical form ("k1=v1,k2=v2": no whitespace, no empty members),
// so header() is free and get() scans at most 32 lengths.
// Threading: a value type; an instance belongs to one thread at a time.
class Tracestate {
public:
  using iterator = detail::EntryIterator<Tracestate>;

  Tracestate() = default;  // the empty list, validating set() keys with kDefaultKeyGrammar
  explicit Tracestate(TracestateKeyGrammar grammar) noexcept : grammar_(grammar) {}
  // Copies a parsed header (canonicalised; one allocation at most).
  explicit Tracestate(const TracestateView& view,
                      TracestateKeyGrammar grammar = kDefaultKeyGrammar);

  // Parses one header value; see TracestateView::parse.
  static Result<Tracestate, TracestateError> parse(
      std::string_view header, TracestateKeyGrammar grammar = kDefaultKeyGrammar);
  // Parses a header received as several fields, combined in order as if joined with ','
  // (RFC 7230 3.2.2). The 32-member limit and the duplicate-key rule apply to the combination.
  static Result<Tracestate, TracestateError> parse(
      std::span<const std::string_view> lines, TracestateKeyGrammar grammar = kDefaultKeyGrammar);
  static Result<Tracestate, TracestateError> parse(
      std::span<const std::string> lines, TracestateKeyGrammar grammar = kDefaultKeyGrammar);

  std::size_t size() const noexcept { return size_; }
  bool empty() const noexcept { return size_ == 0; }
  TracestateEntry operator[](std::size_t i) const noexcept;
  std::optional<std::string_view> get(std::string_view key) const noexcept;

  // Adds or updates `key` and moves it to the front (W3C: "Modified keys MUST be moved to the
  // beginning (left) of the list"). When the list already holds 32 other members, the
  // right-most one is dropped. nullopt on success; on an invalid key or value, why, and the
  // list is unchanged.
  [[nodiscard]] std::optional<TracestateError> set(std::string_view key, std::string_view value);
  // Removes `key`; false if it was not there.
  bool erase(std::string_view key);
  // Drops whole entries until header() fits in `max_size` chars, the way W3C asks: entries
  // longer than 128 chars first (right-most first), then from the right end.
  void truncate(std::size_t max_size);

  // The canonical header value, e.g. "rojo=00f067aa0ba902b7,congo=t61rcWkgMzE"; "" when empty.
  std::string_view header() const noexcept { return header_; }
  std::string toString() const { return header_; }
  TracestateKeyGrammar keyGrammar() const noexcept { return grammar_; }

  iterator begin() const noexcept { return {this, 0}; }
  iterator end() const noexcept { return {this, size_}; }

  // Same entries in the same order (the canonical text says it all).
  friend bool operator==(const Tracestate& a, const Tracestate& b) noexcept {
    return a.header_ == b.header_;
  }

private:
  // Rebuilds header_ and members_ from `entries` (which may point into header_).
  void assign(std::span<const TracestateEntry> entries);

  std::string header_;
  std::array<detail::MemberSpan, kTracestateMaxMembers> members_{};
  std::uint8_t size_ = 0;
  TracestateKeyGrammar grammar_ = kDefaultKeyGrammar;
};

}  // namespace stitch::tracecontext
