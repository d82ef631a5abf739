#pragma once

// Codecs: how each kind of config value is read from a Node, written back as YAML and
// documented. Schema::field() picks one from the member's type (defaultCodec); section authors
// only meet them through the constraint methods of a field (min, max, nonEmpty).

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cmath>
#include <concepts>
#include <cstdint>
#include <functional>
#include <limits>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include "config/decoder.h"
#include "config/node.h"
#include "config/text.h"
#include "config/units.h"
#include "config/yaml_writer.h"
#include "core/common/box.h"
#include "core/common/result.h"

namespace stitch::config {

template <class T>
class Schema;
template <class E>
class EnumSchema;
template <class T>
const Schema<T>& schemaOf();
template <class E>
const EnumSchema<E>& enumSchemaOf();

// ---------------------------------------------------------------------------------------------
// What the generators (default YAML, Markdown reference) learn about a schema.

class StructInfo;

struct TypeDoc {
  std::string name;                  // "integer", "duration", "list of strings", "mapping", ...
  std::vector<std::string> allowed;  // an enum's names
  std::string constraints;           // "at least 1", "1 to 65535", "not empty"
  const StructInfo* (*structure)() = nullptr;  // the struct reached through this value, if any
  std::string suffix;                          // path from the key into it: "", "[]", ".<name>"
};

struct AlternativeDoc {
  std::string name;
  std::string description;
  const StructInfo* (*info)() = nullptr;
};

struct FieldDoc {
  std::string key;
  std::string description;
  bool required = false;
  TypeDoc type;
  std::string default_text;                  // one-line YAML; empty for a nested mapping
  const void* nested_instance = nullptr;     // the default value of a directly nested struct
  std::vector<AlternativeDoc> alternatives;  // for a union's `type` key: one per type
};

// A schema seen without its type.
class StructInfo {
public:
  virtual ~StructInfo() = default;
  // Calls `sink` once per key, in order, with defaults taken from `instance` (an object of
  // the schema's type) or from a default-constructed one when it is null. Pointers in the
  // FieldDoc are valid during the call only.
  virtual void document(const void* instance,
                        const std::function<void(const FieldDoc&)>& sink) const = 0;
};

template <class S>
const StructInfo* structInfoOf() {
  return &schemaOf<S>();
}

// The comment written above a key in the default config: its description, then what values
// it accepts ("One of: text, json.", "At least 1ms.", "Required.").
std::string fieldComment(std::string_view description, const TypeDoc& type, bool required);

// ---------------------------------------------------------------------------------------------
// Codecs: how one type of value is read, written and documented. Every codec has
//   using Value = ...;
//   void decode(const Node&, Value&, Decoder&) const;     // reports problems, never throws
//   void write(const Value&, YamlWriter&) const;          // after a key or a list dash
//   std::optional<std::string> flow(const Value&) const;  // on one line, when it fits
//   TypeDoc doc() const;
// and optionally decodeAbsent (the key is not in the file), setMin/setMax/setNonEmpty.

namespace detail {

template <class>
inline constexpr bool kAlwaysFalse = false;

template <class T>
struct IsDuration : std::false_type {};
template <class R, class P>
struct IsDuration<std::chrono::duration<R, P>> : std::true_type {};
template <class T>
struct IsVector : std::false_type {};
template <class V, class A>
struct IsVector<std::vector<V, A>> : std::true_type {};
template <class T>
struct IsOptional : std::false_type {};
template <class V>
struct IsOptional<std::optional<V>> : std::true_type {};
template <class T>
struct IsStringMap : std::false_type {};
template <class V, class C, class A>
struct IsStringMap<std::map<std::string, V, C, A>> : std::true_type {};
template <class T>
struct IsBox : std::false_type {};
template <class V>
struct IsBox<Box<V>> : std::true_type {
  using element = V;
};
template <class T>
struct IsVariant : std::false_type {};
template <class... A>
struct IsVariant<std::variant<A...>> : std::true_type {};

// "got X" for a scalar codec handed the wrong kind of node.
std::string expectedButGot(std::string_view expectation, const Node& node);
// "must be at least 1, got 0" and friends; bounds already rendered.
std::string rangeMessage(const std::string& low,
                         const std::string& high,
                         bool below,
                         bool low_is_limit,
                         bool high_is_limit,
                         const std::string& got);
std::string constraintText(const std::optional<std::string>& low,
                           const std::optional<std::string>& high);
std::string renderDouble(double value);
std::string durationUnitName(std::intmax_t num, std::intmax_t den);

// Reads a scalar node with codec.parse(text) -> Result<Value, std::string>.
template <class C, class V>
void decodeScalar(const C& codec, const Node& node, V& out, Decoder& d) {
  if (node.poisoned) {
    return;
  }
  if (!node.isScalar()) {
    d.error(node.mark, expectedButGot(codec.expectation(), node));
    return;
  }
  auto parsed = codec.parse(node.scalar);
  if (!parsed) {
    d.error(node.mark, std::move(parsed).error());
    return;
  }
  out = std::move(parsed).value();
}

}  // namespace detail

class BoolCodec {
public:
  using Value = bool;
  std::string expectation() const { return "expected true or false"; }
  Result<bool, std::string> parse(std::string_view text) const;
  void decode(const Node& node, bool& out, Decoder& d) const {
    detail::decodeScalar(*this, node, out, d);
  }
  void write(bool value, YamlWriter& w) const { w.scalar(value ? "true" : "false"); }
  std::optional<std::string> flow(bool value) const { return value ? "true" : "false"; }
  TypeDoc doc() const { return TypeDoc{"boolean", {}, {}, nullptr, {}}; }
};

template <std::integral I>
class IntCodec {
public:
  using Value = I;
  void setMin(I bound) { min_ = bound; }
  void setMax(I bound) { max_ = bound; }
  std::string expectation() const { return "expected an integer"; }

