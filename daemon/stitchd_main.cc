// stitchd: the stitch daemon. Parses the command line, loads the config, runs the Daemon and
// turns signals into stop and reload. Everything else lives in daemon/app/daemon.h.
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <unistd.h>
#include <vector>

#include <CLI/CLI.hpp>
#include <spdlog/spdlog.h>

#include "config/config.h"
#include "daemon/app/daemon.h"
#include "daemon/app/ready_file.h"
#include "daemon/ingest/ingest_pool.h"
#include "daemon/logging.h"
#include "daemon/signals.h"
#include "daemon/version.h"

namespace {

// Exit codes, also listed by --help and in README.md.
constexpr int kExitOk = 0;          // stopped cleanly: everything received was handed on
constexpr int kExitConfig = 1;      // the config (or a --set override) is invalid
constexpr int kExitUsage = 2;       // bad command line
constexpr int kExitStart = 3;       // could not bind a listener, open an exporter/store or start
constexpr int kExitNotDrained = 4;  // did not drain within shutdown_timeout: records lost

constexpr const char* kExitCodesHelp =
    "Exit codes:\n"
    "  0  stopped cleanly (SIGTERM/SIGINT): everything received was decided and handed on\n"
    "  1  the config is invalid (every problem is printed, one per line)\n"
    "  2  usage error (bad command line)\n"
    "  3  could not bind a listener, open an exporter's file, the store, or start\n"
    "  4  did not drain within shutdown_timeout: records were lost (the log says how many)\n"
    "Signals: SIGTERM/SIGINT stop (drain, flush, exit); SIGHUP reloads the config (a bad config\n"
    "is reported and the running one kept) and reopens the file exporters' files.";

void printProblems(const stitch::config::ConfigError& e) {
  for (const auto& p : e.problems()) {
    std::fprintf(stderr, "%s\n", p.c_str());
  }
}

}  // namespace

int main(int argc, char** argv) {
  stitch::daemon::blockTerminationSignals();

  CLI::App app{"stitchd: trace-aware log collector"};
  app.footer(kExitCodesHelp);
  app.set_version_flag("--version", "stitchd " + std::string(stitch::daemon::kVersion));
  std::string config_path = "config/stitch.yaml";
  std::string check_path;
  std::string ready_file;
  std::vector<std::string> overrides;
  bool print_default_config = false;
  app.add_option("-c,--config", config_path, "YAML config file")->capture_default_str();
  app.add_option("--check-config", check_path, "Validate FILE, print every problem, exit 0 or 1");
  app.add_option("--set", overrides,
                 "KEY.PATH=VALUE on top of the config file (repeatable), e.g. "
                 "--set log.level=debug --set ingest.tcp.listen=0.0.0.0:7410")
      ->allow_extra_args(false);
  app.add_flag("--print-default-config", print_default_config,
               "Print the default configuration, every key with its description, and exit");
  app.add_option("--ready-file", ready_file,
                 "Once every listener is bound, write a JSON object with the pid and the bound "
                 "addresses to PATH (atomically)")
      ->type_name("PATH");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? kExitOk : kExitUsage;
  }

  if (print_default_config) {
    std::printf("# stitchd default configuration (stitchd --print-default-config).\n\n%s",
                stitch::config::defaultConfigYaml().c_str());
    return kExitOk;
  }

  if (!check_path.empty()) {
    try {
      stitch::config::loadConfigFile(check_path, overrides);
      std::printf("%s: ok\n", check_path.c_str());
      return kExitOk;
    } catch (const stitch::config::ConfigError& e) {
      printProblems(e);
      return kExitConfig;
    }
  }

  stitch::config::StitchConfig config;
  try {
    config = stitch::config::loadConfigFile(config_path, overrides);
  } catch (const stitch::config::ConfigError& e) {
    printProblems(e);
    return kExitConfig;
  }
  stitch::daemon::configureLogging(config.runtime.log);

  stitch::daemon::Daemon daemon(config);
  try {
    daemon.start();
  } catch (const std::exception& e) {
    spdlog::critical("cannot start: {}", e.what());
    return kExitStart;
  }
  if (!ready_file.empty()) {
    const std::string error = stitch::daemon::writeFileAtomically(ready_file, daemon.readyJson());
    if (!error.empty()) {
      spdlog::critical("cannot write the ready file: {}", error);
      daemon.stop();
      return kExitStart;
    }
  }
  spdlog::info("stitchd started (version {}, pid {}, config {})", stitch::daemon::kVersion,
               ::getpid(), config_path);

  for (;;) {
    int sig = 0;
    if (stitch::daemon::waitForSignal(&sig) == stitch::daemon::SignalAction::kReload) {
      spdlog::info("SIGHUP: reloading {}", config_path);
      try {
        const auto next = stitch::config::loadConfigFile(config_path, overrides);
        for (const auto& key : daemon.reload(next)) {
          spdlog::warn("reload: {} changed; it takes effect after a restart", key);
        }
        spdlog::info("reload: done");
      } catch (const stitch::config::ConfigError& e) {
        for (const auto& p : e.problems()) {
          spdlog::error("reload: {}", p);
        }
        spdlog::error("reload: the new config has {} problem(s); keeping the running config",
                      e.problems().size());
      }
      continue;
    }
    spdlog::info("stitchd stopping on signal {}: draining (shutdown_timeout {} ms)", sig,
                 config.runtime.shutdown_timeout.count());
    // A component can be stuck for good (an exporter writing to a FIFO nobody reads): stop
    // must not outlive shutdown_timeout by more than a moment, whatever hangs.
    std::thread([timeout = config.runtime.shutdown_timeout, &daemon, &ready_file] {
      std::this_thread::sleep_for(timeout + std::chrono::seconds(2));
      spdlog::error(
          "stop did not finish within shutdown_timeout: {} record(s) lost (still "
          "queued or held)",
          daemon.recordsInFlight());
      spdlog::default_logger()->flush();
      if (!ready_file.empty()) {
        ::unlink(ready_file.c_str());
      }
      std::_Exit(kExitNotDrained);
    }).detach();
    const auto result = daemon.stop();
    if (!ready_file.empty()) {
      ::unlink(ready_file.c_str());
    }
    if (!result.drained) {
      spdlog::error("stopped without draining: {} record(s) lost", result.lost);
      spdlog::default_logger()->flush();
      // Threads may be stuck in a write that never returns (a FIFO nobody reads): do not wait
      // for them in destructors.
      std::_Exit(kExitNotDrained);
    }
    spdlog::info("stopped: everything received was handed on, nothing lost");
    return kExitOk;
  }
}
