#include "core/decode/severity.h"

#include <array>

namespace stitch::decode {
namespace {

struct LevelName {
  std::string_view name;  // lowercase
  std::uint8_t severity;
};

constexpr std::array<LevelName, 24> kLevelNames = {{
    {"trace", kSeverityTrace},     {"verbose", kSeverityTrace},    {"silly", kSeverityTrace},
    {"finest", kSeverityTrace},    {"debug", kSeverityDebug},      {"fine", kSeverityDebug},
    {"info", kSeverityInfo},       {"information", kSeverityInfo}, {"informational", kSeverityInfo},
    {"http", kSeverityInfo},       {"notice", kSeverityInfo + 1},  {"warn", kSeverityWarn},
    {"warning", kSeverityWarn},    {"error", kSeverityError},      {"err", kSeverityError},
    {"severe", kSeverityError},    {"fatal", kSeverityFatal},      {"critical", kSeverityFatal},
    {"crit", kSeverityFatal},      {"alert", kSeverityFatal},      {"emerg", kSeverityFatal},
    {"emergency", kSeverityFatal}, {"panic", kSeverityFatal},      {"dpanic", kSeverityFatal},
}};

// The six OpenTelemetry short names, which take a step suffix 1..4 ("INFO3").
constexpr std::array<LevelName, 6> kOtelNames = {{{"trace", kSeverityTrace},
                                                  {"debug", kSeverityDebug},
                                                  {"info", kSeverityInfo},
                                                  {"warn", kSeverityWarn},
                                                  {"error", kSeverityError},
                                                  {"fatal", kSeverityFatal}}};

constexpr char toLower(char c) noexcept {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

// `text` equals `lower` (all lowercase) ignoring ASCII case; sizes must match.
bool equalsLower(std::string_view text, std::string_view lower) noexcept {
  for (std::size_t i = 0; i < lower.size(); ++i) {
    if (toLower(text[i]) != lower[i]) {
      return false;
    }
  }
  return true;
}

}  // namespace

std::uint8_t severityFromText(std::string_view text) noexcept {
  constexpr std::string_view kProtoPrefix = "severity_number_";
  if (text.size() > kProtoPrefix.size() &&
      equalsLower(text.substr(0, kProtoPrefix.size()), kProtoPrefix)) {
    text.remove_prefix(kProtoPrefix.size());
  }
  for (const LevelName& level : kLevelNames) {
    if (level.name.size() == text.size() && equalsLower(text, level.name)) {
      return level.severity;
    }
  }
  // "info2".."info4", "warn3", ...: OpenTelemetry's step suffixes.
  if (text.size() >= 2 && text.back() >= '1' && text.back() <= '4') {
    const std::string_view base = text.substr(0, text.size() - 1);
    for (const LevelName& level : kOtelNames) {
      if (level.name.size() == base.size() && equalsLower(base, level.name)) {
        return static_cast<std::uint8_t>(level.severity + (text.back() - '1'));
      }
    }
  }
  return 0;
}

std::uint8_t severityFromLevelNumber(std::int64_t level) noexcept {
  if (level < 10) {
    return 0;
  }
  if (level < 20) {
    return kSeverityTrace;
  }
  if (level < 30) {
    return kSeverityDebug;
  }
  if (level < 40) {
    return kSeverityInfo;
  }
  if (level < 50) {
    return kSeverityWarn;
  }
  if (level < 60) {
    return kSeverityError;
  }
  return kSeverityFatal;
}

}  // namespace stitch::decode
