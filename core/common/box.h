#pragma once

#include <memory>
#include <utility>

namespace stitch {

// A T on the heap with value semantics: copies copy the T, == compares the Ts. It lets a
// struct hold one member of its own type, which std::optional and std::variant cannot (they
// need a complete type), e.g. a sampling policy `not` wrapping one policy:
//
//   struct PolicyConfig;
//   struct NotRule { Box<PolicyConfig> policy; };
//   struct PolicyConfig { std::string name; std::variant<LatencyRule, NotRule> rule; };
//
// Like C++26's std::indirect, a Box always holds a value except after being moved from (then
// only assignment and destruction are allowed). Default construction builds a T, so a type
// must not reach itself through Boxes on its default path (keep a recursive alternative out
// of a variant's first place), or default construction never ends.
template <class T>
class Box {
public:
  Box() : value_(std::make_unique<T>()) {}
  Box(T value) : value_(std::make_unique<T>(std::move(value))) {}  // NOLINT: implicit like T
  Box(const Box& other) : value_(std::make_unique<T>(*other)) {}
  Box(Box&&) noexcept = default;
  Box& operator=(const Box& other) {
    if (this != &other) {
      value_ = std::make_unique<T>(*other);
    }
    return *this;
  }
  Box& operator=(Box&&) noexcept = default;
  ~Box() = default;

  T& operator*() noexcept { return *value_; }
  const T& operator*() const noexcept { return *value_; }
  T* operator->() noexcept { return value_.get(); }
  const T* operator->() const noexcept { return value_.get(); }

  friend bool operator==(const Box& a, const Box& b) { return *a == *b; }

private:
  std::unique_ptr<T> value_;
};

}  // namespace stitch
