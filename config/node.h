#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "config/problems.h"

namespace stitch::config {

struct Entry;

// A parsed YAML value with the position of every piece: the subset of YAML a config file uses
// (scalars, sequences, mappings), detached from yaml-cpp so that --set overrides and ${VAR}
// substitution can edit it before the typed mapping reads it.
struct Node {
  enum class Kind { kNull, kScalar, kSequence, kMapping };

  Kind kind = Kind::kNull;
  Mark mark;
  std::string scalar;          // kScalar: the text (quotes removed, escapes resolved)
  std::vector<Node> items;     // kSequence
  std::vector<Entry> entries;  // kMapping, in file order; keys are unique (parseYaml checks)
  // A problem was already reported for this value (an unset ${VAR}): readers skip it quietly.
  bool poisoned = false;

  bool isNull() const { return kind == Kind::kNull; }
  bool isScalar() const { return kind == Kind::kScalar; }
  bool isSequence() const { return kind == Kind::kSequence; }
  bool isMapping() const { return kind == Kind::kMapping; }

  const Entry* find(std::string_view key) const;
  Entry* find(std::string_view key);
};

struct Entry {
  std::string key;
  Mark key_mark;
  Node value;
};

// Limits that keep hostile input cheap: yaml-cpp shares aliased nodes, so a few lines of
// anchors can stand for billions of nodes (or a cycle) once copied into a tree.
inline constexpr int kMaxDepth = 64;
inline constexpr std::size_t kMaxNodes = 200'000;

// Parses one YAML document into a Node tree. Empty text (or only comments) gives a null root.
// Reports syntax errors (with their position), a second document, keys that are not strings,
// duplicate keys, nesting deeper than kMaxDepth and more than kMaxNodes nodes; nullopt when
// the text could not be read as YAML at all or a limit was hit. `from_command_line` stamps
// every mark as "<--set>"; problems' key paths start at `base_path`.
std::optional<Node> parseYaml(std::string_view text,
                              Problems& problems,
                              bool from_command_line = false,
                              const std::string& base_path = "");

// One step of a key path: a key, or a list index.
using PathSegment = std::variant<std::string, std::size_t>;

// Parses "a.b[2].c" (the syntax of --set and of ConfigProblem::path); nullopt with `error` set
// when malformed.
std::optional<std::vector<PathSegment>> parseKeyPath(std::string_view path, std::string& error);

// Key paths as users read them: "sampling.tail.policies[2].threshold".
std::string childPath(const std::string& parent, std::string_view key);
std::string itemPath(const std::string& parent, std::size_t index);

// How a value looks in a message: "ten" quoted (shortened when long), "a list", "a mapping",
// "nothing".
std::string describeValue(const Node& node);

}  // namespace stitch::config
