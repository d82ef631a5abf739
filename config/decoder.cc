#include "config/decoder.h"

#include <variant>

#include "config/text.h"

namespace stitch::config {

Decoder::Scope::Scope(Decoder& decoder, std::string_view key, const Mark& anchor)
    : decoder_(decoder), saved_length_(decoder.path_.size()) {
  if (!decoder_.path_.empty()) {
    decoder_.path_ += '.';
  }
  decoder_.path_ += key;
  decoder_.anchors_.push_back(anchor);
}

Decoder::Scope::Scope(Decoder& decoder, std::size_t index, const Mark& anchor)
    : decoder_(decoder), saved_length_(decoder.path_.size()) {
  decoder_.path_ += cat("[", std::to_string(index), "]");
  decoder_.anchors_.push_back(anchor);
}

Decoder::Scope::~Scope() {
  decoder_.path_.resize(saved_length_);
  decoder_.anchors_.pop_back();
}

void Decoder::reportValidation(const Node* node, const ConfigProblems& problems) {
  for (const ConfigProblem& problem : problems) {
    std::string full = path_;
    if (!problem.path.empty()) {
      full = problem.path[0] == '[' ? path_ + problem.path : childPath(path_, problem.path);
    }
    Mark at = anchor();
    std::string error;
    const auto segments = parseKeyPath(problem.path, error);
    const Node* current = node;
    if (segments && current != nullptr) {
      for (const PathSegment& segment : *segments) {
        if (const auto* key = std::get_if<std::string>(&segment)) {
          const Entry* entry = current->isMapping() ? current->find(*key) : nullptr;
          if (entry == nullptr) {
            break;
          }
          at = entry->key_mark;
          current = &entry->value;
        } else {
          const std::size_t index = std::get<std::size_t>(segment);
          if (!current->isSequence() || index >= current->items.size()) {
            break;
          }
          at = current->items[index].mark;
          current = &current->items[index];
        }
      }
    }
    problems_.addValidation(at, std::move(full), problem.message);
  }
}

}  // namespace stitch::config
