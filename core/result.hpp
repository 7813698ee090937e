// Status and Result<T>: how Outpost reports expected failures (bad config, a
// refused call, a missing file) without exceptions. Header-only value types,
// owned by whoever holds them; safe on any thread.
#pragma once

#include <cassert>
#include <string>
#include <utility>
#include <variant>

namespace outpost::core {

// Broad classes of failure, so callers can branch without parsing messages.
enum class ErrorCode {
  kInvalidArgument,  // the input is malformed (config line, command, frame)
  kNotFound,
  kAlreadyExists,
  kUnavailable,  // a peer, a file or a resource cannot be reached right now
  kIo,
  kInternal,
};

const char* errorCodeName(ErrorCode code);

struct Error {
  ErrorCode code = ErrorCode::kInternal;
  std::string message;
};

class [[nodiscard]] Status {
 public:
  Status() = default;  // success
  Status(Error error) : error_(std::move(error)), ok_(false) {}

  static Status ok() { return {}; }

  bool isOk() const { return ok_; }
  explicit operator bool() const { return ok_; }
  const Error& error() const {
    assert(!ok_);
    return error_;
  }
  const std::string& message() const { return error_.message; }
  ErrorCode code() const { return error_.code; }

 private:
  Error error_;
  bool ok_ = true;
};

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}
  Result(Error error) : v_(std::move(error)) {}
  Result(Status status) : v_(status.error()) { assert(!status.isOk()); }

  bool isOk() const { return std::holds_alternative<T>(v_); }
  explicit operator bool() const { return isOk(); }

  T& value() & {
    assert(isOk());
    return std::get<T>(v_);
  }
  const T& value() const& {
    assert(isOk());
    return std::get<T>(v_);
  }
  T&& value() && {
    assert(isOk());
    return std::get<T>(std::move(v_));
  }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

  const Error& error() const {
    assert(!isOk());
    return std::get<Error>(v_);
  }
  Status status() const { return isOk() ? Status() : Status(error()); }

 private:
  std::variant<T, Error> v_;
};

inline Error invalidArgument(std::string message) {
  return Error{ErrorCode::kInvalidArgument, std::move(message)};
}
inline Error notFound(std::string message) {
  return Error{ErrorCode::kNotFound, std::move(message)};
}
inline Error unavailable(std::string message) {
  return Error{ErrorCode::kUnavailable, std::move(message)};
}
inline Error ioError(std::string message) {
  return Error{ErrorCode::kIo, std::move(message)};
}
inline Error internalError(std::string message) {
  return Error{ErrorCode::kInternal, std::move(message)};
}

// errno-based I/O failure: "WHAT: strerror(errno)".
Error errnoError(const std::string& what, int err);

}  // namespace outpost::core
