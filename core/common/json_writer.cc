#include "core/common/json_writer.h"

#include <cmath>

#include <fmt/format.h>

namespace stitch::json {
namespace {

// Length of the valid UTF-8 sequence starting at s[i], or 0 if it is not valid.
std::size_t utf8SequenceLength(std::string_view s, std::size_t i) noexcept {
  const auto c0 = static_cast<unsigned char>(s[i]);
  auto cont = [&](std::size_t k) {
    return i + k < s.size() && (static_cast<unsigned char>(s[i + k]) & 0xc0) == 0x80;
  };
  if (c0 >= 0xc2 && c0 <= 0xdf) {
    return cont(1) ? 2 : 0;
  }
  if (c0 >= 0xe0 && c0 <= 0xef) {
    if (!cont(1) || !cont(2)) {
      return 0;
    }
    const auto c1 = static_cast<unsigned char>(s[i + 1]);
    if ((c0 == 0xe0 && c1 < 0xa0) || (c0 == 0xed && c1 > 0x9f)) {
      return 0;  // overlong, or a UTF-16 surrogate
    }
    return 3;
  }
  if (c0 >= 0xf0 && c0 <= 0xf4) {
    if (!cont(1) || !cont(2) || !cont(3)) {
      return 0;
    }
    const auto c1 = static_cast<unsigned char>(s[i + 1]);
    if ((c0 == 0xf0 && c1 < 0x90) || (c0 == 0xf4 && c1 > 0x8f)) {
      return 0;
    }
    return 4;
  }
  return 0;
}

}  // namespace

void appendString(std::string& out, std::string_view text) {
  out.reserve(out.size() + text.size() + 2);
  out += '"';
  std::size_t run_start = 0;
  std::size_t i = 0;
  while (i < text.size()) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c >= 0x20 && c != '"' && c != '\\' && c < 0x80) {
      ++i;
      continue;
    }
    if (c >= 0x80) {
      const std::size_t n = utf8SequenceLength(text, i);
      if (n != 0) {
        i += n;
        continue;
      }
    }
    out.append(text.data() + run_start, i - run_start);
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      default:
        if (c < 0x20) {
          fmt::format_to(std::back_inserter(out), "\\u{:04x}", c);
        } else {
          out += "\xef\xbf\xbd";  // U+FFFD for a byte that starts no valid UTF-8 sequence
        }
    }
    ++i;
    run_start = i;
  }
  out.append(text.data() + run_start, text.size() - run_start);
  out += '"';
}

void Writer::separate() {
  if (after_key_) {
    after_key_ = false;
    return;
  }
  // Inside a container, an item follows either the container's opening bracket or another
  // item (values never end in '{' or '['), so the last byte says whether a comma is due. This
  // holds at any depth, where a bit per level capped nesting at 64 (deep span trees exceed it).
  if (depth_ > 0 && !out_.empty() && out_.back() != '{' && out_.back() != '[') {
    out_ += ',';
  }
}

Writer& Writer::beginObject() {
  separate();
  out_ += '{';
  ++depth_;
  return *this;
}

Writer& Writer::endObject() {
  out_ += '}';
  --depth_;
  return *this;
}

Writer& Writer::beginArray() {
  separate();
  out_ += '[';
  ++depth_;
  return *this;
}

Writer& Writer::endArray() {
  out_ += ']';
  --depth_;
  return *this;
}

Writer& Writer::key(std::string_view name) {
  separate();
  appendString(out_, name);
  out_ += ':';
  after_key_ = true;
  return *this;
}

Writer& Writer::value(std::string_view text) {
  separate();
  appendString(out_, text);
  return *this;
}

Writer& Writer::value(bool flag) {
  separate();
  out_ += flag ? "true" : "false";
  return *this;
}

Writer& Writer::value(std::int64_t number) {
  separate();
  fmt::format_to(std::back_inserter(out_), "{}", number);
  return *this;
}

Writer& Writer::value(std::uint64_t number) {
  separate();
  fmt::format_to(std::back_inserter(out_), "{}", number);
  return *this;
}

Writer& Writer::value(double number) {
  separate();
  if (std::isfinite(number)) {
    fmt::format_to(std::back_inserter(out_), "{}", number);
  } else {
    out_ += "null";
  }
  return *this;
}

Writer& Writer::null() {
  separate();
  out_ += "null";
  return *this;
}

Writer& Writer::raw(std::string_view json) {
  separate();
  out_ += json;
  return *this;
}

}  // namespace stitch::json