  Result<I, std::string> parse(std::string_view text) const {
    using Wide = std::conditional_t<std::is_signed_v<I>, std::int64_t, std::uint64_t>;
    const I low = min_.value_or(std::numeric_limits<I>::min());
    const I high = max_.value_or(std::numeric_limits<I>::max());
    std::string_view digits = text;
    if (!digits.empty() && digits[0] == '+') {
      digits.remove_prefix(1);
    }
    const bool negative = !digits.empty() && digits[0] == '-';
    const std::string_view magnitude = negative ? digits.substr(1) : digits;
    if (magnitude.empty() || magnitude.find_first_not_of("0123456789") != std::string_view::npos) {
      return Unexpected(cat(expectation(), ", got \"", text, "\""));
    }
    Wide value{};
    bool below = false;
    bool above = false;
    if (negative && std::is_unsigned_v<I>) {
      below = magnitude.find_first_not_of('0') != std::string_view::npos;
    } else {
      const auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
      if (ec == std::errc::result_out_of_range) {
        (negative ? below : above) = true;
      }
      (void)ptr;
    }
    if (!below && !above) {
      below = std::cmp_less(value, low);
      above = std::cmp_greater(value, high);
    }
    if (below || above) {
      return Unexpected(detail::rangeMessage(std::to_string(low), std::to_string(high), below,
                                             !min_.has_value(), !max_.has_value(),
                                             std::string(text)));
    }
    return static_cast<I>(value);
  }

  void decode(const Node& node, I& out, Decoder& d) const {
    detail::decodeScalar(*this, node, out, d);
  }
  void write(I value, YamlWriter& w) const { w.scalar(std::to_string(value)); }
  std::optional<std::string> flow(I value) const { return std::to_string(value); }
  TypeDoc doc() const {
    return TypeDoc{"integer",
                   {},
                   detail::constraintText(bound(min_, std::is_signed_v<I>), bound(max_, true)),
                   nullptr,
                   {}};
  }

private:
  static std::optional<std::string> bound(const std::optional<I>& b, bool show_zero) {
    if (!b || (!show_zero && *b == 0)) {
      return std::nullopt;
    }
    return std::to_string(*b);
  }

  std::optional<I> min_;
  std::optional<I> max_;
};

template <std::floating_point F>
class DoubleCodec {
public:
  using Value = F;
  void setMin(double bound) { min_ = bound; }
  void setMax(double bound) { max_ = bound; }
  std::string expectation() const { return "expected a number"; }

  Result<F, std::string> parse(std::string_view text) const;

