#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/record/record.h"

namespace stitch::sampling {

// A typed attribute value read from a record's JSON attributes.
struct AttributeValue {
  enum class Kind : std::uint8_t { kString, kNumber, kBool };
  Kind kind = Kind::kString;
  std::string text;      // kString (unescaped)
  double number = 0;     // kNumber
  bool boolean = false;  // kBool

  static AttributeValue ofString(std::string value) {
    AttributeValue v;
    v.kind = Kind::kString;
    v.text = std::move(value);
    return v;
  }
  static AttributeValue ofNumber(double value) {
    AttributeValue v;
    v.kind = Kind::kNumber;
    v.number = value;
    return v;
  }
  static AttributeValue ofBool(bool value) {
    AttributeValue v;
    v.kind = Kind::kBool;
    v.boolean = value;
    return v;
  }
};

// How attribute policies read attributes: records keep their attributes as raw JSON text, and
// parsing it belongs to the decoder, which the daemon injects here (keeping sampling free of
// JSON). Implementations look `key` up in the record's attributes, then in its resource
// attributes (like the Collector's attribute policies), and return nullopt when it is absent
// or not a string, number or bool.
// Threading: called on the shard thread that owns the sampler; implementations must be safe
// to call from every shard thread at once (stateless or thread-local scratch).
class AttributeLookup {
public:
  virtual ~AttributeLookup() = default;
  virtual std::optional<AttributeValue> find(const record::Record& record,
                                             std::string_view key) const = 0;
};

}  // namespace stitch::sampling
