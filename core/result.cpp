#include "core/result.hpp"

#include <cstring>

#include "core/handle.hpp"

#include <unistd.h>

namespace outpost::core {

const char* errorCodeName(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalidArgument:
      return "invalid argument";
    case ErrorCode::kNotFound:
      return "not found";
    case ErrorCode::kAlreadyExists:
      return "already exists";
    case ErrorCode::kUnavailable:
      return "unavailable";
    case ErrorCode::kIo:
      return "i/o error";
    case ErrorCode::kInternal:
      return "internal error";
  }
  return "error";
}

Error errnoError(const std::string& what, int err) {
  return Error{ErrorCode::kIo, what + ": " + std::strerror(err)};
}

void UniqueFd::reset(int fd) {
  if (fd_ >= 0) ::close(fd_);
  fd_ = fd;
}

}  // namespace outpost::core
