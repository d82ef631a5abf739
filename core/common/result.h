#pragma once

#include <cassert>
#include <type_traits>
#include <utility>
#include <variant>

namespace stitch {

// The error side of a Result, spelled like C++23's std::unexpected so that switching to
// std::expected later is a rename.
template <class E>
class Unexpected {
public:
  constexpr explicit Unexpected(E error) noexcept(std::is_nothrow_move_constructible_v<E>)
      : error_(std::move(error)) {}
  constexpr const E& error() const& noexcept { return error_; }
  constexpr E&& error() && noexcept { return std::move(error_); }

private:
  E error_;
};

template <class E>
Unexpected(E) -> Unexpected<E>;

// A value or an error, with std::expected's API (the subset we use). For untrusted input on
// the data path, where failure is an expected outcome and exceptions are not wanted.
template <class T, class E>
class [[nodiscard]] Result {
public:
  using value_type = T;
  using error_type = E;

  constexpr Result(T value) noexcept(std::is_nothrow_move_constructible_v<T>)  // NOLINT
      : storage_(std::in_place_index<0>, std::move(value)) {}
  template <class G>
  constexpr Result(Unexpected<G> error) noexcept  // NOLINT: implicit like std::expected
      : storage_(std::in_place_index<1>, std::move(error).error()) {}
  // Constructs the value in place (std::expected's constructor of the same shape): a large
  // value can be filled in where it will be returned from, without a copy.
  template <class... Args>
  constexpr explicit Result(std::in_place_t,
                            Args&&... args) noexcept(std::is_nothrow_constructible_v<T, Args...>)
      : storage_(std::in_place_index<0>, std::forward<Args>(args)...) {}

  constexpr bool has_value() const noexcept { return storage_.index() == 0; }
  constexpr explicit operator bool() const noexcept { return has_value(); }

  constexpr const T& value() const& noexcept {
    assert(has_value());
    return *std::get_if<0>(&storage_);
  }
  constexpr T& value() & noexcept {
    assert(has_value());
    return *std::get_if<0>(&storage_);
  }
  constexpr T&& value() && noexcept {
    assert(has_value());
    return std::move(*std::get_if<0>(&storage_));
  }
  constexpr const E& error() const& noexcept {
    assert(!has_value());
    return *std::get_if<1>(&storage_);
  }
  constexpr E&& error() && noexcept {
    assert(!has_value());
    return std::move(*std::get_if<1>(&storage_));
  }

  constexpr const T& operator*() const& noexcept { return value(); }
  constexpr T& operator*() & noexcept { return value(); }
  constexpr const T* operator->() const noexcept { return &value(); }
  constexpr T* operator->() noexcept { return &value(); }

  template <class U>
  constexpr T value_or(U&& fallback) const& {
    return has_value() ? value() : static_cast<T>(std::forward<U>(fallback));
  }

private:
  std::variant<T, E> storage_;
};

}  // namespace stitch
