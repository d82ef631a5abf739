#include "core/metrics/metrics.h"

#include <cmath>
#include <stdexcept>

#include <fmt/format.h>

namespace stitch::metrics {

std::string escapeLabelValue(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    switch (c) {
      case '\\':
        out += "\\\\";
        break;
      case '"':
        out += "\\\"";
        break;
      case '\n':
        out += "\\n";
        break;
      default:
        out += c;
    }
  }
  return out;
}

Registry::Family& Registry::family(std::string_view name, std::string_view help, Kind kind) {
  auto it = families_.find(name);
  if (it == families_.end()) {
    it = families_.emplace(std::string(name), Family{kind, std::string(help), {}}).first;
  } else if (it->second.kind != kind) {
    throw std::logic_error(fmt::format("metric {} registered with two kinds", name));
  }
  return it->second;
}

Registry::Series* Registry::find(Family& family, const Labels& labels) {
  for (auto& s : family.series) {
    if (s.labels == labels) {
      return &s;
    }
  }
  return nullptr;
}

Counter& Registry::counter(std::string_view name, std::string_view help, const Labels& labels) {
  std::lock_guard lock(mutex_);
  Family& f = family(name, help, Kind::kCounter);
  if (Series* s = find(f, labels); s != nullptr && s->counter) {
    return *s->counter;
  }
  f.series.push_back(Series{labels, std::make_unique<Counter>(), nullptr, {}, nullptr});
  return *f.series.back().counter;
}

Gauge& Registry::gauge(std::string_view name, std::string_view help, const Labels& labels) {
  std::lock_guard lock(mutex_);
  Family& f = family(name, help, Kind::kGauge);
  if (Series* s = find(f, labels); s != nullptr && s->gauge) {
    return *s->gauge;
  }
  f.series.push_back(Series{labels, nullptr, std::make_unique<Gauge>(), {}, nullptr});
  return *f.series.back().gauge;
}

void Registry::gaugeCallback(std::string_view name,
                             std::string_view help,
                             const Labels& labels,
                             std::function<double()> read,
                             const void* owner) {
  addCallback(Kind::kGauge, name, help, labels, std::move(read), owner);
}

void Registry::counterCallback(std::string_view name,
                               std::string_view help,
                               const Labels& labels,
                               std::function<double()> read,
                               const void* owner) {
  addCallback(Kind::kCounter, name, help, labels, std::move(read), owner);
}

void Registry::addCallback(Kind kind,
                           std::string_view name,
                           std::string_view help,
                           const Labels& labels,
                           std::function<double()> read,
                           const void* owner) {
  std::lock_guard lock(mutex_);
  Family& f = family(name, help, kind);
  if (Series* s = find(f, labels); s != nullptr) {
    s->read = std::move(read);
    s->owner = owner;
    return;
  }
  f.series.push_back(Series{labels, nullptr, nullptr, std::move(read), owner});
}

void Registry::removeCallbacks(const void* owner) {
  std::lock_guard lock(mutex_);
  for (auto& [name, f] : families_) {
    std::erase_if(f.series, [owner](const Series& s) { return s.read && s.owner == owner; });
  }
}

double Registry::valueOf(std::string_view name, const Labels& labels) const {
  std::lock_guard lock(mutex_);
  auto it = families_.find(name);
  if (it == families_.end()) {
    return 0;
  }
  for (const auto& s : it->second.series) {
    if (s.labels != labels) {
      continue;
    }
    if (s.counter) {
      return static_cast<double>(s.counter->value());
    }
    if (s.gauge) {
      return static_cast<double>(s.gauge->value());
    }
    if (s.read) {
      return s.read();
    }
  }
  return 0;
}

double Registry::sumOf(std::string_view name) const {
  std::lock_guard lock(mutex_);
  auto it = families_.find(name);
  if (it == families_.end()) {
    return 0;
  }
  double total = 0;
  for (const auto& s : it->second.series) {
    if (s.counter) {
      total += static_cast<double>(s.counter->value());
    } else if (s.gauge) {
      total += static_cast<double>(s.gauge->value());
    } else if (s.read) {
      total += s.read();
    }
  }
  return total;
}

std::string Registry::renderPrometheus() const {
  std::lock_guard lock(mutex_);
  std::string out;
  out.reserve(families_.size() * 160);
  for (const auto& [name, f] : families_) {
    if (f.series.empty()) {
      continue;
    }
    fmt::format_to(std::back_inserter(out), "# HELP {} {}\n# TYPE {} {}\n", name, f.help, name,
                   f.kind == Kind::kCounter ? "counter" : "gauge");
    for (const auto& s : f.series) {
      out += name;
      if (!s.labels.empty()) {
        out += '{';
        for (std::size_t i = 0; i < s.labels.size(); ++i) {
          if (i != 0) {
            out += ',';
          }
          fmt::format_to(std::back_inserter(out), "{}=\"{}\"", s.labels[i].first,
                         escapeLabelValue(s.labels[i].second));
        }
        out += '}';
      }
      out += ' ';
      if (s.counter) {
        fmt::format_to(std::back_inserter(out), "{}", s.counter->value());
      } else if (s.gauge) {
        fmt::format_to(std::back_inserter(out), "{}", s.gauge->value());
      } else {
        const double v = s.read();
        if (std::isfinite(v) && v == std::floor(v) && std::fabs(v) < 9.0e15) {
          fmt::format_to(std::back_inserter(out), "{}", static_cast<std::int64_t>(v));
        } else {
          fmt::format_to(std::back_inserter(out), "{}", v);
        }
      }
      out += '\n';
    }
  }
  return out;
}

}  // namespace stitch::metrics
