// stitch: the command-line tool (headers, traces, search, send).
#include <CLI/CLI.hpp>

int main(int argc, char** argv) {
  CLI::App app{"stitch: look at traces and trace context"};
  app.require_subcommand(1);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }
  return 0;
}
