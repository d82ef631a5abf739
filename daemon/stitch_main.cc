// stitch: the command-line tool (headers, traces, search, send).
// Each command lives in daemon/cli/<name>_command.{h,cc} and registers itself below; see
// daemon/cli/command.h for how a command reports its exit status.
#include <CLI/CLI.hpp>

#include "daemon/cli/command.h"
#include "daemon/cli/search_command.h"
#include "daemon/cli/send_command.h"
#include "daemon/cli/trace_command.h"
#include "daemon/cli/tracecontext_command.h"
#include "daemon/version.h"

int main(int argc, char** argv) {
  CLI::App app{"stitch: look at traces and trace context"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "stitch " + std::string(stitch::daemon::kVersion));

  stitch::daemon::registerTracecontextCommand(app);
  stitch::daemon::registerTraceCommand(app);
  stitch::daemon::registerSearchCommand(app);
  stitch::daemon::registerSendCommand(app);

  try {
    app.parse(argc, argv);
  } catch (const CLI::RuntimeError& e) {
    return e.get_exit_code();  // a command's own non-zero result
  } catch (const CLI::ParseError& e) {
    // --help exits 0; every other parse error is a usage error.
    return app.exit(e) == 0 ? stitch::daemon::kExitOk : stitch::daemon::kExitUsage;
  }
  return stitch::daemon::kExitOk;
}
