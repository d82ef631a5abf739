#include "core/query/query_params.h"

#include <cctype>

#include "core/common/hex.h"

namespace stitch::query {

std::optional<std::string> percentDecode(std::string_view text, bool plus_is_space) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '%') {
      if (i + 2 >= text.size()) {
        return std::nullopt;
      }
      auto digit = [](char d) -> int {
        if (d >= '0' && d <= '9') {
          return d - '0';
        }
        if (d >= 'a' && d <= 'f') {
          return d - 'a' + 10;
        }
        if (d >= 'A' && d <= 'F') {
          return d - 'A' + 10;
        }
        return -1;
      };
      const int hi = digit(text[i + 1]);
      const int lo = digit(text[i + 2]);
      if (hi < 0 || lo < 0) {
        return std::nullopt;
      }
      out.push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else if (c == '+' && plus_is_space) {
      out.push_back(' ');
    } else {
      out.push_back(c);
    }
  }
  return out;
}

std::string percentEncode(std::string_view text) {
  std::string out;
  for (const char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
        c == '_' || c == '.' || c == '~') {
      out.push_back(c);
    } else {
      out.push_back('%');
      out.push_back(static_cast<char>(std::toupper(hex::kLowerDigits[u >> 4])));
      out.push_back(static_cast<char>(std::toupper(hex::kLowerDigits[u & 0x0f])));
    }
  }
  return out;
}

Result<QueryParams, std::string> QueryParams::parse(std::string_view query) {
  QueryParams params;
  while (!query.empty()) {
    const std::size_t amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    if (pair.empty()) {
      continue;
    }
    const std::size_t eq = pair.find('=');
    auto key = percentDecode(pair.substr(0, eq), true);
    auto value = percentDecode(
        eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1), true);
    if (!key || !value) {
      return Unexpected("malformed percent-encoding in '" + std::string(pair) + "'");
    }
    params.items_.emplace_back(std::move(*key), std::move(*value));
  }
  return params;
}

std::optional<std::string> QueryParams::get(std::string_view key) const {
  for (const auto& [k, v] : items_) {
    if (k == key) {
      if (v.empty()) {
        return std::nullopt;
      }
      return v;
    }
  }
  return std::nullopt;
}

std::vector<std::string> QueryParams::all(std::string_view key) const {
  std::vector<std::string> values;
  for (const auto& [k, v] : items_) {
    if (k == key && !v.empty()) {
      values.push_back(v);
    }
  }
  return values;
}

}  // namespace stitch::query
