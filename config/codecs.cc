#include "config/codecs.h"

#include <cctype>
#include <charconv>
#include <cmath>

namespace stitch::config {

namespace detail {

std::string expectedButGot(std::string_view expectation, const Node& node) {
  return cat(expectation, ", got ", describeValue(node));
}

std::string rangeMessage(const std::string& low,
                         const std::string& high,
                         bool below,
                         bool low_is_limit,
                         bool high_is_limit,
                         const std::string& got) {
  if (!low_is_limit && !high_is_limit) {
    return "must be from " + low + " to " + high + ", got " + got;
  }
  if (below) {
    return "must be at least " + low + ", got " + got;
  }
  return "must be at most " + high + ", got " + got;
}

std::string constraintText(const std::optional<std::string>& low,
                           const std::optional<std::string>& high) {
  if (low && high) {
    return "from " + *low + " to " + *high;
  }
  if (low) {
    return "at least " + *low;
  }
  if (high) {
    return "at most " + *high;
  }
  return {};
}

std::string renderDouble(double value) {
  char buffer[64];
  const auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, value);
  if (ec != std::errc()) {
    return "0";
  }
  return std::string(buffer, end);
}

std::string durationUnitName(std::intmax_t num, std::intmax_t den) {
  if (num == 1 && den == 1'000'000'000) {
    return "nanoseconds";
  }
  if (num == 1 && den == 1'000'000) {
    return "microseconds";
  }
  if (num == 1 && den == 1'000) {
    return "milliseconds";
  }
  if (num == 1 && den == 1) {
    return "seconds";
  }
  if (num == 60 && den == 1) {
    return "minutes";
  }
  if (num == 3600 && den == 1) {
    return "hours";
  }
  return cat("the key's unit (", std::to_string(num), "/", std::to_string(den), " s)");
}

std::string plural(const std::string& name) {
  return name.find(' ') == std::string::npos ? name + "s" : name;
}

}  // namespace detail

std::string fieldComment(std::string_view description, const TypeDoc& type, bool required) {
  std::string text(description);
  if (!type.allowed.empty()) {
    text += cat(" One of: ", joinNames(type.allowed), ".");
  }
  if (!type.constraints.empty()) {
    std::string constraints = type.constraints;
    constraints[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(constraints[0])));
    text += cat(" ", constraints, ".");
  }
  if (required) {
    text += " Required.";
  }
  return text;
}

std::string unknownNameMessage(std::string_view what,
                               std::string_view got,
                               const std::vector<std::string>& allowed) {
  const std::string message = cat("unknown ", what, " \"", got, "\"");
  if (auto suggestion = closestMatch(got, allowed)) {
    return cat(message, "; did you mean \"", *suggestion, "\"? (one of ", joinNames(allowed), ")");
  }
  return cat(message, "; expected one of ", joinNames(allowed));
}

Result<bool, std::string> BoolCodec::parse(std::string_view text) const {
  std::string lower;
  for (const char c : text) {
    lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  if (lower == "true") {
    return true;
  }
  if (lower == "false") {
    return false;
  }
  return Unexpected(cat(expectation(), ", got \"", text, "\""));
}

Result<double, std::string> parseDouble(std::string_view text) {
  std::string_view digits = text;
  if (!digits.empty() && digits[0] == '+') {
    digits.remove_prefix(1);
  }
  double value = 0;
  const auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
  if (digits.empty() || ec == std::errc::invalid_argument || ptr != digits.data() + digits.size() ||
      !std::isfinite(value)) {
    return Unexpected(cat("expected a number, got \"", text, "\""));
  }
  if (ec == std::errc::result_out_of_range) {
    return Unexpected(cat("out of range, got \"", text, "\""));
  }
  return value;
}

Result<std::uint64_t, std::string> SizeCodec::parse(std::string_view text) const {
  auto parsed = parseByteSize(text);
  if (!parsed) {
    return Unexpected(std::move(parsed).error());
  }
  const std::uint64_t bytes = parsed.value();
  const std::uint64_t low = min_.value_or(0);
  const std::uint64_t high = max_.value_or(std::numeric_limits<std::uint64_t>::max());
  if (bytes < low || bytes > high) {
    return Unexpected(detail::rangeMessage(formatByteSize(low), formatByteSize(high), bytes < low,
                                           !min_.has_value(), !max_.has_value(),
                                           std::string(text)));
  }
  return bytes;
}

TypeDoc SizeCodec::doc() const {
  const std::optional<std::string> low =
      min_ && *min_ > 0 ? std::optional<std::string>(formatByteSize(*min_)) : std::nullopt;
  const std::optional<std::string> high =
      max_ ? std::optional<std::string>(formatByteSize(*max_)) : std::nullopt;
  return TypeDoc{"size", {}, detail::constraintText(low, high), nullptr, {}};
}

}  // namespace stitch::config
