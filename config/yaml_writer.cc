#include "config/yaml_writer.h"

#include <algorithm>
#include <cassert>
#include <cstdio>

#include "config/text.h"

namespace stitch::config {
namespace {

std::vector<std::string> wrap(std::string_view text, int width) {
  std::vector<std::string> lines;
  std::size_t start = 0;
  while (start <= text.size()) {
    // Paragraphs: an explicit newline always ends a line.
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) {
      end = text.size();
    }
    const std::string_view paragraph = text.substr(start, end - start);
    std::string current;
    std::size_t pos = 0;
    bool any = false;
    while (pos < paragraph.size()) {
      const std::size_t space = paragraph.find(' ', pos);
      const std::size_t word_end = space == std::string_view::npos ? paragraph.size() : space;
      const std::string_view word = paragraph.substr(pos, word_end - pos);
      pos = word_end + 1;
      if (word.empty()) {
        continue;
      }
      if (!current.empty() && static_cast<int>(current.size() + 1 + word.size()) > width) {
        lines.push_back(current);
        current.clear();
      }
      if (!current.empty()) {
        current += ' ';
      }
      current += word;
      any = true;
    }
    if (any || paragraph.empty()) {
      lines.push_back(current);
    }
    if (end == text.size()) {
      break;
    }
    start = end + 1;
  }
  return lines;
}

}  // namespace

YamlWriter::YamlWriter(bool comments, Root root, bool in_example, int width)
    : comments_(comments), in_example_(in_example), width_(width) {
  levels_.push_back(Level{root == Root::kMapping, 0, false});
}

int YamlWriter::commentIndent() const {
  const Level& level = levels_.back();
  if (level.mapping && level.dash_pending) {
    return level.indent - 2;
  }
  return level.indent;
}

void YamlWriter::beforeRootKey() {
  if (levels_.size() != 1 || !levels_.back().mapping || !comments_ || comment_block_open_) {
    return;
  }
  if (root_key_written_) {
    out_ += '\n';
  }
  root_key_written_ = true;
}

void YamlWriter::comment(std::string_view text) {
  if (text.empty()) {
    return;
  }
  beforeRootKey();
  comment_block_open_ = true;
  const int indent = commentIndent();
  for (const auto& l : wrap(text, std::max(20, width_ - indent - 2))) {
    line(cat(std::string(static_cast<std::size_t>(indent), ' '), l.empty() ? "#" : "# ", l));
  }
}

void YamlWriter::commentVerbatim(std::string_view text) {
  if (text.empty()) {
    return;
  }
  beforeRootKey();
  comment_block_open_ = true;
  const std::string indent(static_cast<std::size_t>(commentIndent()), ' ');
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) {
      end = text.size();
    }
    const std::string_view l = text.substr(start, end - start);
    line(l.empty() ? cat(indent, "#") : cat(indent, "# ", l));
    start = end + 1;
  }
}

void YamlWriter::key(std::string_view key) {
  assert(levels_.back().mapping && pending_ == Pending::kNone);
  beforeRootKey();
  comment_block_open_ = false;
  pending_ = Pending::kKey;
  pending_key_ = key;
}

void YamlWriter::item() {
  assert(!levels_.back().mapping && pending_ == Pending::kNone);
  comment_block_open_ = false;
  pending_ = Pending::kItem;
}

std::string YamlWriter::linePrefix() {
  Level& level = levels_.back();
  if (level.mapping && level.dash_pending) {
    level.dash_pending = false;
    return cat(std::string(static_cast<std::size_t>(level.indent - 2), ' '), "- ");
  }
  return std::string(static_cast<std::size_t>(level.indent), ' ');
}

void YamlWriter::line(const std::string& text) {
  out_ += text;
  out_ += '\n';
}

void YamlWriter::scalar(std::string_view rendered) {
  if (pending_ == Pending::kKey) {
    line(cat(linePrefix(), pending_key_, ": ", rendered));
  } else {
    assert(pending_ == Pending::kItem);
    line(cat(std::string(static_cast<std::size_t>(levels_.back().indent), ' '), "- ", rendered));
  }
  pending_ = Pending::kNone;
}

void YamlWriter::beginMapping() {
  if (pending_ == Pending::kKey) {
    const int indent = levels_.back().indent;
    line(cat(linePrefix(), pending_key_, ":"));
    levels_.push_back(Level{true, indent + 2, false});
  } else {
    assert(pending_ == Pending::kItem);
    levels_.push_back(Level{true, levels_.back().indent + 2, true});
  }
  pending_ = Pending::kNone;
}

void YamlWriter::endMapping() {
  assert(levels_.size() > 1 && levels_.back().mapping);
  if (levels_.back().dash_pending) {
    line(cat(std::string(static_cast<std::size_t>(levels_.back().indent - 2), ' '), "- {}"));
  }
  levels_.pop_back();
}

void YamlWriter::beginSequence() {
  if (pending_ == Pending::kKey) {
    const int indent = levels_.back().indent;
    line(cat(linePrefix(), pending_key_, ":"));
    levels_.push_back(Level{false, indent + 2, false});
  } else {
    assert(pending_ == Pending::kItem);
    const int indent = levels_.back().indent;
    line(cat(std::string(static_cast<std::size_t>(indent), ' '), "-"));
    levels_.push_back(Level{false, indent + 2, false});
  }
  pending_ = Pending::kNone;
}

void YamlWriter::endSequence() {
  assert(levels_.size() > 1 && !levels_.back().mapping);
  levels_.pop_back();
}

std::string quoteString(std::string_view text) {
  std::string out = "\"";
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    const auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c == '\r') {
      out += "\\r";
    } else if (u < 0x20 || u == 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", u);
      out += buf;
    } else if (c == '$' && i + 1 < text.size() && text[i + 1] == '{') {
      out += "$$";
    } else {
      out += c;
    }
  }
  out += '"';
  return out;
}

std::string renderKey(std::string_view key) {
  if (key.empty()) {
    return quoteString(key);
  }
  for (const char c : key) {
    const bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                       c == '_' || c == '-' || c == '.' || c == '/';
    if (!plain) {
      return quoteString(key);
    }
  }
  const char first = key[0];
  if (first == '-' || first == '.' || (first >= '0' && first <= '9')) {
    return quoteString(key);
  }
  static constexpr std::string_view kReserved[] = {"true", "false", "null", "yes", "no",
                                                   "on",   "off",   "y",    "n",   "~"};
  std::string lower;
  for (const char c : key) {
    lower += static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  }
  for (const auto reserved : kReserved) {
    if (lower == reserved) {
      return quoteString(key);
    }
  }
  return std::string(key);
}

}  // namespace stitch::config
