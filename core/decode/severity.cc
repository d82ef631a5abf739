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

}  // namespace

std::uint8_t severityFromText(std::string_view text) noexcept {
  constexpr std::string_view kProtoPrefix = "severity_number_";
  char lower[32];
  if (text.empty() || text.size() > sizeof(lower)) {
    return 0;
  }
  for (std::size_t i = 0; i < text.size(); ++i) {
    lower[i] = toLower(text[i]);
  }
  std::string_view name(lower, text.size());
  if (name.starts_with(kProtoPrefix)) {
    name.remove_prefix(kProtoPrefix.size());
  }
  for (const LevelName& level : kLevelNames) {
    if (level.name == name) {
      return level.severity;
    }
  }
  // "info2".."info4", "warn3", ...: OpenTelemetry's step suffixes.
  if (name.size() >= 2 && name.back() >= '1' && name.back() <= '4') {
    const std::string_view base = name.substr(0, name.size() - 1);
    for (const LevelName& level : kOtelNames) {
      if (level.name == base) {
        return static_cast<std::uint8_t>(level.severity + (name.back() - '1'));
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