  void decode(const Node& node, F& out, Decoder& d) const {
    detail::decodeScalar(*this, node, out, d);
  }
  void write(F value, YamlWriter& w) const { w.scalar(detail::renderDouble(value)); }
  std::optional<std::string> flow(F value) const { return detail::renderDouble(value); }
  TypeDoc doc() const {
    const auto render = [](const std::optional<double>& b) -> std::optional<std::string> {
      return b ? std::optional<std::string>(detail::renderDouble(*b)) : std::nullopt;
    };
    return TypeDoc{"number", {}, detail::constraintText(render(min_), render(max_)), nullptr, {}};
  }

private:
  std::optional<double> min_;
  std::optional<double> max_;
};

// Parses with std::from_chars; rejects inf and nan.
Result<double, std::string> parseDouble(std::string_view text);

template <std::floating_point F>
Result<F, std::string> DoubleCodec<F>::parse(std::string_view text) const {
  auto parsed = parseDouble(text);
  if (!parsed) {
    return Unexpected(std::move(parsed).error());
  }
  const double value = parsed.value();
  const bool below = min_ && value < *min_;
  const bool above = (max_ && value > *max_) ||
                     std::abs(value) > static_cast<double>(std::numeric_limits<F>::max());
  if (below || above) {
    return Unexpected(
        detail::rangeMessage(detail::renderDouble(min_.value_or(-std::numeric_limits<F>::max())),
                             detail::renderDouble(max_.value_or(std::numeric_limits<F>::max())),
                             below, !min_.has_value(), !max_.has_value(), std::string(text)));
  }
  return static_cast<F>(value);
}

class StringCodec {
public:
  using Value = std::string;
  void setNonEmpty() { non_empty_ = true; }
  std::string expectation() const { return "expected a string"; }
  Result<std::string, std::string> parse(std::string_view text) const {
    if (non_empty_ && text.empty()) {
      return Unexpected(std::string("must not be empty"));
    }
    return std::string(text);
  }
  void decode(const Node& node, std::string& out, Decoder& d) const {
    detail::decodeScalar(*this, node, out, d);
  }
  void write(const std::string& value, YamlWriter& w) const { w.scalar(quoteString(value)); }
  std::optional<std::string> flow(const std::string& value) const { return quoteString(value); }
  TypeDoc doc() const { return TypeDoc{"string", {}, non_empty_ ? "not empty" : "", nullptr, {}}; }

private:
  bool non_empty_ = false;
};

template <class D>
class DurationCodec {
public:
  using Value = D;
  template <class R, class P>
  void setMin(std::chrono::duration<R, P> bound) {
    min_ = std::chrono::duration_cast<std::chrono::nanoseconds>(bound);
  }
  template <class R, class P>
  void setMax(std::chrono::duration<R, P> bound) {
    max_ = std::chrono::duration_cast<std::chrono::nanoseconds>(bound);
  }
  std::string expectation() const { return "expected a duration like 250ms"; }

  Result<D, std::string> parse(std::string_view text) const {
    auto parsed = parseDuration(text);
    if (!parsed) {
      return Unexpected(std::move(parsed).error());
    }
    const std::chrono::nanoseconds ns = parsed.value();
    const auto converted = std::chrono::duration_cast<D>(ns);
    if (std::chrono::duration_cast<std::chrono::nanoseconds>(converted) != ns) {
      return Unexpected(cat("must be a whole number of ",
                            detail::durationUnitName(D::period::num, D::period::den), ", got \"",
                            text, "\""));
    }
    const std::chrono::nanoseconds low = min_.value_or(std::chrono::nanoseconds(0));
    const std::chrono::nanoseconds high = max_.value_or(std::chrono::nanoseconds::max());
    if (ns < low || ns > high) {
      return Unexpected(detail::rangeMessage(formatDuration(low), formatDuration(high), ns < low,
                                             !min_.has_value(), !max_.has_value(),
                                             std::string(text)));
    }
    return converted;
  }

