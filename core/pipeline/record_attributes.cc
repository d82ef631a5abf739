#include "core/pipeline/record_attributes.h"

#include <string>

#include "core/decode/attribute_finder.h"

namespace stitch::pipeline {

std::optional<sampling::AttributeValue> RecordAttributes::find(const record::Record& record,
                                                               std::string_view key) const {
  thread_local decode::AttributeFinder finder;
  const auto found = finder.find(record, key);
  if (!found) {
    return std::nullopt;
  }
  switch (found->type) {
    case decode::AttributeType::kString:
      return sampling::AttributeValue::ofString(std::string(found->string));
    case decode::AttributeType::kInt:
    case decode::AttributeType::kDouble:
      return sampling::AttributeValue::ofNumber(found->double_value);
    case decode::AttributeType::kBool:
      return sampling::AttributeValue::ofBool(found->bool_value);
  }
  return std::nullopt;
}

}  // namespace stitch::pipeline
