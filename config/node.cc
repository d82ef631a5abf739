#include "config/node.h"

#include <algorithm>
#include <charconv>
#include <map>
#include <sstream>
#include <string>

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

#include "config/text.h"

namespace stitch::config {

const Entry* Node::find(std::string_view key) const {
  const auto it =
      std::find_if(entries.begin(), entries.end(), [&](const Entry& e) { return e.key == key; });
  return it == entries.end() ? nullptr : &*it;
}

Entry* Node::find(std::string_view key) {
  const auto it =
      std::find_if(entries.begin(), entries.end(), [&](const Entry& e) { return e.key == key; });
  return it == entries.end() ? nullptr : &*it;
}

std::optional<std::vector<PathSegment>> parseKeyPath(std::string_view path, std::string& error) {
  std::vector<PathSegment> segments;
  std::size_t i = 0;
  bool expect_key = true;
  while (i < path.size()) {
    if (path[i] == '[') {
      const std::size_t close = path.find(']', i);
      std::size_t index = 0;
      const char* first = path.data() + i + 1;
      const char* last = path.data() + (close == std::string_view::npos ? i + 1 : close);
      const auto [ptr, ec] = std::from_chars(first, last, index);
      if (close == std::string_view::npos || first == last || ec != std::errc() || ptr != last) {
        error = cat("expected a list index like [0] at \"", path.substr(i), "\"");
        return std::nullopt;
      }
      segments.emplace_back(index);
      i = close + 1;
      expect_key = false;
      continue;
    }
    if (path[i] == '.') {
      if (expect_key) {
        error = "empty key in the path";
        return std::nullopt;
      }
      ++i;
      expect_key = true;
      continue;
    }
    if (!expect_key) {
      error = cat("expected '.' or '[' after \"", path.substr(0, i), "\"");
      return std::nullopt;
    }
    std::size_t end = i;
    while (end < path.size() && path[end] != '.' && path[end] != '[' && path[end] != ']') {
      ++end;
    }
    if (end == i) {
      error = "unexpected ']' in the path";
      return std::nullopt;
    }
    segments.emplace_back(std::string(path.substr(i, end - i)));
    i = end;
    expect_key = false;
  }
  if (segments.empty() || expect_key) {
    error = segments.empty() ? "the key path is empty" : "the key path ends with '.'";
    return std::nullopt;
  }
  return segments;
}

std::string childPath(const std::string& parent, std::string_view key) {
  if (parent.empty()) {
    return std::string(key);
  }
  std::string path = parent;
  path += '.';
  path += key;
  return path;
}

std::string itemPath(const std::string& parent, std::size_t index) {
  return cat(parent, "[", std::to_string(index), "]");
}

std::string describeValue(const Node& node) {
  switch (node.kind) {
    case Node::Kind::kNull:
      return "nothing";
    case Node::Kind::kSequence:
      return "a list";
    case Node::Kind::kMapping:
      return "a mapping";
    case Node::Kind::kScalar:
      break;
  }
  constexpr std::size_t kShown = 60;
  std::string text =
      node.scalar.size() > kShown ? node.scalar.substr(0, kShown) + "..." : node.scalar;
  std::string quoted = "\"";
  for (const char c : text) {
    if (c == '"' || c == '\\') {
      quoted += '\\';
      quoted += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      quoted += c == '\n' ? "\\n" : (c == '\t' ? "\\t" : "?");
    } else {
      quoted += c;
    }
  }
  quoted += '"';
  return quoted;
}

namespace {

// Builds the Node tree straight from yaml-cpp's parser events, so that every key and value
// keeps its position, anchors and aliases are copied under a node budget (yaml-cpp's own
// YAML::Node shares them, and an alias inside its own anchor makes a cycle), and only the first
// document is kept (the others are counted).
class TreeBuilder final : public YAML::EventHandler {
public:
  TreeBuilder(Problems& problems, bool from_command_line, const std::string& base_path)
      : problems_(problems), from_command_line_(from_command_line), base_path_(base_path) {}