  void decode(const Node& node, D& out, Decoder& d) const {
    detail::decodeScalar(*this, node, out, d);
  }
  void write(D value, YamlWriter& w) const { w.scalar(*flow(value)); }
  std::optional<std::string> flow(D value) const {
    return formatDuration(std::chrono::duration_cast<std::chrono::nanoseconds>(value));
  }
  TypeDoc doc() const {
    const auto render = [](const auto& b) -> std::optional<std::string> {
      return b && b->count() > 0 ? std::optional<std::string>(formatDuration(*b)) : std::nullopt;
    };
    return TypeDoc{"duration", {}, detail::constraintText(render(min_), render(max_)), nullptr, {}};
  }

private:
  std::optional<std::chrono::nanoseconds> min_;
  std::optional<std::chrono::nanoseconds> max_;
};

class SizeCodec {
public:
  using Value = std::uint64_t;
  void setMin(std::uint64_t bound) { min_ = bound; }
  void setMax(std::uint64_t bound) { max_ = bound; }
  std::string expectation() const { return "expected a size like 64KiB"; }
  Result<std::uint64_t, std::string> parse(std::string_view text) const;
  void decode(const Node& node, std::uint64_t& out, Decoder& d) const {
    detail::decodeScalar(*this, node, out, d);
  }
  void write(std::uint64_t value, YamlWriter& w) const { w.scalar(formatByteSize(value)); }
  std::optional<std::string> flow(std::uint64_t value) const { return formatByteSize(value); }
  TypeDoc doc() const;

private:
  std::optional<std::uint64_t> min_;
  std::optional<std::uint64_t> max_;
};

// ---------------------------------------------------------------------------------------------
// Enums: a fixed list of names, declared once per enum type.
//
//   void describe(EnumSchema<LogFormat>& e) {
//     e.value("text", LogFormat::kText).value("json", LogFormat::kJson);
//   }

template <class E>
class EnumSchema {
public:
  EnumSchema& value(std::string name, E value) {
    for (const auto& [n, v] : values_) {
      if (n == name || v == value) {
        throw std::logic_error("enum name or value registered twice: " + name);
      }
    }
    values_.emplace_back(std::move(name), value);
    return *this;
  }
  std::optional<E> find(std::string_view name) const {
    for (const auto& [n, v] : values_) {
      if (n == name) {
        return v;
      }
    }
    return std::nullopt;
  }
  std::string nameOf(E value) const {
    for (const auto& [n, v] : values_) {
      if (v == value) {
        return n;
      }
    }
    return cat("<unnamed value ", std::to_string(static_cast<long long>(value)), ">");
  }
  std::vector<std::string> names() const {
    std::vector<std::string> out;
    for (const auto& [n, v] : values_) {
      out.push_back(n);
    }
    return out;
  }

private:
  std::vector<std::pair<std::string, E>> values_;
};

template <class E>
const EnumSchema<E>& enumSchemaOf() {
  static const EnumSchema<E> schema = [] {
    EnumSchema<E> e;
    describe(e);  // declare `void describe(EnumSchema<E>&)` next to the section using E
    if (e.names().empty()) {
      throw std::logic_error("an enum schema has no values");
    }
    return e;
  }();
  return schema;
}

// "unknown value "inf"; did you mean "info"? Allowed: trace, debug, info"
std::string unknownNameMessage(std::string_view what,
                               std::string_view got,
                               const std::vector<std::string>& allowed);

template <class E>
class EnumCodec {
public:
  using Value = E;
  std::string expectation() const {
    return cat("expected one of ", joinNames(enumSchemaOf<E>().names()));
  }
  Result<E, std::string> parse(std::string_view text) const {
    const auto& schema = enumSchemaOf<E>();
    if (auto v = schema.find(text)) {
      return *v;
    }
    return Unexpected(unknownNameMessage("value", text, schema.names()));
  }
  void decode(const Node& node, E& out, Decoder& d) const {
    detail::decodeScalar(*this, node, out, d);
  }
  void write(E value, YamlWriter& w) const { w.scalar(enumSchemaOf<E>().nameOf(value)); }
  std::optional<std::string> flow(E value) const { return enumSchemaOf<E>().nameOf(value); }
  TypeDoc doc() const { return TypeDoc{"enum", enumSchemaOf<E>().names(), {}, nullptr, {}}; }
};

// ---------------------------------------------------------------------------------------------
// Structured values.

template <class S>
class StructCodec {
public:
  using Value = S;
  void decode(const Node& node, S& out, Decoder& d) const { schemaOf<S>().decode(&node, out, d); }
  void decodeAbsent(S& out, Decoder& d) const { schemaOf<S>().decode(nullptr, out, d); }
  void write(const S& value, YamlWriter& w) const {
    const Schema<S>& schema = schemaOf<S>();
    if (schema.empty()) {
      w.scalar("{}");
      return;
    }
    w.beginMapping();
    schema.writeFields(value, w);
    w.endMapping();
  }
  std::optional<std::string> flow(const S&) const {
    return schemaOf<S>().empty() ? std::optional<std::string>("{}") : std::nullopt;
  }
  TypeDoc doc() const { return TypeDoc{"mapping", {}, {}, &structInfoOf<S>, ""}; }
  std::vector<S> examples() const { return schemaOf<S>().examples(); }
};

template <class S>
class BoxCodec {
public:
  using Value = Box<S>;
  void decode(const Node& node, Box<S>& out, Decoder& d) const { inner_.decode(node, *out, d); }
  void decodeAbsent(Box<S>& out, Decoder& d) const { inner_.decodeAbsent(*out, d); }
  void write(const Box<S>& value, YamlWriter& w) const { inner_.write(*value, w); }
  std::optional<std::string> flow(const Box<S>& value) const { return inner_.flow(*value); }
  TypeDoc doc() const { return inner_.doc(); }
  std::vector<Box<S>> examples() const {
    std::vector<Box<S>> out;
    for (auto& e : inner_.examples()) {
      out.emplace_back(std::move(e));
    }
    return out;
  }

private:
  StructCodec<S> inner_;
};

namespace detail {
std::string plural(const std::string& name);
}  // namespace detail

template <class C>
class ListCodec {
public:
  using Element = typename C::Value;
  using Value = std::vector<Element>;

