#pragma once

#include <string>
#include <vector>

namespace stitch::config {

// Where a value came from: a position in the config file, the command line (--set), or
// nowhere in particular (the file as a whole, e.g. when it cannot be read).
struct Mark {
  int line = 0;    // 1-based; 0 when the value has no position in the file
  int column = 0;  // 1-based
  bool from_command_line = false;

  static Mark commandLine() { return Mark{0, 0, true}; }
  bool hasPosition() const { return line > 0; }
  friend bool operator==(const Mark&, const Mark&) = default;
};

// Collects every problem of one load, then renders them one per line:
//   "stitch.yaml:31:7: exporters[0].queue_size: must be positive"
//   "<--set>: log.level: unknown value "verbose"; ..."
//   "stitch.yaml: cannot read the file: No such file or directory"
// Threading: one load, one thread.
class Problems {
public:
  explicit Problems(std::string source) : source_(std::move(source)) {}

  const std::string& source() const { return source_; }
  bool empty() const { return problems_.empty(); }

  // A problem found while reading the YAML or mapping it (syntax, type, range, unknown key,
  // missing key, unset variable). `path` is the full key path ("log.level"), may be empty.
  void add(const Mark& at, std::string path, std::string message);
  // A problem a config struct's validate() reported. Dropped at render time when the same
  // key (or a key above it) already has a problem of the kind above: a value that failed to
  // parse kept its default, and complaints about that default would only mislead.
  void addValidation(const Mark& at, std::string path, std::string message);

  // True when a problem was added at `path` or below it.
  bool hasProblemAtOrBelow(const std::string& path) const;

  // One line per problem, ordered by position (no position first, then the file, then the
  // command line), exact duplicates removed.
  std::vector<std::string> render() const;

private:
  struct Problem {
    Mark mark;
    std::string path;
    std::string message;
    bool from_validation = false;
  };

  std::string source_;
  std::vector<Problem> problems_;
};

// True when `path` is `ancestor` or lies below it ("a.b" and "a.b[2].c" are below "a.b";
// "a.bc" is not). The empty path is above everything.
bool isAtOrBelow(const std::string& path, const std::string& ancestor);

}  // namespace stitch::config
