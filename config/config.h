#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "config/config_error.h"
#include "core/assembly/assembly_config.h"
#include "core/decode/decode_config.h"
#include "core/export/exporter_config.h"
#include "core/ingest/api_config.h"
#include "core/ingest/ingest_config.h"
#include "core/pipeline/pipeline_config.h"
#include "core/runtime/runtime_config.h"
#include "core/sampling/sampling_config.h"
#include "core/store/store_config.h"

namespace stitch::config {

// The whole daemon configuration. Every section is a struct declared by the component that
// uses it (in core/); this struct only gathers them, and config/sections/<name>.cc maps each
// onto its YAML keys (see config/README.md to add one).
struct StitchConfig {
  runtime::RuntimeConfig runtime;     // `log:` and `shutdown_timeout`, at the top level
  ingest::IngestConfig ingest;        // `ingest:` listeners and limits
  ingest::ApiConfig api;              // `api:` the HTTP server
  decode::DecodeConfig decode;        // `decode:`
  pipeline::PipelineConfig pipeline;  // `pipeline:` shard threads and their queues
  assembly::AssemblyConfig assembly;  // `assembly:`
  sampling::SamplingConfig sampling;  // `sampling:`
  exporting::ExportConfig exporting;  // `exporters:`
  store::StoreConfig store;           // `store:`, the embedded trace store
  store::QueryConfig query;           // `query:`, limits of the query API

  friend bool operator==(const StitchConfig&, const StitchConfig&) = default;
};

// Reads and validates a YAML config file, with `overrides` ("key.path=value", as given to
// `stitchd --set`) applied on top and ${VAR} substituted from the environment. Throws
// ConfigError listing every problem.
StitchConfig loadConfigFile(const std::string& path,
                            const std::vector<std::string>& overrides = {});

// The same for YAML text; `name` stands for the file in problems.
StitchConfig loadConfigString(std::string_view text,
                              const std::string& name,
                              const std::vector<std::string>& overrides = {});

// The generated part of config/stitch.yaml: every key with its default value and description.
// It loads back to StitchConfig{}.
std::string defaultConfigYaml();

// `config` as YAML without comments (what stitchd runs with, after overrides and variables).
std::string configToYaml(const StitchConfig& config);

}  // namespace stitch::config
