#include "core/sd_notify.hpp"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string>

#include "core/handle.hpp"
#include "core/strings.hpp"

namespace outpost::core {

bool sdNotifyEnabled() {
  const char* p = std::getenv("NOTIFY_SOCKET");
  return p && *p;
}

Status sdNotify(std::string_view state) {
  const char* path = std::getenv("NOTIFY_SOCKET");
  if (!path || !*path) return Status::ok();
  size_t len = std::strlen(path);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (len >= sizeof addr.sun_path) return invalidArgument("NOTIFY_SOCKET path too long");
  std::memcpy(addr.sun_path, path, len);
  if (path[0] == '@') addr.sun_path[0] = '\0';  // abstract namespace
  UniqueFd fd(::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  if (!fd) return errnoError("sd_notify socket", errno);
  socklen_t alen = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + len);
  if (::sendto(fd.get(), state.data(), state.size(), MSG_NOSIGNAL,
               reinterpret_cast<sockaddr*>(&addr), alen) < 0) {
    return errnoError(std::string("sd_notify to ") + path, errno);
  }
  return Status::ok();
}

std::optional<Duration> sdWatchdogInterval() {
  const char* usec = std::getenv("WATCHDOG_USEC");
  if (!usec) return std::nullopt;
  if (const char* pid = std::getenv("WATCHDOG_PID")) {
    auto p = parseInt(pid);
    if (!p || *p != ::getpid()) return std::nullopt;
  }
  auto v = parseInt(usec);
  if (!v || *v <= 0) return std::nullopt;
  return std::chrono::microseconds(*v / 2);
}

}  // namespace outpost::core
