#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

namespace stitch::ingest {

// How records are delimited on a stream (TCP, Unix stream) connection.
enum class Framing : std::uint8_t {
  kAuto = 0,      // decided per connection by its first non-blank byte: a digit means octet-counted
  kNewline,       // newline-delimited (NDJSON): records end at '\n'; a '\r' before it is dropped
  kOctetCounted,  // RFC 6587 3.4.1: "MSG-LEN SP MSG", MSG-LEN decimal without leading zero
};
std::string_view framingName(Framing framing) noexcept;  // "auto", "newline", "octet_counted"

// The longest MSG-LEN accepted (10 digits: up to 9'999'999'999, far beyond any record limit).
inline constexpr std::size_t kMaxOctetCountDigits = 10;

// Splits a byte stream into records. Pure state machine: it owns no buffer. The caller keeps the
// bytes frame() did not consume (an incomplete record at the end), appends newly read bytes
// after them and calls frame() again with the whole unconsumed range. The unconsumed range is
// never longer than maxPending(), so a buffer of that size plus one read always makes progress.
//
// Events go to a sink with these members (all called synchronously from frame()/finish()):
//   void onLines(std::string_view run);    newline framing: one or more complete lines. The run
//                                          holds no final '\n' but may hold '\r' and empty lines,
//                                          and lines longer than the limit (the line decoder
//                                          enforces the limit on complete lines, so a run is
//                                          scanned once).
//   void onFrame(std::string_view frame);  octet-counted: one record, a trailing "\r\n" or "\n"
//                                          inside the counted bytes removed.
//   void onOversize();                     a record longer than max_record_bytes was skipped
//                                          before it was complete.
//   void onInvalidFrame();                 octet-counted: a malformed MSG-LEN (the bytes up to
//                                          the next '\n' are skipped to resynchronise), or a
//                                          stream that ended inside a frame.
//
// Threading: one instance per connection; it lives on that connection's thread.
class StreamFramer {
public:
  StreamFramer(Framing framing, std::size_t max_record_bytes) noexcept
      : configured_(framing), mode_(framing), max_record_bytes_(max_record_bytes) {}

  // Frames `data`; returns how many leading bytes were consumed. Never throws, never allocates.
  template <class Sink>
  std::size_t frame(std::string_view data, Sink& sink) noexcept;

  // The stream ended with `rest` unconsumed (what frame() left last). A final newline-framed
  // line without its '\n' is still a record; an incomplete octet-counted frame is invalid.
  template <class Sink>
  void finish(std::string_view rest, Sink& sink) noexcept;

  // Takes effect for the next record (a reload may change the limit of live connections).
  void setMaxRecordBytes(std::size_t max_record_bytes) noexcept {
    max_record_bytes_ = max_record_bytes;
  }
  std::size_t maxRecordBytes() const noexcept { return max_record_bytes_; }
  // The most bytes frame() ever leaves unconsumed.
  std::size_t maxPending() const noexcept { return max_record_bytes_ + kMaxOctetCountDigits + 1; }

  // kAuto until the first record's first byte decided it.
  Framing framing() const noexcept { return mode_; }
  Framing configuredFraming() const noexcept { return configured_; }

private:
  enum class State : std::uint8_t {
    kReady,      // at a record boundary
    kSkipLine,   // dropping bytes up to and including the next '\n'
    kSkipCount,  // dropping skip_remaining_ more bytes of an oversize counted frame
  };

  static bool isBlank(char c) noexcept { return c == '\n' || c == '\r' || c == ' ' || c == '\t'; }
  static bool isDigit(char c) noexcept { return c >= '0' && c <= '9'; }

  template <class Sink>
  std::size_t frameNewline(std::string_view data, std::size_t pos, Sink& sink) noexcept;
  template <class Sink>
  std::size_t frameOctets(std::string_view data, std::size_t pos, Sink& sink) noexcept;

