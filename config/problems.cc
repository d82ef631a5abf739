#include "config/problems.h"

#include <algorithm>
#include <set>

#include "config/text.h"

namespace stitch::config {

void Problems::add(const Mark& at, std::string path, std::string message) {
  problems_.push_back({at, std::move(path), std::move(message), false});
}

void Problems::addValidation(const Mark& at, std::string path, std::string message) {
  problems_.push_back({at, std::move(path), std::move(message), true});
}

bool Problems::hasProblemAtOrBelow(const std::string& path) const {
  return std::any_of(problems_.begin(), problems_.end(),
                     [&](const Problem& p) { return isAtOrBelow(p.path, path); });
}

bool isAtOrBelow(const std::string& path, const std::string& ancestor) {
  if (ancestor.empty()) {
    return true;
  }
  if (path.size() < ancestor.size() || path.compare(0, ancestor.size(), ancestor) != 0) {
    return false;
  }
  return path.size() == ancestor.size() || path[ancestor.size()] == '.' ||
         path[ancestor.size()] == '[';
}

std::vector<std::string> Problems::render() const {
  std::vector<const Problem*> kept;
  for (const auto& p : problems_) {
    if (p.from_validation) {
      const bool shadowed = std::any_of(problems_.begin(), problems_.end(), [&](const Problem& q) {
        return !q.from_validation && isAtOrBelow(p.path, q.path);
      });
      if (shadowed) {
        continue;
      }
    }
    kept.push_back(&p);
  }
  const auto rank = [](const Mark& m) {
    return m.from_command_line ? 2 : (m.hasPosition() ? 1 : 0);
  };
  std::stable_sort(kept.begin(), kept.end(), [&](const Problem* a, const Problem* b) {
    const int ra = rank(a->mark);
    const int rb = rank(b->mark);
    if (ra != rb) {
      return ra < rb;
    }
    if (a->mark.line != b->mark.line) {
      return a->mark.line < b->mark.line;
    }
    return a->mark.column < b->mark.column;
  });

  std::vector<std::string> lines;
  std::set<std::string> seen;
  for (const Problem* p : kept) {
    std::string line;
    if (p->mark.from_command_line) {
      line = "<--set>";
    } else if (p->mark.hasPosition()) {
      line = cat(source_, ":", std::to_string(p->mark.line), ":", std::to_string(p->mark.column));
    } else {
      line = source_;
    }
    line += ": ";
    if (!p->path.empty()) {
      line += p->path;
      line += ": ";
    }
    line += p->message;
    if (seen.insert(line).second) {
      lines.push_back(std::move(line));
    }
  }
  return lines;
}

}  // namespace stitch::config
