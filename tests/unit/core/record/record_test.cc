#include "core/record/record.h"

#include <string>
#include <vector>

#include <catch2/catch.hpp>

using namespace stitch::record;

TEST_CASE("RecordBuilder references strings inside the line and copies the rest", "[record]") {
  const std::string line = R"({"service":"cart","msg":"a\nb"})";
  RecordBuilder builder;
  builder.reset(line);
  builder.fields().service = builder.ref(std::string_view(line).substr(12, 4));
  builder.fields().message = builder.copy("a\nb");
  const RecordPtr record = builder.build();
  CHECK(record->raw() == line);
  CHECK(record->serviceName() == "cart");
  CHECK(record->messageText() == "a\nb");
  CHECK(record->service.offset == 12);
  CHECK(record->allocatedBytes() == sizeof(Record) + line.size() + 3);
}

TEST_CASE("a reused RecordBuilder builds whole records whatever the lines' lengths", "[record]") {
  // reset() allocates the next record ahead and keeps the block when nothing is built: long,
  // short, abandoned and scratch-heavy lines in a row must each still come out whole.
  RecordBuilder builder;
  std::vector<RecordPtr> built;
  std::vector<std::string> lines;
  for (const std::size_t length : {10, 70000, 12, 400, 400, 3, 5000}) {
    lines.push_back(std::string(length, 'x'));
  }
  builder.reset("abandoned: reset again before build()");
  for (std::size_t i = 0; i < lines.size(); ++i) {
    builder.reset(lines[i]);
    if (i == 3) {
      builder.reset(lines[i]);  // an abandoned record of the same line
    }
    const std::string scratch(i * 100, static_cast<char>('a' + i));
    builder.fields().message = builder.copy(scratch);
    built.push_back(builder.build());
    CHECK(built.back()->raw() == lines[i]);
    CHECK(built.back()->messageText() == scratch);
  }
  for (std::size_t i = 0; i < built.size(); ++i) {  // none overwrote another
    CHECK(built[i]->raw() == lines[i]);
    CHECK(built[i]->messageText() == std::string(i * 100, static_cast<char>('a' + i)));
  }
}

TEST_CASE("Record serialization round-trips every field", "[record]") {
  const std::string line = R"({"x":1})";
  RecordBuilder builder;
  builder.reset(line);
  auto& f = builder.fields();
  f.timestamp_ns = 1714564800000000000;
  f.start_ns = f.timestamp_ns - 5;
  f.duration_ns = 5;
  f.trace_id = {0x4bf92f3577b34da6, 0xa3ce929d0e0e4736};
  f.span_id = {0x00f067aa0ba902b7};
  f.status = Status::kError;
  f.context = ContextProblem::kNone;
  f.format = Format::kCanonical;
  f.operation = builder.copy("checkout");
  const RecordPtr original = builder.build();

  std::string bytes;
  original->serialize(bytes);
  original->serialize(bytes);
  std::string_view in = bytes;
  const RecordPtr first = Record::deserialize(in);
  const RecordPtr second = Record::deserialize(in);
  REQUIRE(first);
  REQUIRE(second);
  CHECK(in.empty());
  CHECK(first->raw() == line);
  CHECK(first->operationName() == "checkout");
  CHECK(first->trace_id == original->trace_id);
  CHECK(first->span_id == original->span_id);
  CHECK(first->duration_ns == 5);
  CHECK(first->status == Status::kError);

  std::string_view truncated = std::string_view(bytes).substr(0, bytes.size() / 2 - 1);
  CHECK_FALSE(Record::deserialize(truncated));
}