  bool failed() const { return failed_; }
  const std::vector<YAML::Mark>& documentStarts() const { return starts_; }
  Node takeRoot() { return std::move(root_); }

  Mark markOf(const YAML::Mark& m) const {
    if (from_command_line_) {
      return Mark::commandLine();
    }
    if (m.is_null() || m.line < 0 || m.column < 0) {
      return Mark{};
    }
    return Mark{m.line + 1, m.column + 1, false};
  }

  void OnDocumentStart(const YAML::Mark& mark) override { starts_.push_back(mark); }
  void OnDocumentEnd() override {}

  void OnNull(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    Node node;
    node.mark = markOf(mark);
    leaf(std::move(node), anchor);
  }

  void OnScalar(const YAML::Mark& mark,
                const std::string& /*tag*/,
                YAML::anchor_t anchor,
                const std::string& value) override {
    Node node;
    node.kind = Node::Kind::kScalar;
    node.mark = markOf(mark);
    node.scalar = value;
    leaf(std::move(node), anchor);
  }

  void OnAlias(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    if (!active()) {
      return;
    }
    const auto it = anchors_.find(anchor);
    if (it == anchors_.end()) {
      fail(markOf(mark), "an alias refers to the mapping or list that contains it");
      return;
    }
    if (!count(it->second.nodes, markOf(mark))) {
      return;
    }
    place(Node(it->second.node));
  }

  void OnSequenceStart(const YAML::Mark& mark,
                       const std::string& /*tag*/,
                       YAML::anchor_t anchor,
                       YAML::EmitterStyle::value /*style*/) override {
    open(Node::Kind::kSequence, mark, anchor);
  }
  void OnSequenceEnd() override { close(); }
  void OnMapStart(const YAML::Mark& mark,
                  const std::string& /*tag*/,
                  YAML::anchor_t anchor,
                  YAML::EmitterStyle::value /*style*/) override {
    open(Node::Kind::kMapping, mark, anchor);
  }
  void OnMapEnd() override { close(); }

private:
  struct Frame {
    Node node;
    YAML::anchor_t anchor = YAML::NullAnchor;
    std::size_t nodes_before = 0;
    bool has_key = false;     // a mapping's key was read; its value comes next
    bool skip_value = false;  // ... and is dropped (the key was reported)
    std::string key;
    Mark key_mark;
  };
  struct Anchored {
    Node node;
    std::size_t nodes = 0;
  };

  bool active() const { return !failed_ && starts_.size() == 1; }

  void fail(const Mark& at, std::string message) {
    problems_.add(at, currentPath(), std::move(message));
    failed_ = true;
  }

  bool count(std::size_t nodes, const Mark& at) {
    nodes_ += nodes;
    if (nodes_ > kMaxNodes) {
      fail(at,
           cat("more than ", std::to_string(kMaxNodes), " values (aliases expanding too much?)"));
      return false;
    }
    return true;
  }

  // The key path of the value being read.
  std::string currentPath() const {
    std::string path = base_path_;
    for (const Frame& frame : stack_) {
      if (frame.node.isSequence()) {
        path = itemPath(path, frame.node.items.size());
      } else if (frame.has_key) {
        path = childPath(path, frame.key);
      }
    }
    return path;
  }

  void leaf(Node&& node, YAML::anchor_t anchor) {
    if (!active() || !count(1, node.mark)) {
      return;
    }
    if (anchor != YAML::NullAnchor) {
      anchors_[anchor] = Anchored{node, 1};
    }
    place(std::move(node));
  }

  void open(Node::Kind kind, const YAML::Mark& mark, YAML::anchor_t anchor) {
    if (!active()) {
      return;
    }
    Frame frame;
    frame.node.kind = kind;
    frame.node.mark = markOf(mark);
    frame.anchor = anchor;
    frame.nodes_before = nodes_;
    if (stack_.size() >= static_cast<std::size_t>(kMaxDepth)) {
      fail(frame.node.mark, cat("nested deeper than ", std::to_string(kMaxDepth), " levels"));
      return;
    }
    if (!count(1, frame.node.mark)) {
      return;
    }
    stack_.push_back(std::move(frame));
  }

