#include "core/decode/attribute_finder.h"

#include <charconv>
#include <limits>
#include <string>

#include <simdjson.h>

#include "core/decode/decoder.h"
#include "core/decode/number.h"

namespace stitch::decode {

namespace od = simdjson::ondemand;

namespace {

enum class Outcome : std::uint8_t { kFound, kNotFound, kError };

}  // namespace

// Threading: owned by one AttributeFinder, used by its thread only.
class AttributeFinder::Impl {
public:
  std::optional<AttributeValue> find(const record::Record& record, std::string_view key) {
    if (key.empty()) {
      return std::nullopt;
    }
    for (const auto& [json, where] : {std::pair{record.attributesJson(), Where::kAttributes},
                                      std::pair{record.resourceJson(), Where::kResource},
                                      std::pair{record.raw(), Where::kTop}}) {
      if (!json.empty() && search(json, key, where) == Outcome::kFound) {
        return value_;
      }
    }
    return std::nullopt;
  }

private:
  enum class Where : std::uint8_t { kAttributes, kResource, kTop };

  Outcome search(std::string_view json, std::string_view key, Where where) {
    buffer_.assign(json);
    buffer_.append(kPadding, ' ');
    od::document doc;
    if (parser_.iterate(buffer_.data(), json.size(), buffer_.size()).get(doc)) {
      return Outcome::kError;
    }
    od::json_type type;
    if (doc.type().get(type)) {
      return Outcome::kError;
    }
    if (type == od::json_type::array) {
      od::array list;
      if (doc.get_array().get(list)) {
        return Outcome::kError;
      }
      return inList(list, key);
    }
    if (type != od::json_type::object) {
      return Outcome::kNotFound;
    }
    od::object object;
    if (doc.get_object().get(object)) {
      return Outcome::kError;
    }
    return inObject(object, key, where == Where::kResource);
  }

  // Matches `key` against the fields of `object`: a field named `key`, or a field named by a
  // prefix of `key` up to a '.', whose object holds the rest. With `resource`, an "attributes"
  // member holding an object or an OTLP list is searched with the whole key as well.
  Outcome inObject(od::object& object, std::string_view key, bool resource) {
    for (auto field_result : object) {
      od::field field;
      if (std::move(field_result).get(field)) {
        return Outcome::kError;
      }
      std::string_view name;
      if (field.unescaped_key().get(name)) {
        return Outcome::kError;
      }
      od::value& value = field.value();
      if (name == key) {
        return scalar(value);
      }
      const bool prefix =
          key.size() > name.size() && key[name.size()] == '.' && key.substr(0, name.size()) == name;
      const bool resource_attributes = resource && name == "attributes";
      if (!prefix && !resource_attributes) {
        continue;
      }
      od::json_type type;
      if (value.type().get(type)) {
        return Outcome::kError;
      }
      Outcome outcome = Outcome::kNotFound;
      if (type == od::json_type::object) {
        od::object child;
        if (value.get_object().get(child)) {
          return Outcome::kError;
        }
        outcome = inObject(child, resource_attributes ? key : key.substr(name.size() + 1), false);
      } else if (type == od::json_type::array && resource_attributes) {
        od::array list;
        if (value.get_array().get(list)) {
          return Outcome::kError;
        }
        outcome = inList(list, key);
      }
      if (outcome != Outcome::kNotFound) {
        return outcome;
      }
    }
    return Outcome::kNotFound;
  }

  // An OTLP attribute list: [{"key": .., "value": {"stringValue": ..}}, ..].
  Outcome inList(od::array& list, std::string_view key) {
    for (auto element_result : list) {
      od::value element;
      if (std::move(element_result).get(element)) {
        return Outcome::kError;
      }
      od::object object;
      if (element.get_object().get(object)) {
        continue;  // not a key/value pair
      }
      bool key_matches = false;
      bool key_seen = false;
      std::string_view value_before_key;
      for (auto field_result : object) {
        od::field field;
        if (std::move(field_result).get(field)) {
          return Outcome::kError;
        }
        std::string_view name;
        if (field.unescaped_key().get(name)) {
          return Outcome::kError;
        }
        if (name == "key") {
          std::string_view element_key;
          if (field.value().get_string().get(element_key)) {
            break;
          }
          key_seen = true;
          key_matches = element_key == key;
        } else if (name == "value") {
          if (key_seen) {
            if (key_matches) {
              return anyValue(field.value());
            }
          } else {
            od::object any_value;  // an AnyValue is an object; anything else is no scalar
            if (!field.value().get_object().get(any_value) &&
                any_value.raw_json().get(value_before_key)) {
              return Outcome::kError;
            }
          }
        }
      }
      if (key_matches && !value_before_key.empty()) {
        return anyValueText(value_before_key);
      }
    }
    return Outcome::kNotFound;
  }

