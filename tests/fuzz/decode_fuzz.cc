// Fuzzes the decoder with arbitrary bytes as a batch of lines. Properties:
//  - decoding the same input twice gives identical records (serialized bytes), dead letters and
//    counters (the decoder keeps no state from one batch to the next);
//  - a batch decodes exactly as its lines decoded one by one with decodeLine();
//  - every kept record's raw() is exactly its input line, and so is every dead letter;
//  - the padding after the input is never read as JSON (it is filled with '}');
//  - the whole input decoded as one frame gives at most one outcome, the same twice.
// Three decoders cover auto detection, an explicit preset with custom paths, and the
// dead-letter policy with a tight size and depth limit.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "core/decode/decoder.h"

namespace {

using stitch::decode::DeadLetter;
using stitch::decode::DecodeConfig;
using stitch::decode::DecodeOutput;
using stitch::decode::Decoder;
using stitch::decode::InputFormat;
using stitch::decode::InvalidContextPolicy;
using stitch::record::RecordBatch;

constexpr stitch::TimestampNs kReceived = 1'700'000'000'000'000'000;

// A violated property: say which one, then crash so that the fuzzer keeps the input.
#define check(condition)                                                                      \
  do {                                                                                        \
    if (!(condition)) {                                                                       \
      std::fprintf(stderr, "decode_fuzz.cc:%d: property failed: %s\n", __LINE__, #condition); \
      std::abort();                                                                           \
    }                                                                                         \
  } while (false)

std::string serialized(const RecordBatch& batch) {
  std::string out;
  for (const auto& record : batch) {
    record->serialize(out);
  }
  return out;
}

bool sameLetters(const std::vector<DeadLetter>& a, const std::vector<DeadLetter>& b) {
  if (a.size() != b.size()) {
    return false;
  }
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (a[i].line != b[i].line || a[i].reason != b[i].reason) {
      return false;
    }
  }
  return true;
}

bool isBlank(std::string_view line) {
  return line.find_first_not_of(" \t\r\n") == std::string_view::npos;
}

struct Line {
  std::string_view as_sent;  // without its '\n'
  std::string_view record;   // what the record's raw() must be: no '\r' before the '\n', no BOM
};

// The lines decodeLines() sees in `input`, the way its contract describes them.
std::vector<Line> splitLines(std::string_view input) {
  std::vector<Line> lines;
  while (!input.empty()) {
    const std::size_t newline = input.find('\n');
    const std::string_view as_sent = input.substr(0, newline);
    input.remove_prefix(newline == std::string_view::npos ? input.size() : newline + 1);
    std::string_view line = as_sent;
    if (!line.empty() && line.back() == '\r') {
      line.remove_suffix(1);
    }
    if (line.starts_with("\xEF\xBB\xBF")) {
      line.remove_prefix(3);
    }
    if (!isBlank(line)) {
      lines.push_back({as_sent, line});
    }
  }
  return lines;
}

void fuzzOne(Decoder& decoder, std::string_view input) {
  DecodeOutput first;
  DecodeOutput second;
  decoder.decodeLines(input, kReceived, first);
  decoder.decodeLines(input, kReceived, second);
  check(serialized(first.traced) == serialized(second.traced));
  check(serialized(first.untraced) == serialized(second.untraced));
  check(sameLetters(first.dead_letters, second.dead_letters));
  check(first.stats == second.stats);

  // Line by line: the same records in the same order, each holding exactly its line.
  const InvalidContextPolicy policy = decoder.config().invalid_context;
  std::size_t traced = 0;
  std::size_t untraced = 0;
  std::size_t letters = 0;
  for (const Line& sent : splitLines(input)) {
    const std::string_view line = sent.record;
    // decodeLine() needs padding after the line too: copy it (the batch's own bytes follow it
    // in `input`, which is padded, so decodeLines() did not need a copy).
    std::string padded(sent.as_sent);
    padded.append(stitch::decode::kPadding, '}');
    auto result =
        decoder.decodeLine(std::string_view(padded).substr(0, sent.as_sent.size()), kReceived);
    if (!result) {
      if (policy == InvalidContextPolicy::kDeadLetter) {
        check(letters < first.dead_letters.size());
        check(first.dead_letters[letters].line == line);
        ++letters;
      }
      continue;
    }
    const auto& record = *result;
    std::string expected;
    record->serialize(expected);
    if (record->hasTraceContext()) {
      check(traced < first.traced.size());
      check(first.traced[traced]->raw() == line);
      std::string got;
      first.traced[traced]->serialize(got);
      check(got == expected);
      ++traced;
    } else if (policy == InvalidContextPolicy::kKeep) {
      check(untraced < first.untraced.size());
      check(first.untraced[untraced]->raw() == line);
      ++untraced;
    } else if (policy == InvalidContextPolicy::kDeadLetter) {
      check(letters < first.dead_letters.size());
      check(first.dead_letters[letters].line == line);
      ++letters;
    }
    // Fields point inside the record's own bytes.
    for (const auto ref :
         {record->service, record->operation, record->message, record->error, record->severity_text,
          record->tracestate, record->attributes, record->resource}) {
      check(ref.offset + static_cast<std::uint64_t>(ref.size) <= record->dataSize());
    }
  }
  check(traced == first.traced.size());
  check(untraced == first.untraced.size());
  check(letters == first.dead_letters.size());

  // The whole input as one frame: at most one outcome, the same both times.
  DecodeOutput frame_first;
  DecodeOutput frame_second;
  decoder.decodeFrame(input, kReceived, frame_first);
  decoder.decodeFrame(input, kReceived, frame_second);
  check(frame_first.traced.size() + frame_first.untraced.size() + frame_first.dead_letters.size() <=
        1);
  check(serialized(frame_first.traced) == serialized(frame_second.traced));
  check(serialized(frame_first.untraced) == serialized(frame_second.untraced));
  check(sameLetters(frame_first.dead_letters, frame_second.dead_letters));
  check(frame_first.stats == frame_second.stats);
}

Decoder makeDecoder(int which) {
  DecodeConfig config;
  if (which == 1) {
    config.format = InputFormat::kOtel;
    config.fields.trace_id = "ctx.trace";
    config.fields.service = "attributes.service.name";
    config.fields.message.emplace("m");
  } else if (which == 2) {
    config.invalid_context = InvalidContextPolicy::kDeadLetter;
    config.dead_letter_path = "/dev/null";
    config.max_record_bytes = 256;
    config.max_depth = 4;
  }
  return Decoder(config);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static Decoder decoders[] = {makeDecoder(0), makeDecoder(1), makeDecoder(2)};
  std::string buffer(reinterpret_cast<const char*>(data), size);
  buffer.append(stitch::decode::kPadding, '}');
  const std::string_view input(buffer.data(), size);
  for (Decoder& decoder : decoders) {
    fuzzOne(decoder, input);
  }
  return 0;
}
