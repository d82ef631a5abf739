#include "config/generate.h"

#include <algorithm>
#include <stdexcept>
#include <vector>

#include "config/config.h"
#include "config/sections/sections.h"

namespace stitch::config {
namespace {

std::string cell(std::string_view text) {
  std::string out;
  for (const char c : text) {
    if (c == '|') {
      out += "\\|";
    } else if (c == '\n') {
      out += ' ';
    } else {
      out += c;
    }
  }
  return out;
}

std::string code(std::string_view text) {
  if (text.empty()) {
    return {};
  }
  // A backtick inside needs a longer fence; config values rarely hold one.
  const std::string_view fence = text.find('`') != std::string_view::npos ? "``" : "`";
  std::string out(fence);
  if (fence.size() > 1) {
    out += ' ';
  }
  out += text;
  if (fence.size() > 1) {
    out += ' ';
  }
  out += fence;
  return out;
}

// GitHub's heading anchors: lower case, punctuation dropped, spaces to '-'.
std::string anchorOf(std::string_view heading) {
  std::string out;
  for (const char c : heading) {
    if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_') {
      out += c;
    } else if (c >= 'A' && c <= 'Z') {
      out += static_cast<char>(c - 'A' + 'a');
    } else if (c == ' ') {
      out += '-';
    }
  }
  return out;
}

struct Row {
  std::string key;
  std::string type;
  std::string default_text;
  std::string allowed;
  std::string description;
};

class MarkdownGenerator {
public:
  std::string run(const StructInfo& root, const void* defaults) {
    stack_.push_back({&root, "the top level"});
    out_ += "## Top-level keys\n\n";
    std::vector<Row> rows;
    root.document(defaults, [&](const FieldDoc& f) {
      Row row = rowOf(f, f.key);
      if (f.type.structure != nullptr || !f.alternatives.empty()) {
        std::string link = "[";
        link += code(f.key);
        link += "](#";
        link += anchorOf(titleOf(f));
        link += ')';
        row.key = std::move(link);
      }
      rows.push_back(std::move(row));
    });
    table(rows);
    root.document(defaults, [&](const FieldDoc& f) {
      if (f.type.structure == nullptr) {
        return;
      }
      const StructInfo* nested = f.type.structure();
      const std::string path = f.key + f.type.suffix;
      section(2, code(path), f.description, *nested,
              f.type.suffix.empty() ? f.nested_instance : nullptr, path + ".");
    });
    return out_;
  }

private:
  struct Expanding {
    const StructInfo* info;
    std::string path;
  };

  static std::string titleOf(const FieldDoc& f) { return code(f.key + f.type.suffix); }

  const Expanding* expanding(const StructInfo* info) const {
    for (const auto& e : stack_) {
      if (e.info == info) {
        return &e;
      }
    }
    return nullptr;
  }

  static Row rowOf(const FieldDoc& f, const std::string& path) {
    Row row;
    row.key = code(path);
    row.type = f.type.name;
    row.default_text = f.required ? "required" : code(f.default_text);
    std::vector<std::string> allowed;
    for (const auto& name : f.type.allowed) {
      allowed.push_back(code(name));
    }
    row.allowed = joinNames(allowed);
    if (!f.type.constraints.empty()) {
      row.allowed += row.allowed.empty() ? "" : "; ";
      row.allowed += f.type.constraints;
    }
    row.description = f.description;
    return row;
  }

  void table(const std::vector<Row>& rows) {
    out_ += "| Key | Type | Default | Allowed | Description |\n";
    out_ += "|---|---|---|---|---|\n";
    for (const Row& r : rows) {
      out_ += cat("| ", cell(r.key), " | ", cell(r.type), " | ", cell(r.default_text), " | ",
                  cell(r.allowed), " | ", cell(r.description), " |\n");
    }
    out_ += '\n';
  }

