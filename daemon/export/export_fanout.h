#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/export/export_item.h"
#include "core/export/exporter_config.h"
#include "daemon/export/exporter.h"

namespace stitch::daemon {

// Maps exporter type names ("file", "stdout", "otlp_http") to factories of their backends.
// Filled explicitly at start-up (registerBuiltinExporters), never by static initialisers.
// Threading: filled and read on the main thread.
class ExporterRegistry {
public:
  using Factory = std::function<std::unique_ptr<ExporterBackend>(const exporting::ExporterConfig&,
                                                                 const ExporterContext&)>;

  // Throws std::logic_error when `type` is already registered.
  void add(std::string type, Factory factory);
  bool contains(std::string_view type) const;
  std::vector<std::string> types() const;
  // Throws std::runtime_error for an unregistered type, and whatever the factory throws when
  // the exporter cannot be set up (a file that cannot be opened): start-up errors.
  std::unique_ptr<ExporterBackend> create(const exporting::ExporterConfig& config,
                                          const ExporterContext& context) const;

private:
  std::map<std::string, Factory, std::less<>> factories_;
};

// Registers file, stdout and otlp_http.
void registerBuiltinExporters(ExporterRegistry& registry);

// Owns the configured exporters and gives each of them every item: a kept trace, a batch of
// late records or a batch of untraced logs reaches every exporter, each with its own queue,
// batching and retries, so a slow or failing destination does not hold the others back
// (unless its full policy is block: then push() waits for it, and that backpressure is the
// point of the policy).
//
// Wiring: construct from the config and a registry, start(), push() from the pipeline threads,
// requestReopen() on SIGHUP, stop(deadline) on shutdown.
// Threading: push() from any thread; the rest from the main thread.
class ExportFanout {
public:
  // Builds one exporter per entry, named by exporting::exporterNames. Throws (see
  // ExporterRegistry::create) when one cannot be set up; then none is started.
  ExportFanout(const std::vector<exporting::ExporterConfig>& configs,
               const ExporterRegistry& registry,
               const ExporterContext& context);
  // Stops without draining if stop() was not called.
  ~ExportFanout();
  ExportFanout(const ExportFanout&) = delete;
  ExportFanout& operator=(const ExportFanout&) = delete;

  void start();
  // Pushes to every exporter in order. Returns how many exporters accepted the item.
  std::size_t push(const exporting::ExportItem& item);
  void requestReopen();
  // Stops every exporter at once, letting each drain its queue until `deadline`, and waits
  // for them. Returns what each could not deliver. Safe to call twice and without start().
  std::vector<std::pair<std::string, StopReport>> stop(SteadyTime deadline);

  std::size_t size() const noexcept { return exporters_.size(); }
  Exporter& exporter(std::size_t index) { return *exporters_.at(index); }

private:
  std::vector<std::unique_ptr<Exporter>> exporters_;
};

}  // namespace stitch::daemon
