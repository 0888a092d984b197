#pragma once
// Result<T, E>: a value or an error, mirroring the std::expected API (C++23) so that it can
// become an alias once the toolchain has it. Errors are returned as Unexpected{...}.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>

#include "common/assert.hpp"

namespace dsmip {

/// Why an operation failed. Parse codes name the reason a packet was rejected; the others
/// cover configuration, system calls and protocol logic.
enum class ErrorCode : std::uint8_t {
  Ok = 0,
  Truncated,        // input ended before a field the format requires
  BadLength,        // a length field disagrees with the buffer or the format
  BadVersion,       // IP version nibble, or another version field, is wrong
  BadChecksum,      // checksum or authenticator does not verify
  BadValue,         // a field holds a value the format forbids
  BadAlignment,     // an option sits where its alignment rule forbids it
  Unsupported,      // well formed but not something this implementation handles
  UnknownType,      // a type or sub-type we do not know and may not skip
  NoSpace,          // an encoder ran out of buffer
  InvalidArgument,  // bad configuration or command-line value
  NotFound,         // lookup failed
  AlreadyExists,    // insert of something present
  SystemError,      // a system call failed: see the errno value
  Timeout,
  PermissionDenied,
};

/// Short stable name of a code, for logs, counters and JSON ("truncated", "bad-length", ...).
std::string_view errorCodeName(ErrorCode code);

/// An error: a code, a short static reason, and for parse errors the byte offset at which the
/// problem was found. `system_errno` is set for ErrorCode::SystemError. `detail` is optional
/// owned text (configuration errors name the key and the reason there).
struct Error {
  ErrorCode code = ErrorCode::Ok;
  std::string_view reason;  // static text, e.g. "header length below minimum"
  std::size_t offset = 0;   // byte offset for parse errors
  int system_errno = 0;
  std::string detail;

  /// "truncated at offset 12: mobility option runs past the header"
  [[nodiscard]] std::string toString() const;
  friend bool operator==(const Error& a, const Error& b) {
    return a.code == b.code && a.offset == b.offset && a.reason == b.reason &&
           a.system_errno == b.system_errno && a.detail == b.detail;
  }
};

template <typename E>
class Unexpected {
 public:
  explicit Unexpected(E error) : error_(std::move(error)) {}
  [[nodiscard]] const E& error() const& { return error_; }
  [[nodiscard]] E& error() & { return error_; }
  [[nodiscard]] E&& error() && { return std::move(error_); }

 private:
  E error_;
};
template <typename E>
Unexpected(E) -> Unexpected<E>;

/// Parse-error shorthand: `return parseError(ErrorCode::Truncated, "mh header", offset);`
inline Unexpected<Error> parseError(ErrorCode code, std::string_view reason, std::size_t offset) {
  return Unexpected<Error>{Error{code, reason, offset, 0, {}}};
}
/// Error with owned detail text (configuration, command line).
inline Unexpected<Error> makeError(ErrorCode code, std::string detail) {
  Error e;
  e.code = code;
  e.detail = std::move(detail);
  return Unexpected<Error>{std::move(e)};
}
inline Unexpected<Error> systemError(std::string_view what, int err) {
  Error e;
  e.code = ErrorCode::SystemError;
  e.reason = what;
  e.system_errno = err;
  return Unexpected<Error>{std::move(e)};
}

template <typename T, typename E = Error>
class [[nodiscard]] Result {
 public:
  using value_type = T;
  using error_type = E;

  Result() requires std::is_default_constructible_v<T> : storage_(std::in_place_index<0>) {}
  Result(const T& value) : storage_(std::in_place_index<0>, value) {}        // NOLINT: implicit
  Result(T&& value) : storage_(std::in_place_index<0>, std::move(value)) {}  // NOLINT
  template <typename U>
  requires std::is_constructible_v<T, U&&> &&
      (!std::is_same_v<std::decay_t<U>, T>)&&(!std::is_same_v<std::decay_t<U>, Result>)&&(
          !std::is_same_v<std::decay_t<U>, Unexpected<E>>)Result(U&& value)
      : storage_(std::in_place_index<0>, T(std::forward<U>(value))) {}  // NOLINT
  template <typename G>
  Result(Unexpected<G> error)  // NOLINT: implicit, like std::expected
      : storage_(std::in_place_index<1>, E(std::move(error).error())) {}

  [[nodiscard]] bool has_value() const { return storage_.index() == 0; }
  explicit operator bool() const { return has_value(); }

  T& value() & {
    DSMIP_CHECK(has_value());
    return std::get<0>(storage_);
  }
  const T& value() const& {
    DSMIP_CHECK(has_value());
    return std::get<0>(storage_);
  }
  T&& value() && {
    DSMIP_CHECK(has_value());
    return std::move(std::get<0>(storage_));
  }
  const E& error() const& {
    DSMIP_CHECK(!has_value());
    return std::get<1>(storage_);
  }
  E& error() & {
    DSMIP_CHECK(!has_value());
    return std::get<1>(storage_);
  }
  E&& error() && {
    DSMIP_CHECK(!has_value());
    return std::move(std::get<1>(storage_));
  }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  template <typename U>
  T value_or(U&& fallback) const& {
    return has_value() ? std::get<0>(storage_) : static_cast<T>(std::forward<U>(fallback));
  }

 private:
  std::variant<T, E> storage_;
};

/// Result<void>: success or an error.
template <typename E>
class [[nodiscard]] Result<void, E> {
 public:
  using value_type = void;
  using error_type = E;
  Result() = default;
  template <typename G>
  Result(Unexpected<G> error)  // NOLINT: implicit
      : error_(E(std::move(error).error())), ok_(false) {}
  [[nodiscard]] bool has_value() const { return ok_; }
  explicit operator bool() const { return ok_; }
  void value() const { DSMIP_CHECK(ok_); }
  const E& error() const& {
    DSMIP_CHECK(!ok_);
    return error_;
  }
  E&& error() && {
    DSMIP_CHECK(!ok_);
    return std::move(error_);
  }

 private:
  E error_{};
  bool ok_ = true;
};

using Status = Result<void>;

}  // namespace dsmip
