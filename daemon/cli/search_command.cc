#include "daemon/cli/search_command.h"

#include <cstdio>
#include <memory>

#include <fmt/format.h>
#include <simdjson.h>

#include "core/common/clock.h"
#include "core/query/query_params.h"
#include "core/query/time_format.h"
#include "daemon/cli/cli_output.h"
#include "daemon/cli/command.h"
#include "daemon/cli/http_client.h"

namespace stitch::daemon {
namespace {

constexpr std::chrono::seconds kTimeout{30};

struct SearchOptions {
  std::string server{cli::kDefaultApiServer};
  std::string service;
  std::string operation;
  std::string min_duration;
  std::string max_duration;
  std::string policy;
  std::string since;
  std::string start;
  std::string end;
  std::uint32_t limit = 0;
  bool error = false;
  bool json = false;
};

void addParam(std::string& query, std::string_view key, std::string_view value) {
  if (value.empty()) {
    return;
  }
  query += query.empty() ? '?' : '&';
  query += key;
  query += '=';
  query += query::percentEncode(value);
}

// Pads to `width` display columns (the text is ASCII or has one-column characters).
std::string pad(std::string_view text, std::size_t width) {
  std::size_t columns = 0;
  for (const char c : text) {
    if ((static_cast<unsigned char>(c) & 0xc0) != 0x80) {
      ++columns;
    }
  }
  std::string out(text);
  if (columns < width) {
    out.append(width - columns, ' ');
  }
  return out;
}

int printTable(const std::string& body) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  simdjson::dom::array traces;
  if (parser.parse(body).get(doc) != simdjson::SUCCESS ||
      doc["traces"].get_array().get(traces) != simdjson::SUCCESS) {
    std::fprintf(stderr, "stitch search: the server's answer is not a search result\n");
    return kExitFailure;
  }
  if (traces.size() == 0) {
    std::fprintf(stderr, "stitch search: no stored trace matches\n");
    return kExitOk;
  }
  std::string out = pad("TRACE ID", 34) + pad("START (UTC)", 22) + pad("DURATION", 10) +
                    pad("SPANS", 7) + pad("ERROR", 7) + pad("POLICY", 14) + "ROOT\n";
  for (simdjson::dom::element t : traces) {
    auto text = [&](const char* key) {
      std::string_view v;
      return t[key].get_string().get(v) == simdjson::SUCCESS ? v : std::string_view();
    };
    auto number = [&](const char* key) {
      std::int64_t v = 0;
      return t[key].get_int64().get(v) == simdjson::SUCCESS ? v : 0;
    };
    const std::string_view id = text("trace_id");
    const std::string_view service = text("root_service");
    const std::string_view operation = text("root_operation");
    const std::string_view policy = text("policy");
    const std::int64_t start_ns = number("start_ns");
    const std::int64_t duration_ns = number("duration_ns");
    const std::int64_t spans = number("span_count");
    bool error = false;
    if (t["error"].get_bool().get(error) != simdjson::SUCCESS) {
      error = false;
    }
    std::string start = query::formatRfc3339(start_ns - start_ns % kNanosPerSecond);
    out += pad(id, 34) + pad(start, 22) + pad(query::formatDurationShort(duration_ns), 10) +
           pad(std::to_string(spans), 7) + pad(error ? "✗" : "", 7) + pad(policy, 14);
    out += fmt::format("{} ({})\n", service.empty() ? "?" : service,
                       operation.empty() ? "?" : operation);
  }
  std::fwrite(out.data(), 1, out.size(), stdout);
  return kExitOk;
}

int runSearch(const SearchOptions& options) {
  if (!options.since.empty() && !options.start.empty()) {
    std::fprintf(stderr, "stitch search: give --since or --start, not both\n");
    return kExitUsage;
  }
  std::string query;
  addParam(query, "service", options.service);
  addParam(query, "operation", options.operation);
  addParam(query, "min_duration", options.min_duration);
  addParam(query, "max_duration", options.max_duration);
  addParam(query, "policy", options.policy);
  if (options.error) {
    addParam(query, "error", "true");
  }
  if (!options.since.empty()) {
    const auto since = query::parseDuration(options.since, true);
    if (!since) {
      std::fprintf(stderr, "stitch search: --since: '%s' is not a duration (e.g. 15m, 1h, 2d)\n",
                   options.since.c_str());
      return kExitUsage;
    }
    addParam(query, "start", query::formatRfc3339(SystemClock().now() - *since));
  }
  addParam(query, "start", options.start);
  addParam(query, "end", options.end);
  if (options.limit > 0) {
    addParam(query, "limit", std::to_string(options.limit));
  }
  auto server = cli::ServerUrl::parse(options.server);
  if (!server) {
    std::fprintf(stderr, "stitch search: --server: %s\n", server.error().c_str());
    return kExitUsage;
  }
  auto result = cli::httpGet(*server, "/api/v1/traces" + query, kTimeout);
  if (!result) {
    std::fprintf(stderr, "stitch search: %s\n", result.error().c_str());
    return kExitFailure;
  }
  if (result->status != 200) {
    return cli::reportHttpError("search", *server, *result);
  }
  if (options.json) {
    std::fwrite(result->body.data(), 1, result->body.size(), stdout);
    std::fputc('\n', stdout);
    return kExitOk;
  }
  return printTable(result->body);
}

}  // namespace

void registerSearchCommand(CLI::App& app) {
  auto options = std::make_shared<SearchOptions>();
  CLI::App* command =
      app.add_subcommand("search", "Find stored traces by service, operation, duration, errors");
  command->add_option("--service", options->service, "A service of the trace");
  command->add_option("--operation", options->operation,
                      "A span operation (of --service when given)");
  command->add_option("--min-duration", options->min_duration, "At least this long (250ms, 1.5s)");
  command->add_option("--max-duration", options->max_duration, "At most this long");
  command->add_flag("--error", options->error, "Only traces with an error");
  command->add_option("--policy", options->policy, "Kept by this sampling policy");
  command->add_option("--since", options->since, "Started within this long (15m, 1h, 2d)");
  command->add_option("--start", options->start, "Started at or after (RFC 3339 or epoch)");
  command->add_option("--end", options->end, "Started at or before (RFC 3339 or epoch)");
  command->add_option("--limit", options->limit, "Most results (server default: 20)");
  command->add_option("--server", options->server, "stitchd's HTTP API (env STITCH_SERVER)")
      ->envname("STITCH_SERVER")
      ->capture_default_str();
  command->add_flag("--json", options->json, "Print the API's JSON instead of the table");
  command->callback([options] {
    const int code = runSearch(*options);
    if (code != kExitOk) {
      throw CLI::RuntimeError(code);
    }
  });
}

}  // namespace stitch::daemon