  void setNonEmpty() { non_empty_ = true; }
  template <class B>
  void setMin(const B& bound) requires requires(C& c) {
    c.setMin(bound);
  }
  { element_.setMin(bound); }
  template <class B>
  void setMax(const B& bound) requires requires(C& c) {
    c.setMax(bound);
  }
  { element_.setMax(bound); }

  void decode(const Node& node, Value& out, Decoder& d) const {
    if (node.poisoned) {
      return;
    }
    if (node.isNull()) {
      out.clear();
    } else if (!node.isSequence()) {
      d.error(node.mark, cat("expected a ", doc().name, ", got ", describeValue(node)));
      return;
    } else {
      Value result;
      result.reserve(node.items.size());
      for (std::size_t i = 0; i < node.items.size(); ++i) {
        const Decoder::Scope scope(d, i, node.items[i].mark);
        Element element{};
        element_.decode(node.items[i], element, d);
        result.push_back(std::move(element));
      }
      out = std::move(result);
    }
    if (non_empty_ && out.empty()) {
      d.error(node.mark, "must not be empty");
    }
  }
  void write(const Value& value, YamlWriter& w) const {
    if (auto line = flow(value)) {
      w.scalar(*line);
      return;
    }
    w.beginSequence();
    for (const auto& element : value) {
      w.item();
      element_.write(element, w);
    }
    w.endSequence();
  }
  std::optional<std::string> flow(const Value& value) const {
    std::string out = "[";
    for (const auto& element : value) {
      auto text = element_.flow(element);
      if (!text) {
        return std::nullopt;
      }
      if (out.size() > 1) {
        out += ", ";
      }
      out += *text;
    }
    out += ']';
    return out;
  }
  TypeDoc doc() const {
    TypeDoc inner = element_.doc();
    inner.name = cat("list of ", detail::plural(inner.name));
    if (non_empty_) {
      inner.constraints =
          inner.constraints.empty() ? "not empty" : cat(inner.constraints, ", not empty");
    }
    inner.suffix = cat("[]", inner.suffix);
    return inner;
  }
  // One item per kind (per union type) for the commented example of an empty list.
  std::vector<Element> examples() const requires requires(const C& c) { c.examples(); }
  { return element_.examples(); }
  const C& element() const { return element_; }

private:
  C element_;
  bool non_empty_ = false;
};

template <class C>
class OptionalCodec {
public:
  using Element = typename C::Value;
  using Value = std::optional<Element>;

  template <class B>
  void setMin(const B& bound) requires requires(C& c) {
    c.setMin(bound);
  }
  { inner_.setMin(bound); }
  template <class B>
  void setMax(const B& bound) requires requires(C& c) {
    c.setMax(bound);
  }
  { inner_.setMax(bound); }
  void setNonEmpty() requires requires(C& c) { c.setNonEmpty(); }
  { inner_.setNonEmpty(); }

  void decode(const Node& node, Value& out, Decoder& d) const {
    if (node.poisoned) {
      return;
    }
    if (node.isNull()) {
      out.reset();
      return;
    }
    Element element = out.value_or(Element{});
    inner_.decode(node, element, d);
    out = std::move(element);
  }
  void write(const Value& value, YamlWriter& w) const {
    if (!value) {
      w.scalar("null");
      return;
    }
    inner_.write(*value, w);
  }
  std::optional<std::string> flow(const Value& value) const {
    return value ? inner_.flow(*value) : std::optional<std::string>("null");
  }
  TypeDoc doc() const {
    TypeDoc inner = inner_.doc();
    inner.name += " or null";
    return inner;
  }

private:
  C inner_;
};

template <class C>
class MapCodec {
public:
  using Element = typename C::Value;
  using Value = std::map<std::string, Element>;

