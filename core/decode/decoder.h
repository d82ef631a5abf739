#pragma once

#include <cstddef>
#include <memory>
#include <string_view>

#include "core/common/clock.h"
#include "core/common/result.h"
#include "core/decode/decode_config.h"
#include "core/decode/decode_output.h"
#include "core/record/record.h"

namespace stitch::decode {

// Readable bytes the decoder may touch after the end of its input: simdjson's SIMDJSON_PADDING
// (a static_assert in decoder.cc keeps the two equal; this header does not include simdjson).
inline constexpr std::size_t kPadding = 64;

// Decodes newline-delimited JSON log records into record::Records with simdjson On-Demand.
//
// PADDING CONTRACT: every input range [data, data + size) passed to this class must be followed
// by kPadding readable bytes (data + size + kPadding must be inside the same allocation). Their
// content does not matter and is never changed (simdjson 3.0.1: "It does not matter what those
// bytes are initialized to, as long as they are allocated"; this decoder also checks that a
// record's closing '}' lies inside the range, so a truncated line cannot borrow one from the
// padding). Inside a batch, a line's padding is simply the lines after it.
//
// Never throws on bad input and never logs: every line ends as a record, a counted drop or a
// dead letter, with the reason in DecodeStats. The only exception that can escape is
// std::bad_alloc.
//
// Allocation: one heap allocation per record (the Record itself). The parser's buffers grow to
// the longest line seen (at most max_record_bytes) and are reused.
//
// Threading: one Decoder per thread (it owns a simdjson parser and a RecordBuilder); a Decoder
// is not shared, and the Records it returns are owned by the caller.
class Decoder {
public:
  // `config` must be valid (config.validate() empty); an invalid value is clamped, not checked.
  explicit Decoder(DecodeConfig config);
  ~Decoder();
  Decoder(const Decoder&) = delete;
  Decoder& operator=(const Decoder&) = delete;
  Decoder(Decoder&&) noexcept;
  Decoder& operator=(Decoder&&) noexcept;

  // Decodes one record. `line` may end with "\n" or "\r\n" (removed, as is a leading UTF-8 BOM).
  // A record is returned whatever its trace context (see Record::context); the
  // invalid_context policy is not applied here. Errors: kEmpty for a blank line, kTooLarge
  // (checked before parsing), kTooDeep, kNotAnObject, kMalformedJson, kInvalidUtf8.
  // The padding contract applies to `line`. `stats` receives the counters of this one line
  // (lines, bytes, errors, records, traced/untraced, problems, formats, timestamps...); policy
  // counters are left alone.
  Result<record::RecordPtr, DecodeError> decodeLine(std::string_view line,
                                                    TimestampNs received_ns,
                                                    DecodeStats& stats);
  Result<record::RecordPtr, DecodeError> decodeLine(std::string_view line, TimestampNs received_ns);

  // The batch API of the transports. Splits `buffer` at '\n', drops one '\r' before it, skips
  // blank lines (counted in blank_lines) and decodes every other line, including a final line
  // without '\n': the transport decides what a complete line is, so pass only complete ones.
  // Appends to `out`: traced records, untraced records kept by policy, dead letters (policy
  // dead_letter: undecodable lines and untraced records), and adds every count to out.stats.
  // One bad line never affects the others. The padding contract applies to `buffer`.
  void decodeLines(std::string_view buffer, TimestampNs received_ns, DecodeOutput& out);

  // One framed record (an RFC 6587 octet-counted frame, a UDP datagram, an HTTP body holding a
  // single object): the whole of `frame` is one record, even if it holds newlines (pretty-printed
  // JSON); a trailing "\n"/"\r\n" is removed. Policy and counting as decodeLines. The padding
  // contract applies to `frame`.
  void decodeFrame(std::string_view frame, TimestampNs received_ns, DecodeOutput& out);

  const DecodeConfig& config() const noexcept;

private:
  class Impl;
  void route(std::string_view line,
             Result<record::RecordPtr, DecodeError>&& result,
             DecodeOutput& out);
  std::unique_ptr<Impl> impl_;
};

}  // namespace stitch::decode
