#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace stitch::json {

// Appends `text` as a JSON string literal (with quotes). Escapes '"', '\\' and control
// characters; invalid UTF-8 becomes U+FFFD so that the output is always valid JSON.
void appendString(std::string& out, std::string_view text);

// A streaming JSON writer that appends to a caller-owned string and places commas itself.
// It does not check the grammar (a key where a value belongs is the caller's bug). Nesting
// depth is unlimited (kMaxDepth is kept for source compatibility; it is no longer a limit).
// Threading: an instance belongs to one thread.
class Writer {
public:
  static constexpr int kMaxDepth = 64;

  explicit Writer(std::string& out) noexcept : out_(out) {}

  Writer& beginObject();
  Writer& endObject();
  Writer& beginArray();
  Writer& endArray();
  Writer& key(std::string_view name);

  Writer& value(std::string_view text);
  Writer& value(const char* text) { return value(std::string_view(text)); }
  Writer& value(const std::string& text) { return value(std::string_view(text)); }
  Writer& value(bool flag);
  Writer& value(std::int64_t number);
  Writer& value(std::uint64_t number);
  Writer& value(int number) { return value(static_cast<std::int64_t>(number)); }
  Writer& value(unsigned number) { return value(static_cast<std::uint64_t>(number)); }
  Writer& value(double number);  // non-finite numbers are written as null
  Writer& null();
  // Appends already-serialised JSON (e.g. a record's raw attributes object) as one value.
  Writer& raw(std::string_view json);

  // key(name).value(v) in one call.
  template <class T>
  Writer& field(std::string_view name, const T& v) {
    key(name);
    return value(v);
  }

  std::string& out() noexcept { return out_; }

private:
  void separate();

  std::string& out_;
  int depth_ = 0;
  bool after_key_ = false;
};

}  // namespace stitch::json
