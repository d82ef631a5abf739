#pragma once

// Helpers for the decode tests: inputs always get the decoder's padding after them, filled
// with a byte that would change the outcome if the decoder ever read it as JSON.

#include <string>
#include <string_view>
#include <utility>

#include <catch2/catch.hpp>

#include "core/decode/decoder.h"

namespace stitch::decode::test {

inline constexpr TimestampNs kReceived = 1'700'000'000'000'000'000;  // 2023-11-14T22:13:20Z

// One decoder plus the stats of every line it decoded.
class DecodeFixture {
public:
  explicit DecodeFixture(DecodeConfig config = {}) : decoder_(std::move(config)) {}

  // decodeLine() on a copy of `text` followed by kPadding bytes of `padding`.
  Result<record::RecordPtr, DecodeError> line(std::string_view text, char padding = '}') {
    buffer_.assign(text);
    buffer_.append(kPadding, padding);
    return decoder_.decodeLine(std::string_view(buffer_).substr(0, text.size()), kReceived, stats_);
  }

  // The record `text` decodes to; fails the test when it does not decode.
  record::RecordPtr record(std::string_view text) {
    auto result = line(text);
    if (!result) {
      FAIL_CHECK("line did not decode (" << reasonName(result.error()) << "): " << text);
      return nullptr;
    }
    return std::move(result).value();
  }

  // The error `text` fails with; fails the test when it decodes.
  DecodeError error(std::string_view text, char padding = '}') {
    auto result = line(text, padding);
    if (result) {
      FAIL_CHECK("line decoded but should not have: " << text);
      return DecodeError::kEmpty;
    }
    return result.error();
  }

  // decodeLines() on a padded copy of `text`.
  DecodeOutput batch(std::string_view text) {
    buffer_.assign(text);
    buffer_.append(kPadding, '}');
    DecodeOutput out;
    decoder_.decodeLines(std::string_view(buffer_).substr(0, text.size()), kReceived, out);
    return out;
  }

  Decoder& decoder() { return decoder_; }
  const DecodeStats& stats() const { return stats_; }

private:
  Decoder decoder_;
  DecodeStats stats_;
  std::string buffer_;
};

inline std::string hexOf(const tracecontext::TraceId& id) {
  return id.hex();
}
inline std::string hexOf(const tracecontext::SpanId& id) {
  return id.hex();
}

}  // namespace stitch::decode::test
