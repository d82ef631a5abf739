// Fuzzes the config loader on arbitrary bytes, for stitch.yaml's StitchConfig and for the
// recursive test pipeline (tagged unions, lists, maps, sizes, durations). Properties:
// - loading never crashes and throws nothing but ConfigError, whose problems are non-empty;
// - a config that loads, written back with toYaml (with and without comments), loads equal.
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>

#include "config/config.h"
#include "config/loader.h"
#include "config/sections/sections.h"
#include "tests/unit/config/test_schemas.h"

namespace {

std::optional<std::string> fixedEnvironment(const std::string& name) {
  if (name == "A") {
    return "1s";
  }
  if (name == "EMPTY") {
    return "";
  }
  return std::nullopt;
}

template <class T>
void roundTrip(std::string_view text) {
  stitch::config::LoadOptions options;
  options.environment = fixedEnvironment;
  T loaded;
  try {
    loaded = stitch::config::loadYamlAs<T>(text, "fuzz.yaml", options);
  } catch (const stitch::config::ConfigError& e) {
    if (e.problems().empty()) {
      std::abort();  // a failed load must say why
    }
    return;
  }
  for (const bool comments : {false, true}) {
    const std::string yaml = stitch::config::toYaml(loaded, comments);
    try {
      if (!(stitch::config::loadYamlAs<T>(yaml, "again.yaml", options) == loaded)) {
        std::abort();
      }
    } catch (const stitch::config::ConfigError&) {
      std::abort();  // what we wrote must read back
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  roundTrip<stitch::config::StitchConfig>(text);
  roundTrip<schema_test::PipelineConfig>(text);
  roundTrip<schema_test::Everything>(text);
  return 0;
}