  void setNonEmpty() { non_empty_ = true; }

  void decode(const Node& node, Value& out, Decoder& d) const {
    if (node.poisoned) {
      return;
    }
    if (node.isNull()) {
      out.clear();
    } else if (!node.isMapping()) {
      d.error(node.mark, cat("expected a ", doc().name, ", got ", describeValue(node)));
      return;
    } else {
      Value result;
      for (const Entry& entry : node.entries) {
        const Decoder::Scope scope(d, entry.key, entry.key_mark);
        Element element{};
        inner_.decode(entry.value, element, d);
        result.emplace(entry.key, std::move(element));
      }
      out = std::move(result);
    }
    if (non_empty_ && out.empty()) {
      d.error(node.mark, "must not be empty");
    }
  }
  void write(const Value& value, YamlWriter& w) const {
    if (value.empty()) {
      w.scalar("{}");
      return;
    }
    w.beginMapping();
    for (const auto& [key, element] : value) {
      w.key(renderKey(key));
      inner_.write(element, w);
    }
    w.endMapping();
  }
  std::optional<std::string> flow(const Value& value) const {
    std::string out = "{";
    for (const auto& [key, element] : value) {
      auto text = inner_.flow(element);
      if (!text) {
        return std::nullopt;
      }
      if (out.size() > 1) {
        out += ", ";
      }
      out += cat(renderKey(key), ": ", *text);
    }
    out += '}';
    return out;
  }
  TypeDoc doc() const {
    TypeDoc inner = inner_.doc();
    inner.name = cat("mapping of string to ", detail::plural(inner.name));
    if (non_empty_) {
      inner.constraints =
          inner.constraints.empty() ? "not empty" : cat(inner.constraints, ", not empty");
    }
    inner.suffix = cat(".<name>", inner.suffix);
    return inner;
  }

private:
  C inner_;
  bool non_empty_ = false;
};

// The codec a member type gets from Schema::field().
template <class M>
auto defaultCodec() {
  if constexpr (std::is_same_v<M, bool>) {
    return BoolCodec{};
  } else if constexpr (std::is_integral_v<M>) {
    return IntCodec<M>{};
  } else if constexpr (std::is_floating_point_v<M>) {
    return DoubleCodec<M>{};
  } else if constexpr (std::is_same_v<M, std::string>) {
    return StringCodec{};
  } else if constexpr (detail::IsDuration<M>::value) {
    return DurationCodec<M>{};
  } else if constexpr (std::is_enum_v<M>) {
    return EnumCodec<M>{};
  } else if constexpr (detail::IsVector<M>::value) {
    return ListCodec<decltype(defaultCodec<typename M::value_type>())>{};
  } else if constexpr (detail::IsOptional<M>::value) {
    return OptionalCodec<decltype(defaultCodec<typename M::value_type>())>{};
  } else if constexpr (detail::IsStringMap<M>::value) {
    return MapCodec<decltype(defaultCodec<typename M::mapped_type>())>{};
  } else if constexpr (detail::IsBox<M>::value) {
    return BoxCodec<typename detail::IsBox<M>::element>{};
  } else if constexpr (detail::IsVariant<M>::value) {
    static_assert(detail::kAlwaysFalse<M>, "map a std::variant member with Schema::oneOf()");
  } else if constexpr (std::is_class_v<M>) {
    return StructCodec<M>{};
  } else {
    static_assert(detail::kAlwaysFalse<M>, "this member type has no config codec");
  }
}

// The codec a member gets from Schema::size(): bytes, written 64KiB.
template <class M>
auto sizeCodec() {
  if constexpr (std::is_same_v<M, std::uint64_t>) {
    return SizeCodec{};
  } else if constexpr (detail::IsOptional<M>::value) {
    return OptionalCodec<decltype(sizeCodec<typename M::value_type>())>{};
  } else if constexpr (detail::IsVector<M>::value) {
    return ListCodec<decltype(sizeCodec<typename M::value_type>())>{};
  } else {
    static_assert(detail::kAlwaysFalse<M>, "size() maps std::uint64_t members (bytes)");
  }
}

}  // namespace stitch::config