  void close() {
    if (!active()) {
      return;
    }
    Frame frame = std::move(stack_.back());
    stack_.pop_back();
    if (frame.anchor != YAML::NullAnchor) {
      anchors_[frame.anchor] = Anchored{frame.node, nodes_ - frame.nodes_before};
    }
    place(std::move(frame.node));
  }

  void place(Node&& node) {
    if (stack_.empty()) {
      root_ = std::move(node);
      return;
    }
    Frame& parent = stack_.back();
    if (parent.node.isSequence()) {
      parent.node.items.push_back(std::move(node));
      return;
    }
    if (!parent.has_key) {
      const std::string path = currentPath();
      parent.has_key = true;
      parent.skip_value = false;
      if (!node.isScalar()) {
        problems_.add(node.mark, path,
                      node.isNull() ? "a key is empty"
                                    : cat("keys must be plain strings, got ", describeValue(node)));
        parent.skip_value = true;
        parent.key.clear();
        return;
      }
      parent.key = node.scalar;
      parent.key_mark = node.mark;
      if (const Entry* first = parent.node.find(node.scalar)) {
        problems_.add(node.mark, childPath(path, node.scalar),
                      first->key_mark.hasPosition() ? cat("duplicate key (first defined on line ",
                                                          std::to_string(first->key_mark.line), ")")
                                                    : std::string("duplicate key"));
        parent.skip_value = true;
      }
      return;
    }
    parent.has_key = false;
    if (parent.skip_value) {
      return;
    }
    // yaml-cpp marks an empty value (`key:` then a newline) at the next token, which can be
    // lines away; the key is where the user looks.
    if (node.isNull() && node.mark.line != parent.key_mark.line) {
      node.mark = parent.key_mark;
    }
    parent.node.entries.push_back(Entry{std::move(parent.key), parent.key_mark, std::move(node)});
  }

  Problems& problems_;
  const bool from_command_line_;
  const std::string& base_path_;
  std::vector<YAML::Mark> starts_;
  std::vector<Frame> stack_;
  std::map<YAML::anchor_t, Anchored> anchors_;
  std::size_t nodes_ = 0;
  bool failed_ = false;
  Node root_;
};

}  // namespace

std::optional<Node> parseYaml(std::string_view text,
                              Problems& problems,
                              bool from_command_line,
                              const std::string& base_path) {
  TreeBuilder builder(problems, from_command_line, base_path);
  std::istringstream in{std::string(text)};
  try {
    YAML::Parser parser(in);
    // Read up to three documents: the first is the config, a second is a mistake to report,
    // and a third tells a real second document from yaml-cpp 0.7 being stuck: at some tokens
    // (a ',' outside brackets) it returns the same empty document forever without moving on.
    while (builder.documentStarts().size() < 3 && parser.HandleNextDocument(builder)) {
      const auto& starts = builder.documentStarts();
      if (starts.size() >= 2 && starts[starts.size() - 1].pos == starts[starts.size() - 2].pos) {
        const auto pos = static_cast<std::size_t>(starts.back().pos);
        const std::string token = pos < text.size() ? std::string(1, text[pos]) : "end of text";
        problems.add(builder.markOf(starts.back()), base_path,
                     cat("invalid YAML: unexpected \"", token, "\""));
        return std::nullopt;
      }
    }
  } catch (const YAML::ParserException& e) {
    // DeepRecursion (yaml-cpp's own nesting guard) is a ParserException too.
    problems.add(builder.markOf(e.mark), base_path, cat("invalid YAML: ", e.msg));
    return std::nullopt;
  } catch (const YAML::Exception& e) {
    problems.add(builder.markOf(e.mark), base_path, cat("invalid YAML: ", e.msg));
    return std::nullopt;
  }
  if (builder.failed()) {
    return std::nullopt;
  }
  if (builder.documentStarts().size() > 1) {
    problems.add(builder.markOf(builder.documentStarts()[1]), base_path,
                 "a second YAML document starts here; a config file holds exactly one "
                 "(remove the `---` line)");
  }
  return builder.takeRoot();
}

}  // namespace stitch::config
