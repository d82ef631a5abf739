#include "daemon/cli/cli_output.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <unistd.h>

#include <simdjson.h>

#include "daemon/cli/command.h"

namespace stitch::daemon::cli {

bool useColor(int fd, bool no_color_flag) {
  if (no_color_flag || ::isatty(fd) == 0) {
    return false;
  }
  if (const char* no_color = std::getenv("NO_COLOR"); no_color != nullptr && *no_color != '\0') {
    return false;
  }
  const char* term = std::getenv("TERM");
  return term == nullptr || std::strcmp(term, "dumb") != 0;
}

std::string apiErrorText(std::string_view body) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (parser.parse(body.data(), body.size(), true).get(doc) != simdjson::SUCCESS) {
    return std::string(body.substr(0, 200));
  }
  std::string_view error;
  if (doc["error"].get_string().get(error) != simdjson::SUCCESS) {
    // Jaeger's envelope.
    if (doc["errors"].at(0)["msg"].get_string().get(error) != simdjson::SUCCESS) {
      return std::string(body.substr(0, 200));
    }
  }
  std::string text(error);
  std::string_view message;
  if (doc["message"].get_string().get(message) == simdjson::SUCCESS) {
    text += ": ";
    text += message;
  }
  return text;
}

int reportHttpError(std::string_view command, const ServerUrl& server, const HttpResult& result) {
  std::fprintf(stderr, "stitch %.*s: %s answered %u: %s\n", static_cast<int>(command.size()),
               command.data(), server.text().c_str(), result.status,
               apiErrorText(result.body).c_str());
  return result.status == 400 ? kExitUsage : kExitFailure;
}

}  // namespace stitch::daemon::cli
