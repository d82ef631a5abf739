#include "core/store/record_codec.h"

#include <catch2/catch.hpp>

#include "tests/fixtures/trace_fixtures.h"

using namespace stitch;
using namespace stitch::store;

TEST_CASE("RecordCodec round-trips records through a compressed blob", "[store]") {
  const record::RecordBatch records = fixtures::checkoutRecords();
  RecordCodec codec(1);
  std::string blob;
  REQUIRE(codec.encode(records, blob));
  CHECK(static_cast<std::uint8_t>(blob[0]) == kBlobZstd);

  record::RecordBatch decoded;
  CodecError error{};
  REQUIRE(codec.decode(blob, decoded, error));
  REQUIRE(decoded.size() == records.size());
  for (std::size_t i = 0; i < records.size(); ++i) {
    CHECK(decoded[i]->raw() == records[i]->raw());
    CHECK(decoded[i]->operationName() == records[i]->operationName());
    CHECK(decoded[i]->duration_ns == records[i]->duration_ns);
  }
}

TEST_CASE("RecordCodec compresses realistic log records several times over", "[store]") {
  const auto records =
      fixtures::benchRecords(tracecontext::TraceId{1, 2}, 1'700'000'000'000'000'000, 10, false);
  std::size_t raw = 0;
  for (const auto& r : records) {
    raw += r->raw().size();
  }
  RecordCodec codec(1);
  std::string blob;
  REQUIRE(codec.encode(records, blob));
  CAPTURE(raw, blob.size());
  CHECK(blob.size() * 3 < raw);
}

TEST_CASE("RecordCodec rejects blobs it cannot read", "[store]") {
  RecordCodec codec;
  record::RecordBatch out;
  CodecError error{};
  CHECK_FALSE(codec.decode("", out, error));
  CHECK(error == CodecError::kUnknownFormat);
  CHECK_FALSE(codec.decode(std::string("\x07zzz", 4), out, error));
  CHECK(error == CodecError::kUnknownFormat);
  CHECK_FALSE(codec.decode(std::string("\x01garbage", 8), out, error));
  CHECK(error == CodecError::kCorrupt);

  // A valid frame whose content is not whole records.
  std::string blob;
  REQUIRE(codec.encodeSerialized("not a record", blob));
  CHECK_FALSE(codec.decode(blob, out, error));
  CHECK(error == CodecError::kCorrupt);
  CHECK(out.empty());

  // A truncated frame.
  REQUIRE(codec.encode(fixtures::checkoutRecords(), blob));
  blob.resize(blob.size() / 2);
  CHECK_FALSE(codec.decode(blob, out, error));
}
