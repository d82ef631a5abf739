#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "config/node.h"
#include "config/problems.h"
#include "core/common/config_problem.h"

namespace stitch::config {

// Decoding state: the key path being read, the position problems fall back to, the problems.
// Threading: one load, one thread.
class Decoder {
public:
  Decoder(Problems& problems, const Mark& root_anchor) : problems_(problems) {
    anchors_.push_back(root_anchor);
  }

  const std::string& path() const { return path_; }
  // Where the current key was written (or, when absent, its nearest written parent).
  const Mark& anchor() const { return anchors_.back(); }

  void error(const Mark& at, std::string message) { problems_.add(at, path_, std::move(message)); }
  void errorAt(const Mark& at, const std::string& path, std::string message) {
    problems_.add(at, path, std::move(message));
  }

  // Reports the problems of a struct's validate(), whose paths are relative to the struct
  // whose mapping is `node` (null when the struct was not in the file). Each lands on the
  // offending key, or on its nearest parent that is in the file.
  void reportValidation(const Node* node, const ConfigProblems& problems);

  // Enters a key or a list item for as long as it lives.
  class Scope {
  public:
    Scope(Decoder& decoder, std::string_view key, const Mark& anchor);
    Scope(Decoder& decoder, std::size_t index, const Mark& anchor);
    ~Scope();
    Scope(const Scope&) = delete;
    Scope& operator=(const Scope&) = delete;

  private:
    Decoder& decoder_;
    std::size_t saved_length_;
  };

private:
  Problems& problems_;
  std::string path_;
  std::vector<Mark> anchors_;
};

}  // namespace stitch::config
