#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>

#include "core/record/record.h"

namespace stitch::decode {

enum class AttributeType : std::uint8_t { kString, kInt, kDouble, kBool };

// A scalar attribute value. `string` (kString only) points into the finder that produced it and
// stays valid until that finder's next find().
struct AttributeValue {
  AttributeType type = AttributeType::kString;
  std::string_view string;
  std::int64_t int_value = 0;
  double double_value = 0;  // also set for kInt, as a convenience for numeric comparisons
  bool bool_value = false;
};

// Looks up one attribute of a decoded record, for sampling policies that match on attributes.
// Records keep their attributes as raw JSON (decoding every attribute of every record would cost
// the decoder most of its speed), so a lookup parses JSON: the attributes text, then the
// resource text, then the whole line, stopping at the first match. That is up to three simdjson
// On-Demand passes over at most the line's bytes (a few hundred nanoseconds for a typical line):
// call it when a decision is made, not per record on the ingest path.
//
// `key` is a dotted name. It matches, in each place searched:
//   - a flat key ("http.route": ..), a nested path ({"http": {"route": ..}}) or any mix;
//   - in an OTLP attribute list ([{"key": "http.route", "value": {"stringValue": ..}}]) the
//     element with that key, its AnyValue read as a scalar (intValue strings as integers);
//   - in the resource, the same inside its "attributes" member when it has one (OTLP and the
//     OTel Python SDK), else in the resource object itself (flat SDK shapes);
//   - at the top level of the line, any field, mapped by the preset or not ("status" gives the
//     HTTP status code of a canonical record).
// Objects, arrays and null are not scalar values: a key that names one is "not found" there.
// Integers beyond int64 are returned as kDouble.
//
// Threading: one finder per thread (it owns a parser and a padded buffer, reused across calls).
class AttributeFinder {
public:
  AttributeFinder();
  ~AttributeFinder();
  AttributeFinder(const AttributeFinder&) = delete;
  AttributeFinder& operator=(const AttributeFinder&) = delete;

  // Never throws on malformed record JSON (it is not found); may throw std::bad_alloc.
  std::optional<AttributeValue> find(const record::Record& record, std::string_view key);

private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

// The same as finder.find(record, key).
inline std::optional<AttributeValue> findAttribute(const record::Record& record,
                                                   std::string_view key,
                                                   AttributeFinder& finder) {
  return finder.find(record, key);
}

}  // namespace stitch::decode
