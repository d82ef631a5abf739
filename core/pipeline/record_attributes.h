#pragma once

#include <optional>
#include <string_view>

#include "core/record/record.h"
#include "core/sampling/attribute_lookup.h"

namespace stitch::pipeline {

// The attribute policies' view of records, backed by the decoder's lazy JSON lookup
// (decode::AttributeFinder): the record's attributes, then its resource, then its top-level
// fields. Each shard thread uses its own finder (thread-local), so one instance serves all.
// Threading: any thread.
class RecordAttributes final : public sampling::AttributeLookup {
public:
  std::optional<sampling::AttributeValue> find(const record::Record& record,
                                               std::string_view key) const override;
};

}  // namespace stitch::pipeline
