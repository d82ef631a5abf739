#include "core/export/exporter_config.h"

#include <algorithm>
#include <map>

#include <fmt/format.h>

#include "core/export/http_url.h"

namespace stitch::exporting {
namespace {

void add(ConfigProblems& problems, std::string path, std::string message) {
  problems.push_back(ConfigProblem{std::move(path), std::move(message)});
}

void addPrefixed(ConfigProblems& problems, std::string_view prefix, ConfigProblems&& nested) {
  for (auto& problem : nested) {
    problem.path = std::string(prefix) + problem.path;
    problems.push_back(std::move(problem));
  }
}

// RFC 9110 token characters: what a header field name may hold.
bool isTokenChar(char c) noexcept {
  const auto u = static_cast<unsigned char>(c);
  if (u <= 0x20 || u >= 0x7f) {
    return false;
  }
  return std::string_view("\"(),/:;<=>?@[\\]{}").find(c) == std::string_view::npos;
}

bool equalsIgnoreCase(std::string_view a, std::string_view b) noexcept {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

template <class Enum, std::size_t N>
std::optional<Enum> fromName(std::string_view name,
                             const std::pair<std::string_view, Enum> (&table)[N]) noexcept {
  for (const auto& [text, value] : table) {
    if (text == name) {
      return value;
    }
  }
  return std::nullopt;
}

template <class Enum, std::size_t N>
std::string_view toName(Enum value, const std::pair<std::string_view, Enum> (&table)[N]) noexcept {
  for (const auto& [text, v] : table) {
    if (v == value) {
      return text;
    }
  }
  return "unknown";
}

constexpr std::pair<std::string_view, FullPolicy> kFullPolicies[] = {{"block", FullPolicy::kBlock},
                                                                     {"drop", FullPolicy::kDrop}};
constexpr std::pair<std::string_view, NdjsonMode> kNdjsonModes[] = {
    {"per_record", NdjsonMode::kPerRecord}, {"per_trace", NdjsonMode::kPerTrace}};
constexpr std::pair<std::string_view, FsyncPolicy> kFsyncPolicies[] = {
    {"never", FsyncPolicy::kNever},
    {"batch", FsyncPolicy::kBatch},
    {"interval", FsyncPolicy::kInterval}};
constexpr std::pair<std::string_view, Compression> kCompressions[] = {{"none", Compression::kNone},
                                                                      {"gzip", Compression::kGzip}};
constexpr std::pair<std::string_view, LogEventMode> kLogEventModes[] = {
    {"log_records", LogEventMode::kLogRecords},
    {"span_events", LogEventMode::kSpanEvents},
    {"both", LogEventMode::kBoth}};

}  // namespace

ConfigProblems RetryConfig::validate() const {
  ConfigProblems problems;
  if (initial_backoff.count() <= 0) {
    add(problems, "initial_backoff", "must be positive");
  }
  if (max_backoff < initial_backoff) {
    add(problems, "max_backoff", "must be at least initial_backoff");
  }
  if (max_elapsed.count() < 0) {
    add(problems, "max_elapsed", "must not be negative (0: no limit)");
  }
  if (!(jitter >= 0.0 && jitter <= 1.0)) {
    add(problems, "jitter", "must be between 0 and 1");
  }
  return problems;
}

ConfigProblems ExporterCommonConfig::validate() const {
  ConfigProblems problems;
  if (queue_size == 0) {
    add(problems, "queue_size", "must be positive");
  }
  if (batch_max_items == 0) {
    add(problems, "batch_max_items", "must be positive");
  }
  if (batch_max_bytes == 0) {
    add(problems, "batch_max_bytes", "must be positive");
  }
  if (flush_interval.count() < 0) {
    add(problems, "flush_interval", "must not be negative");
  }
  return problems;
}

ConfigProblems FileRotationConfig::validate() const {
  ConfigProblems problems;
  if (max_age.count() < 0) {
    add(problems, "max_age", "must not be negative (0: never)");
  }
  if ((max_size != 0 || max_age.count() != 0) && max_files == 0) {
    add(problems, "max_files", "must be positive when rotation is on");
  }
  if (max_size != 0 && max_size < 4096) {
    add(problems, "max_size", "must be at least 4096 bytes (0: never rotate by size)");
  }
  return problems;
}

ConfigProblems FileExporterConfig::validate() const {
  ConfigProblems problems;
  if (path.empty()) {
    add(problems, "path", "is required");
  } else if (path.back() == '/') {
    add(problems, "path", "names a directory; give a file path");
  }
  if (fsync == FsyncPolicy::kInterval && fsync_interval.count() <= 0) {
    add(problems, "fsync_interval", "must be positive");
  }
  return problems;
}

ConfigProblems OtlpHttpExporterConfig::validate() const {
  ConfigProblems problems;
  if (const auto url = parseHttpUrl(endpoint); !url) {
    add(problems, "endpoint", url.error());
  } else if (url->scheme == "https") {
    add(problems, "endpoint", "https is not supported yet (use http://, or a local collector)");
  }
  for (const auto& [key, path] :
       {std::pair<std::string_view, const std::string&>{"traces_path", traces_path},
        std::pair<std::string_view, const std::string&>{"logs_path", logs_path}}) {
    if (!path.empty() && path.front() != '/') {
      add(problems, std::string(key), "must start with '/' (or be empty to send nothing)");
    }
    for (char c : path) {
      const auto u = static_cast<unsigned char>(c);
      if (u <= 0x20 || u >= 0x7f || c == '?' || c == '#') {
        add(problems, std::string(key), "must be a URL-encoded path without a query");
        break;
      }
    }
  }
  if (traces_path.empty() && logs_path.empty()) {
    add(problems, "logs_path", "traces_path and logs_path are both empty: nothing would be sent");
  }
  static constexpr std::string_view kReserved[] = {
      "content-length", "content-type", "content-encoding", "transfer-encoding", "connection"};
  for (const auto& header : headers) {
    // (no structured binding: clang 14 cannot capture one in the lambda below)
    const std::string& name = header.first;
    const std::string& value = header.second;
    const std::string path = "headers." + name;
    if (name.empty() || !std::all_of(name.begin(), name.end(), isTokenChar)) {
      add(problems, path, "is not a valid HTTP header name");
      continue;
    }
    if (std::any_of(std::begin(kReserved), std::end(kReserved),
                    [&](std::string_view r) { return equalsIgnoreCase(r, name); })) {
      add(problems, path, "is set by stitch and cannot be configured");
    }
    if (value.find_first_of("\r\n") != std::string::npos || value.find('\0') != std::string::npos) {
      add(problems, path, "must not contain CR, LF or NUL");
    }
  }
  for (auto it = headers.begin(); it != headers.end(); ++it) {
    for (auto before = headers.begin(); before != it; ++before) {
      if (equalsIgnoreCase(it->first, before->first)) {
        add(problems, "headers." + it->first,
            "is given twice (header names ignore case: \"" + before->first + "\")");
      }
    }
  }
  if (timeout.count() <= 0) {
    add(problems, "timeout", "must be positive");
  }
  if (max_request_bytes < 1024) {
    add(problems, "max_request_bytes", "must be at least 1024");
  }
  return problems;
}

std::string_view ExporterConfig::type() const noexcept {
  return kExporterTypes[settings.index()];
}

ConfigProblems validateExporter(const ExporterConfig& exporter) {
  ConfigProblems problems = exporter.common.validate();
  addPrefixed(problems, "retry.", exporter.common.retry.validate());
  if (const auto* file = std::get_if<FileExporterConfig>(&exporter.settings)) {
    addPrefixed(problems, "", file->validate());
    addPrefixed(problems, "rotate.", file->rotate.validate());
  } else if (const auto* otlp = std::get_if<OtlpHttpExporterConfig>(&exporter.settings)) {
    addPrefixed(problems, "", otlp->validate());
  }
  return problems;
}

namespace {

// Exporters whose (derived) names repeat an earlier one's, as (index, earlier index).
std::vector<std::pair<std::size_t, std::size_t>> duplicateNames(
    const std::vector<ExporterConfig>& exporters) {
  std::vector<std::pair<std::size_t, std::size_t>> out;
  const std::vector<std::string> names = exporterNames(exporters);
  std::map<std::string, std::size_t, std::less<>> first_use;
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (const auto it = first_use.find(names[i]); it != first_use.end()) {
      out.emplace_back(i, it->second);
    } else {
      first_use.emplace(names[i], i);
    }
  }
  return out;
}

}  // namespace

ExporterConfig defaultFileExporter() {
  ExporterConfig exporter;
  FileExporterConfig file;
  file.path = "stitch-data/records.ndjson";
  exporter.settings = std::move(file);
  return exporter;
}

ConfigProblems ExportConfig::validate() const {
  ConfigProblems problems;
  const std::vector<std::string> names = exporterNames(exporters);
  for (const auto& [i, earlier] : duplicateNames(exporters)) {
    add(problems, fmt::format("exporters[{}].name", i),
        fmt::format("\"{}\" is already the name of exporters[{}]", names[i], earlier));
  }
  return problems;
}

std::vector<std::string> exporterNames(const std::vector<ExporterConfig>& exporters) {
  std::vector<std::string> names;
  names.reserve(exporters.size());
  std::map<std::string, int> uses;
  for (const auto& e : exporters) {
    ++uses[e.name.empty() ? std::string(e.type()) : e.name];
  }
  for (std::size_t i = 0; i < exporters.size(); ++i) {
    const auto& e = exporters[i];
    if (!e.name.empty()) {
      names.push_back(e.name);
    } else if (uses[std::string(e.type())] > 1) {
      names.push_back(fmt::format("{}_{}", e.type(), i));
    } else {
      names.emplace_back(e.type());
    }
  }
  return names;
}

ConfigProblems validateExporters(const std::vector<ExporterConfig>& exporters) {
  ConfigProblems problems;
  for (std::size_t i = 0; i < exporters.size(); ++i) {
    addPrefixed(problems, fmt::format("[{}].", i), validateExporter(exporters[i]));
  }
  ExportConfig section{exporters};
  for (auto& problem : section.validate()) {
    problem.path.erase(0, std::string_view("exporters").size());  // "[2].name"
    problems.push_back(std::move(problem));
  }
  return problems;
}

std::string_view fullPolicyName(FullPolicy policy) noexcept {
  return toName(policy, kFullPolicies);
}
std::optional<FullPolicy> fullPolicyFromName(std::string_view name) noexcept {
  return fromName(name, kFullPolicies);
}
std::string_view ndjsonModeName(NdjsonMode mode) noexcept {
  return toName(mode, kNdjsonModes);
}
std::optional<NdjsonMode> ndjsonModeFromName(std::string_view name) noexcept {
  return fromName(name, kNdjsonModes);
}
std::string_view fsyncPolicyName(FsyncPolicy policy) noexcept {
  return toName(policy, kFsyncPolicies);
}
std::optional<FsyncPolicy> fsyncPolicyFromName(std::string_view name) noexcept {
  return fromName(name, kFsyncPolicies);
}
std::string_view compressionName(Compression compression) noexcept {
  return toName(compression, kCompressions);
}
std::optional<Compression> compressionFromName(std::string_view name) noexcept {
  return fromName(name, kCompressions);
}
std::string_view logEventModeName(LogEventMode mode) noexcept {
  return toName(mode, kLogEventModes);
}
std::optional<LogEventMode> logEventModeFromName(std::string_view name) noexcept {
  return fromName(name, kLogEventModes);
}

}  // namespace stitch::exporting
