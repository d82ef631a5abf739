// Fuzzes the stream framer. Property: the records found do not depend on how the stream is
// cut into reads (one read, or reads of a size taken from the input), once lines longer than
// the limit are normalised (whole in one run they are the decoder's to drop, cut across reads
// the framer drops them); and the unconsumed bytes never exceed maxPending().
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "core/ingest/framer.h"

namespace {

using stitch::ingest::Framing;
using stitch::ingest::StreamFramer;

constexpr std::string_view kOversize = "\x01oversize";
constexpr std::string_view kInvalid = "\x01invalid";

struct Sink {
  std::size_t max_record_bytes;
  std::vector<std::string> events;

  void onLines(std::string_view run) {
    std::size_t start = 0;
    while (start <= run.size()) {
      std::size_t nl = run.find('\n', start);
      if (nl == std::string_view::npos) {
        nl = run.size();
      }
      const std::string_view line = run.substr(start, nl - start);
      if (line.size() > max_record_bytes) {
        events.emplace_back(kOversize);
      } else if (!line.empty()) {
        events.emplace_back(line);
      }
      start = nl + 1;
    }
  }
  void onFrame(std::string_view frame) { events.emplace_back(frame); }
  void onOversize() { events.emplace_back(kOversize); }
  void onInvalidFrame() { events.emplace_back(kInvalid); }
};

std::vector<std::string> run(std::string_view input,
                             Framing framing,
                             std::size_t max_record_bytes,
                             std::size_t chunk) {
  StreamFramer framer(framing, max_record_bytes);
  Sink sink{max_record_bytes, {}};
  std::string buffer;
  for (std::size_t pos = 0; pos < input.size(); pos += chunk) {
    buffer.append(input.substr(pos, chunk));
    const std::size_t consumed = framer.frame(buffer, sink);
    if (consumed > buffer.size()) {
      std::abort();
    }
    buffer.erase(0, consumed);
    if (buffer.size() > framer.maxPending()) {
      std::abort();
    }
  }
  framer.finish(buffer, sink);
  return sink.events;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 3) {
    return 0;
  }
  const auto framing = static_cast<Framing>(data[0] % 3);
  const std::size_t max_record_bytes = 1 + data[1] % 64;
  const std::size_t chunk = 1 + data[2] % 32;
  const std::string_view input(reinterpret_cast<const char*>(data) + 3, size - 3);
  const auto whole = run(input, framing, max_record_bytes, input.size() + 1);
  const auto pieces = run(input, framing, max_record_bytes, chunk);
  if (whole != pieces) {
    std::abort();
  }
  return 0;
}
