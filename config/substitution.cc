#include "config/substitution.h"

#include <cstdlib>
#include <string_view>

#include "config/text.h"

namespace stitch::config {
namespace {

bool isValidName(std::string_view name) {
  if (name.empty() || (name[0] >= '0' && name[0] <= '9')) {
    return false;
  }
  for (const char c : name) {
    const bool ok =
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
    if (!ok) {
      return false;
    }
  }
  return true;
}

// Expands one scalar; false (with `error`) on the first problem.
bool expand(const std::string& in,
            const EnvironmentLookup& lookup,
            std::string& out,
            std::string& error) {
  out.clear();
  std::size_t i = 0;
  while (i < in.size()) {
    if (in.compare(i, 3, "$${") == 0) {
      out += "${";
      i += 3;
      continue;
    }
    if (in.compare(i, 2, "${") != 0) {
      out += in[i++];
      continue;
    }
    const std::size_t close = in.find('}', i + 2);
    if (close == std::string::npos) {
      error = "\"${\" without a closing \"}\" (write $${ for a literal ${)";
      return false;
    }
    const std::string_view body(in.data() + i + 2, close - i - 2);
    const std::size_t sep = body.find(":-");
    const std::string name(body.substr(0, sep));
    if (!isValidName(name)) {
      error = cat("\"${", body,
                  "}\" is not a variable reference: write ${NAME} or ${NAME:-default}, NAME "
                  "made of letters, digits and _ (write $${ for a literal ${)");
      return false;
    }
    const std::optional<std::string> value = lookup(name);
    if (sep != std::string_view::npos && (!value || value->empty())) {
      out += body.substr(sep + 2);
    } else if (value) {
      out += *value;
    } else {
      error = cat("environment variable ", name, " is not set (give a default with ${", name,
                  ":-value})");
      return false;
    }
    i = close + 1;
  }
  return true;
}

void walk(Node& node,
          const std::string& path,
          const EnvironmentLookup& lookup,
          Problems& problems) {
  switch (node.kind) {
    case Node::Kind::kScalar: {
      if (node.scalar.find("${") == std::string::npos) {
        return;
      }
      std::string expanded;
      std::string error;
      if (expand(node.scalar, lookup, expanded, error)) {
        node.scalar = std::move(expanded);
      } else {
        problems.add(node.mark, path, error);
        node.poisoned = true;
      }
      return;
    }
    case Node::Kind::kSequence:
      for (std::size_t i = 0; i < node.items.size(); ++i) {
        walk(node.items[i], itemPath(path, i), lookup, problems);
      }
      return;
    case Node::Kind::kMapping:
      for (auto& entry : node.entries) {
        walk(entry.value, childPath(path, entry.key), lookup, problems);
      }
      return;
    case Node::Kind::kNull:
      return;
  }
}

}  // namespace

std::optional<std::string> processEnvironment(const std::string& name) {
  // Config loading runs on the main thread before any other thread starts; nothing in stitch
  // calls setenv afterwards.
  const char* value = std::getenv(name.c_str());  // NOLINT(concurrency-mt-unsafe)
  if (value == nullptr) {
    return std::nullopt;
  }
  return std::string(value);
}

void substituteEnvironment(Node& root, const EnvironmentLookup& lookup, Problems& problems) {
  walk(root, "", lookup, problems);
}

}  // namespace stitch::config