  Framing configured_;
  Framing mode_;
  State state_ = State::kReady;
  std::size_t max_record_bytes_;
  std::uint64_t skip_remaining_ = 0;
};

template <class Sink>
std::size_t StreamFramer::frame(std::string_view data, Sink& sink) noexcept {
  std::size_t pos = 0;
  if (mode_ == Framing::kAuto) {
    // Blank bytes before the first record say nothing about the framing; consume them.
    while (pos < data.size() && isBlank(data[pos])) {
      ++pos;
    }
    if (pos == data.size()) {
      return pos;
    }
    mode_ = (data[pos] >= '1' && data[pos] <= '9') ? Framing::kOctetCounted : Framing::kNewline;
  }
  return mode_ == Framing::kNewline ? frameNewline(data, pos, sink) : frameOctets(data, pos, sink);
}

template <class Sink>
std::size_t StreamFramer::frameNewline(std::string_view data,
                                       std::size_t pos,
                                       Sink& sink) noexcept {
  if (state_ == State::kSkipLine) {
    const void* nl = std::memchr(data.data() + pos, '\n', data.size() - pos);
    if (nl == nullptr) {
      return data.size();
    }
    pos = static_cast<std::size_t>(static_cast<const char*>(nl) - data.data()) + 1;
    state_ = State::kReady;
  }
  // Only the last '\n' is searched for here: the decoder splits the run, so it is read once.
  const void* last = memrchr(data.data() + pos, '\n', data.size() - pos);
  if (last != nullptr) {
    const auto end = static_cast<std::size_t>(static_cast<const char*>(last) - data.data());
    if (end > pos) {
      sink.onLines(data.substr(pos, end - pos));
    }
    pos = end + 1;
  }
  if (data.size() - pos > max_record_bytes_) {
    // The unfinished line is already too long: drop it now instead of buffering it.
    sink.onOversize();
    state_ = State::kSkipLine;
    return data.size();
  }
  return pos;
}

template <class Sink>
std::size_t StreamFramer::frameOctets(std::string_view data, std::size_t pos, Sink& sink) noexcept {
  const std::size_t size = data.size();
  while (pos < size) {
    if (state_ == State::kSkipCount) {
      const std::size_t n =
          static_cast<std::size_t>(std::min<std::uint64_t>(skip_remaining_, size - pos));
      skip_remaining_ -= n;
      pos += n;
      if (skip_remaining_ == 0) {
        state_ = State::kReady;
      }
      continue;
    }
    if (state_ == State::kSkipLine) {
      const void* nl = std::memchr(data.data() + pos, '\n', size - pos);
      if (nl == nullptr) {
        return size;
      }
      pos = static_cast<std::size_t>(static_cast<const char*>(nl) - data.data()) + 1;
      state_ = State::kReady;
      continue;
    }
    // kReady: blank bytes between frames are tolerated (senders often end frames with "\n").
    if (isBlank(data[pos])) {
      ++pos;
      continue;
    }
    const std::size_t header = pos;
    std::uint64_t length = 0;
    std::size_t i = pos;
    while (i < size && isDigit(data[i]) && i - header < kMaxOctetCountDigits) {
      length = length * 10 + static_cast<std::uint64_t>(data[i] - '0');
      ++i;
    }
    if (i == size) {
      return header;  // the header continues in the next read
    }
    const bool valid_header = i > header && data[header] != '0' && data[i] == ' ';
    if (!valid_header) {
      sink.onInvalidFrame();
      state_ = State::kSkipLine;
      pos = header;
      continue;
    }
    const std::size_t body = i + 1;
    if (length > max_record_bytes_) {
      sink.onOversize();
      state_ = State::kSkipCount;
      skip_remaining_ = length;
      pos = body;
      continue;
    }
    if (size - body < length) {
      return header;  // the frame is not complete yet: keep its header with it
    }
    std::string_view record = data.substr(body, static_cast<std::size_t>(length));
    if (!record.empty() && record.back() == '\n') {
      record.remove_suffix(1);
      if (!record.empty() && record.back() == '\r') {
        record.remove_suffix(1);
      }
    }
    sink.onFrame(record);
    pos = body + static_cast<std::size_t>(length);
  }
  return pos;
}

template <class Sink>
void StreamFramer::finish(std::string_view rest, Sink& sink) noexcept {
  if (state_ != State::kReady) {
    // kSkipLine / kSkipCount: the record in progress was counted when it started being skipped.
    state_ = State::kReady;
    return;
  }
  std::size_t pos = 0;
  while (pos < rest.size() && isBlank(rest[pos])) {
    ++pos;
  }
  if (pos == rest.size()) {
    return;
  }
  if (mode_ == Framing::kOctetCounted) {
    sink.onInvalidFrame();
  } else {
    // kAuto cannot be left with a non-blank byte; kNewline: the last line had no '\n'.
    sink.onLines(rest);
  }
}

}  // namespace stitch::ingest
