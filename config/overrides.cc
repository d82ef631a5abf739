#include "config/overrides.h"

#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "config/text.h"

namespace stitch::config {
namespace {

Node nullAt(const Mark& mark) {
  Node node;
  node.mark = mark;
  return node;
}

std::string trim(std::string_view s) {
  const auto first = s.find_first_not_of(" \t");
  if (first == std::string_view::npos) {
    return {};
  }
  const auto last = s.find_last_not_of(" \t");
  return std::string(s.substr(first, last - first + 1));
}

}  // namespace

void applyOverride(Node& root, std::string_view assignment, Problems& problems) {
  const Mark here = Mark::commandLine();
  const std::size_t equals = assignment.find('=');
  if (equals == std::string_view::npos) {
    problems.add(here, "", cat("expected key.path=value, got \"", assignment, "\""));
    return;
  }
  const std::string path_text = trim(assignment.substr(0, equals));
  std::string error;
  const auto segments = parseKeyPath(path_text, error);
  if (!segments) {
    problems.add(here, path_text, error);
    return;
  }
  std::optional<Node> parsed =
      parseYaml(assignment.substr(equals + 1), problems, /*from_command_line=*/true, path_text);
  if (!parsed) {
    return;
  }
  Node value = std::move(*parsed);
  value.mark = here;

  // Walk a copy so that a failure half-way leaves the tree as the file made it.
  Node updated = root;
  Node* current = &updated;
  std::string walked;
  for (const PathSegment& segment : *segments) {
    if (const auto* key = std::get_if<std::string>(&segment)) {
      if (current->isNull()) {
        current->kind = Node::Kind::kMapping;
      }
      if (!current->isMapping()) {
        problems.add(here, path_text,
                     cat("cannot set a key inside \"", walked, "\": it holds ",
                         describeValue(*current), ", not a mapping"));
        return;
      }
      Entry* entry = current->find(*key);
      if (entry == nullptr) {
        current->entries.push_back(Entry{*key, here, nullAt(here)});
        entry = &current->entries.back();
      }
      current = &entry->value;
      walked = childPath(walked, *key);
    } else {
      const std::size_t index = std::get<std::size_t>(segment);
      if (current->isNull()) {
        current->kind = Node::Kind::kSequence;
      }
      if (!current->isSequence()) {
        problems.add(here, path_text,
                     cat("cannot index \"", walked, "\": it holds ", describeValue(*current),
                         ", not a list"));
        return;
      }
      if (index > current->items.size()) {
        problems.add(here, path_text,
                     cat("index ", std::to_string(index), " is past the end of \"", walked,
                         "\" (it has ", std::to_string(current->items.size()), " items; use [",
                         std::to_string(current->items.size()), "] to append)"));
        return;
      }
      if (index == current->items.size()) {
        current->items.push_back(nullAt(here));
      }
      current = &current->items[index];
      walked = itemPath(walked, index);
    }
  }
  *current = std::move(value);
  root = std::move(updated);
}

}  // namespace stitch::config