  // Rows for every key of `info`, descending into directly nested mappings.
  void rows(const StructInfo& info,
            const void* instance,
            const std::string& prefix,
            std::vector<Row>& out) {
    info.document(instance, [&](const FieldDoc& f) {
      const std::string path = prefix + f.key;
      Row row = rowOf(f, path);
      if (!f.alternatives.empty()) {
        row.description += " Each type's keys are listed below.";
        out.push_back(std::move(row));
        return;
      }
      if (f.type.structure == nullptr) {
        out.push_back(std::move(row));
        return;
      }
      const StructInfo* nested = f.type.structure();
      if (const Expanding* e = expanding(nested)) {
        row.description += cat(" Same shape as ", code(e->path), ".");
        out.push_back(std::move(row));
        return;
      }
      if (!f.type.suffix.empty()) {
        row.description += cat(" See ", code(path + f.type.suffix), " below.");
        out.push_back(std::move(row));
        return;
      }
      out.push_back(std::move(row));
      stack_.push_back({nested, path});
      rows(*nested, f.nested_instance, path + ".", out);
      stack_.pop_back();
    });
  }

  // Sections for what the table of `info` could not hold: lists and maps of mappings, and
  // the types of a union.
  void subsections(int level,
                   const StructInfo& info,
                   const void* instance,
                   const std::string& prefix) {
    info.document(instance, [&](const FieldDoc& f) {
      const std::string path = prefix + f.key;
      for (const AlternativeDoc& alt : f.alternatives) {
        const std::string owner =
            prefix.empty() ? "the top level" : prefix.substr(0, prefix.size() - 1);
        section(level, cat(code(owner), " with ", code(cat(f.key, ": ", alt.name))),
                alt.description, *alt.info(), nullptr, prefix);
      }
      if (f.type.structure == nullptr) {
        return;
      }
      const StructInfo* nested = f.type.structure();
      if (expanding(nested) != nullptr) {
        return;
      }
      if (f.type.suffix.empty()) {
        stack_.push_back({nested, path});
        subsections(level, *nested, f.nested_instance, path + ".");
        stack_.pop_back();
      } else {
        const std::string nested_path = path + f.type.suffix;
        section(level, code(nested_path), f.description, *nested, nullptr, nested_path + ".");
      }
    });
  }

  void section(int level,
               const std::string& title,
               std::string_view description,
               const StructInfo& info,
               const void* instance,
               const std::string& prefix) {
    stack_.push_back({&info, prefix.substr(0, prefix.size() - 1)});
    out_ += cat(std::string(static_cast<std::size_t>(std::min(level, 6)), '#'), " ", title, "\n\n");
    out_ += cat(description, "\n\n");
    std::vector<Row> table_rows;
    rows(info, instance, prefix, table_rows);
    if (!table_rows.empty()) {
      table(table_rows);
    }
    subsections(level + 1, info, instance, prefix);
    stack_.pop_back();
  }

  std::string out_;
  std::vector<Expanding> stack_;
};

}  // namespace

std::string referenceMarkdown(const StructInfo& root, const void* defaults) {
  std::string out = MarkdownGenerator{}.run(root, defaults);
  while (out.size() >= 2 && out[out.size() - 1] == '\n' && out[out.size() - 2] == '\n') {
    out.pop_back();
  }
  return out;
}

std::string configReferenceMarkdown() {
  const StitchConfig defaults{};
  return referenceMarkdown(schemaOf<StitchConfig>(), &defaults);
}

std::string spliceGenerated(std::string_view existing,
                            std::string_view marker,
                            std::string_view generated) {
  std::size_t pos = 0;
  while (true) {
    pos = existing.find(marker, pos);
    if (pos == std::string_view::npos) {
      throw std::runtime_error(cat("the marker line is missing: ", marker));
    }
    if (pos == 0 || existing[pos - 1] == '\n') {
      break;
    }
    pos += marker.size();
  }
  std::string out(existing.substr(0, pos + marker.size()));
  out += "\n\n";
  out += generated;
  return out;
}

}  // namespace stitch::config
