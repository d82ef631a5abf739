#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace stitch::config {

// Writes block-style YAML with comments, the way stitch.yaml is laid out: two-space indents,
// lists of mappings as "- key: value" items, comments above the key they describe and a blank
// line between commented top-level keys. Values arrive already rendered (see quoteString).
// The caller keeps the calls balanced (key or item, then exactly one value).
// Threading: an instance belongs to one thread.
class YamlWriter {
public:
  enum class Root { kMapping, kSequence };

  static constexpr int kWidth = 100;

  explicit YamlWriter(bool comments,
                      Root root = Root::kMapping,
                      bool in_example = false,
                      int width = kWidth);

  // Whether descriptions are written as comments (the default config) or not (a dump).
  bool comments() const { return comments_; }
  // True while writing a commented example: nested examples are not written again (the
  // example of a recursive sampling policy would never end).
  bool inExample() const { return in_example_; }

  // Lines are wrapped to this many columns (comments only; values are never wrapped).
  int width() const { return width_; }
  // The column at which the next comment starts.
  int commentIndent() const;

  // Comment lines, wrapped to width(), placed before the next key or item.
  // A newline in `text` starts a new line; an empty line is written as a lone "#".
  void comment(std::string_view text);
  // Comment lines written as given (no wrapping), e.g. an example block.
  void commentVerbatim(std::string_view text);

  void key(std::string_view key);  // the next value belongs to `key` in the current mapping
  void item();                     // the next value is an item of the current sequence
  void scalar(std::string_view rendered);
  void beginMapping();
  void endMapping();
  void beginSequence();
  void endSequence();

  const std::string& text() const { return out_; }

private:
  struct Level {
    bool mapping = true;
    int indent = 0;             // column of this level's keys, or of its dashes
    bool dash_pending = false;  // a list item's mapping whose "- " is not written yet
  };
  enum class Pending { kNone, kKey, kItem };

  std::string linePrefix();  // indentation (and a pending "- ") for the next key line
  void line(const std::string& text);
  void beforeRootKey();

  bool comments_;
  bool in_example_;
  int width_;
  std::string out_;
  std::vector<Level> levels_;
  Pending pending_ = Pending::kNone;
  std::string pending_key_;
  bool root_key_written_ = false;
  bool comment_block_open_ = false;
};

// A string as a double-quoted YAML scalar: escapes '"', '\\' and control characters, and writes
// "${" as "$${" so that reading it back does not substitute a variable.
std::string quoteString(std::string_view text);

// A mapping key: plain when that reads back as the same string, quoted otherwise.
std::string renderKey(std::string_view key);

}  // namespace stitch::config
