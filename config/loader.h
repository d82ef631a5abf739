#pragma once

// The generic pipeline from YAML text to a typed struct; config.h applies it to StitchConfig.
//   parse (positions kept) -> --set overrides -> ${VAR} substitution -> typed mapping and
//   validate() -> every problem at once, or the struct.

#include <string>
#include <string_view>
#include <vector>

#include "config/config_error.h"
#include "config/node.h"
#include "config/problems.h"
#include "config/schema.h"
#include "config/substitution.h"
#include "config/yaml_writer.h"

namespace stitch::config {

struct LoadOptions {
  // "key.path=value", applied in order on top of the file (see overrides.h).
  std::vector<std::string> overrides;
  EnvironmentLookup environment = processEnvironment;
};

// Parses `text` and applies the overrides and the substitution; problems go to `problems`.
Node prepareDocument(std::string_view text, const LoadOptions& options, Problems& problems);

// Where problems about keys missing at the top level are reported.
Mark rootAnchor(const Node& root);

// The whole text of a config file. Throws ConfigError ("path: cannot read the file: reason")
// when it does not exist, is a directory or cannot be read.
std::string readConfigFile(const std::string& path);

// Reads YAML `text` into a T described by describe(Schema<T>&). `source` names the text in
// problems (the file name). Throws ConfigError listing every problem.
template <class T>
T loadYamlAs(std::string_view text, const std::string& source, const LoadOptions& options = {}) {
  Problems problems(source);
  const Node root = prepareDocument(text, options, problems);
  T result{};
  Decoder decoder(problems, rootAnchor(root));
  schemaOf<T>().decode(&root, result, decoder);
  if (!problems.empty()) {
    throw ConfigError(problems.render());
  }
  return result;
}

// `value` as YAML that loadYamlAs<T> reads back to an equal value. With `comments`, every key
// carries its description, and empty lists of mappings a commented example (the default
// config file is this, applied to T{}).
template <class T>
std::string toYaml(const T& value, bool comments) {
  YamlWriter writer(comments);
  schemaOf<T>().writeFields(value, writer);
  return writer.text();
}

}  // namespace stitch::config
