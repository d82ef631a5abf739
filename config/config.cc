#include "config/config.h"

#include "config/loader.h"
#include "config/sections/sections.h"

namespace stitch::config {

StitchConfig loadConfigFile(const std::string& path, const std::vector<std::string>& overrides) {
  return loadConfigString(readConfigFile(path), path, overrides);
}

StitchConfig loadConfigString(std::string_view text,
                              const std::string& name,
                              const std::vector<std::string>& overrides) {
  LoadOptions options;
  options.overrides = overrides;
  return loadYamlAs<StitchConfig>(text, name, options);
}

std::string defaultConfigYaml() {
  return toYaml(StitchConfig{}, /*comments=*/true);
}

std::string configToYaml(const StitchConfig& config) {
  return toYaml(config, /*comments=*/false);
}

}  // namespace stitch::config
