#include "daemon/cli/trace_command.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <memory>
#include <unistd.h>

#include <simdjson.h>

#include "core/query/terminal_tree.h"
#include "core/query/trace_view.h"
#include "daemon/cli/cli_output.h"
#include "daemon/cli/command.h"
#include "daemon/cli/http_client.h"

namespace stitch::daemon {
namespace {

constexpr std::chrono::seconds kTimeout{10};

struct TraceOptions {
  std::string id;
  std::string server{cli::kDefaultApiServer};
  bool json = false;
  bool logs = false;
  bool no_color = false;
};

void printNotFound(const std::string& id, const std::string& body) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  std::string_view reason = "unknown";
  std::string_view message;
  if (parser.parse(body).get(doc) == simdjson::SUCCESS) {
    if (doc["reason"].get_string().get(reason) != simdjson::SUCCESS) {
      reason = "unknown";
    }
    if (doc["message"].get_string().get(message) != simdjson::SUCCESS) {
      message = {};
    }
  }
  std::fprintf(stderr, "stitch trace: trace %s not found (%.*s)%s%.*s\n", id.c_str(),
               static_cast<int>(reason.size()), reason.data(), message.empty() ? "" : ": ",
               static_cast<int>(message.size()), message.data());
}

int runTrace(TraceOptions& options) {
  std::string id = options.id;
  std::transform(id.begin(), id.end(), id.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  const auto parsed = tracecontext::TraceId::fromHex(id);
  if (!parsed) {
    std::fprintf(stderr, "stitch trace: '%s' is not a trace id: expected 32 hex digits\n",
                 options.id.c_str());
    return kExitUsage;
  }
  if (!parsed->isValid()) {
    std::fprintf(stderr, "stitch trace: the all-zero trace id is invalid\n");
    return kExitUsage;
  }
  auto server = cli::ServerUrl::parse(options.server);
  if (!server) {
    std::fprintf(stderr, "stitch trace: --server: %s\n", server.error().c_str());
    return kExitUsage;
  }
  auto result = cli::httpGet(*server, "/api/v1/traces/" + id, kTimeout);
  if (!result) {
    std::fprintf(stderr, "stitch trace: %s\n", result.error().c_str());
    return kExitFailure;
  }
  if (result->status == 404) {
    if (options.json) {
      std::fwrite(result->body.data(), 1, result->body.size(), stdout);
      std::fputc('\n', stdout);
    }
    printNotFound(id, result->body);
    return kExitFailure;
  }
  if (result->status != 200) {
    return cli::reportHttpError("trace", *server, *result);
  }
  if (options.json) {
    std::fwrite(result->body.data(), 1, result->body.size(), stdout);
    std::fputc('\n', stdout);
    return kExitOk;
  }
  auto view = query::parseTraceJson(result->body);
  if (!view) {
    std::fprintf(stderr, "stitch trace: the answer of %s is not a trace: %s\n",
                 server->text().c_str(), view.error().c_str());
    return kExitFailure;
  }
  const query::TreeStyle style{.color = cli::useColor(STDOUT_FILENO, options.no_color),
                               .logs = options.logs};
  const std::string tree = query::renderTerminalTree(*view, style);
  std::fwrite(tree.data(), 1, tree.size(), stdout);
  return kExitOk;
}

}  // namespace

void registerTraceCommand(CLI::App& app) {
  auto options = std::make_shared<TraceOptions>();
  CLI::App* command = app.add_subcommand(
      "trace", "Show one trace as a tree: its spans, durations, share of parent and errors");
  command->add_option("trace_id", options->id, "The trace id: 32 hex digits")->required();
  command->add_option("--server", options->server, "stitchd's HTTP API (env STITCH_SERVER)")
      ->envname("STITCH_SERVER")
      ->capture_default_str();
  command->add_flag("--json", options->json, "Print the API's JSON instead of the tree");
  command->add_flag("--logs", options->logs, "Show each span's log events under it");
  command->add_flag("--no-color", options->no_color,
                    "Never colour (colour is used only on a terminal, and never with NO_COLOR)");
  command->callback([options] {
    const int code = runTrace(*options);
    if (code != kExitOk) {
      throw CLI::RuntimeError(code);
    }
  });
}

}  // namespace stitch::daemon