  // An OTLP AnyValue holding a scalar.
  Outcome anyValue(od::value& value) {
    od::object object;
    if (value.get_object().get(object)) {
      return Outcome::kNotFound;
    }
    for (auto field_result : object) {
      od::field field;
      if (std::move(field_result).get(field)) {
        return Outcome::kError;
      }
      std::string_view name;
      if (field.unescaped_key().get(name)) {
        return Outcome::kError;
      }
      if (name == "intValue") {
        // Proto3 JSON writes int64 as a string.
        std::string_view text;
        if (!field.value().get_string().get(text)) {
          const std::optional<std::int64_t> v = scaleDecimal(text, 1);
          if (!v || text.find_first_of(".eE") != std::string_view::npos) {
            return Outcome::kNotFound;
          }
          value_ = {};
          value_.type = AttributeType::kInt;
          value_.int_value = *v;
          value_.double_value = static_cast<double>(*v);
          return Outcome::kFound;
        }
        return scalar(field.value());
      }
      if (name == "stringValue" || name == "doubleValue" || name == "boolValue") {
        return scalar(field.value());
      }
    }
    return Outcome::kNotFound;
  }

  // An AnyValue met before its key: parsed on its own with the second parser.
  Outcome anyValueText(std::string_view json) {
    aux_buffer_.assign(json);
    aux_buffer_.append(kPadding, ' ');
    od::document doc;
    if (aux_parser_.iterate(aux_buffer_.data(), json.size(), aux_buffer_.size()).get(doc)) {
      return Outcome::kError;
    }
    od::value value;
    if (doc.get_value().get(value)) {
      return Outcome::kNotFound;
    }
    return anyValue(value);
  }

  Outcome scalar(od::value& value) {
    od::json_type type;
    if (value.type().get(type)) {
      return Outcome::kError;
    }
    value_ = {};
    switch (type) {
      case od::json_type::string:
        value_.type = AttributeType::kString;
        return value.get_string().get(value_.string) ? Outcome::kError : Outcome::kFound;
      case od::json_type::boolean:
        value_.type = AttributeType::kBool;
        return value.get_bool().get(value_.bool_value) ? Outcome::kError : Outcome::kFound;
      case od::json_type::number:
        return number(value);
      default:
        return Outcome::kNotFound;  // null, object, array
    }
  }

  Outcome number(od::value& value) {
    const std::string_view token = value.raw_json_token();
    std::size_t end = token.size();
    while (end > 0 && (token[end - 1] == ' ' || token[end - 1] == '\t' || token[end - 1] == '\n' ||
                       token[end - 1] == '\r')) {
      --end;
    }
    const std::string_view text = token.substr(0, end);
    if (!isJsonNumber(text)) {
      return Outcome::kError;
    }
    if (text.find_first_of(".eE") == std::string_view::npos) {
      std::int64_t v = 0;
      const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
      if (ec == std::errc() && ptr == text.data() + text.size()) {
        value_.type = AttributeType::kInt;
        value_.int_value = v;
        value_.double_value = static_cast<double>(v);
        return Outcome::kFound;
      }
    }
    double d = 0;
    const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), d);
    if (ec == std::errc::result_out_of_range) {
      // Beyond double: a huge magnitude is infinite, a tiny one is zero.
      const std::size_t e = text.find_first_of("eE");
      const bool tiny = e != std::string_view::npos && e + 1 < text.size() && text[e + 1] == '-';
      d = tiny ? 0.0
               : (text[0] == '-' ? -std::numeric_limits<double>::infinity()
                                 : std::numeric_limits<double>::infinity());
    } else if (ec != std::errc() || ptr != text.data() + text.size()) {
      return Outcome::kError;
    }
    value_.type = AttributeType::kDouble;
    value_.double_value = d;
    return Outcome::kFound;
  }

  od::parser parser_;
  od::parser aux_parser_;
  std::string buffer_;
  std::string aux_buffer_;
  AttributeValue value_;
};

AttributeFinder::AttributeFinder() : impl_(std::make_unique<Impl>()) {}
AttributeFinder::~AttributeFinder() = default;

std::optional<AttributeValue> AttributeFinder::find(const record::Record& record,
                                                    std::string_view key) {
  return impl_->find(record, key);
}

}  // namespace stitch::decode
