// stitchd: the stitch daemon. Until the ingest pipeline lands it loads its config, logs that it
// started and waits for SIGTERM/SIGINT (SIGHUP reloads the config).
#include <cstdio>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <spdlog/spdlog.h>

#include "config/config.h"
#include "daemon/logging.h"
#include "daemon/signals.h"

namespace {

constexpr int kExitOk = 0;
constexpr int kExitConfig = 1;
constexpr int kExitUsage = 2;

void printProblems(const stitch::config::ConfigError& e) {
  for (const auto& p : e.problems()) {
    std::fprintf(stderr, "%s\n", p.c_str());
  }
}

}  // namespace

int main(int argc, char** argv) {
  stitch::daemon::blockTerminationSignals();

  CLI::App app{"stitchd: trace-aware log collector"};
  std::string config_path = "config/stitch.yaml";
  std::string check_path;
  std::vector<std::string> overrides;
  bool print_default_config = false;
  app.add_option("-c,--config", config_path, "YAML config file")->capture_default_str();
  app.add_option("--check-config", check_path, "Validate FILE, print every problem, exit 0 or 1");
  app.add_option("--set", overrides,
                 "KEY.PATH=VALUE on top of the config file (repeatable), e.g. "
                 "--set log.level=debug --set exporters[0].endpoint=http://host:4318")
      ->allow_extra_args(false);
  app.add_flag("--print-default-config", print_default_config,
               "Print the default configuration, every key with its description, and exit");
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
  spdlog::info("stitchd started with config {}", config_path);
  for (;;) {
    int sig = 0;
    if (stitch::daemon::waitForSignal(&sig) == stitch::daemon::SignalAction::kStop) {
      spdlog::info("stitchd stopping on signal {}", sig);
      return kExitOk;
    }
    spdlog::info("SIGHUP: reloading {}", config_path);
  }
}
