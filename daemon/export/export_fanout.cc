#include "daemon/export/export_fanout.h"

#include <stdexcept>

#include <fmt/format.h>

#include "daemon/export/file_exporter.h"
#include "daemon/export/otlp_http_exporter.h"

namespace stitch::daemon {

void ExporterRegistry::add(std::string type, Factory factory) {
  if (factories_.count(type) != 0) {
    throw std::logic_error("exporter type registered twice: " + type);
  }
  factories_.emplace(std::move(type), std::move(factory));
}

bool ExporterRegistry::contains(std::string_view type) const {
  return factories_.find(type) != factories_.end();
}

std::vector<std::string> ExporterRegistry::types() const {
  std::vector<std::string> out;
  for (const auto& [type, factory] : factories_) {
    out.push_back(type);
  }
  return out;
}

std::unique_ptr<ExporterBackend> ExporterRegistry::create(const exporting::ExporterConfig& config,
                                                          const ExporterContext& context) const {
  const auto it = factories_.find(config.type());
  if (it == factories_.end()) {
    throw std::runtime_error(fmt::format("no exporter of type \"{}\"", config.type()));
  }
  return it->second(config, context);
}

void registerBuiltinExporters(ExporterRegistry& registry) {
  registry.add("file", [](const exporting::ExporterConfig& config, const ExporterContext& context) {
    return std::make_unique<FileExporter>(std::get<exporting::FileExporterConfig>(config.settings),
                                          context.clock);
  });
  registry.add("stdout",
               [](const exporting::ExporterConfig& config, const ExporterContext& context) {
                 return std::make_unique<FileExporter>(
                     std::get<exporting::StdoutExporterConfig>(config.settings), context.clock);
               });
  registry.add("otlp_http",
               [](const exporting::ExporterConfig& config, const ExporterContext& context) {
                 return std::make_unique<OtlpHttpExporter>(
                     std::get<exporting::OtlpHttpExporterConfig>(config.settings), context.clock);
               });
}

ExportFanout::ExportFanout(const std::vector<exporting::ExporterConfig>& configs,
                           const ExporterRegistry& registry,
                           const ExporterContext& context) {
  const std::vector<std::string> names = exporting::exporterNames(configs);
  for (std::size_t i = 0; i < configs.size(); ++i) {
    std::unique_ptr<ExporterBackend> backend;
    try {
      backend = registry.create(configs[i], context);
    } catch (const std::exception& e) {
      throw std::runtime_error(fmt::format("exporters[{}] ({}): {}", i, names[i], e.what()));
    }
    ExporterContext own = context;
    if (own.seed != 0) {
      own.seed += i;  // distinct jitter per exporter, still reproducible
    }
    exporters_.push_back(
        std::make_unique<Exporter>(names[i], configs[i].common, std::move(backend), own));
  }
}

ExportFanout::~ExportFanout() {
  stop(std::chrono::steady_clock::now());
}

void ExportFanout::start() {
  for (auto& exporter : exporters_) {
    exporter->start();
  }
}

std::size_t ExportFanout::push(const exporting::ExportItem& item) {
  std::size_t accepted = 0;
  for (auto& exporter : exporters_) {
    if (exporter->push(item) == PushResult::kQueued) {
      ++accepted;
    }
  }
  return accepted;
}

void ExportFanout::requestReopen() {
  for (auto& exporter : exporters_) {
    exporter->requestReopen();
  }
}

std::vector<std::pair<std::string, StopReport>> ExportFanout::stop(SteadyTime deadline) {
  for (auto& exporter : exporters_) {
    exporter->requestStop(deadline);
  }
  std::vector<std::pair<std::string, StopReport>> reports;
  for (auto& exporter : exporters_) {
    reports.emplace_back(exporter->name(), exporter->join());
  }
  return reports;
}

}  // namespace stitch::daemon
