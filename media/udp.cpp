#include "media/udp.hpp"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <time.h>
#include <unistd.h>

#include <array>
#include <cstring>

namespace outpost::media {

core::Result<Endpoint> Endpoint::parse(const std::string& address, uint16_t port) {
  Endpoint e;
  std::string host = address;
  if (host.size() > 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  auto* v4 = reinterpret_cast<sockaddr_in*>(&e.addr);
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&e.addr);
  if (inet_pton(AF_INET, host.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(port);
    e.len = sizeof(sockaddr_in);
    return e;
  }
  if (inet_pton(AF_INET6, host.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(port);
    e.len = sizeof(sockaddr_in6);
    return e;
  }
  return core::invalidArgument("not a numeric IP address: '" + address + "'");
}

uint16_t Endpoint::port() const {
  if (addr.ss_family == AF_INET)
    return ntohs(reinterpret_cast<const sockaddr_in*>(&addr)->sin_port);
  if (addr.ss_family == AF_INET6)
    return ntohs(reinterpret_cast<const sockaddr_in6*>(&addr)->sin6_port);
  return 0;
}

void Endpoint::setPort(uint16_t port) {
  if (addr.ss_family == AF_INET) reinterpret_cast<sockaddr_in*>(&addr)->sin_port = htons(port);
  if (addr.ss_family == AF_INET6) reinterpret_cast<sockaddr_in6*>(&addr)->sin6_port = htons(port);
}

bool Endpoint::sameAddress(const Endpoint& o) const {
  if (addr.ss_family != o.addr.ss_family) return false;
  if (addr.ss_family == AF_INET)
    return reinterpret_cast<const sockaddr_in*>(&addr)->sin_addr.s_addr ==
           reinterpret_cast<const sockaddr_in*>(&o.addr)->sin_addr.s_addr;
  if (addr.ss_family == AF_INET6)
    return std::memcmp(&reinterpret_cast<const sockaddr_in6*>(&addr)->sin6_addr,
                       &reinterpret_cast<const sockaddr_in6*>(&o.addr)->sin6_addr,
                       sizeof(in6_addr)) == 0;
  return false;
}

std::string Endpoint::str() const {
  char buf[INET6_ADDRSTRLEN] = "?";
  if (addr.ss_family == AF_INET) {
    inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(&addr)->sin_addr, buf, sizeof buf);
    return std::string(buf) + ":" + std::to_string(port());
  }
  if (addr.ss_family == AF_INET6) {
    inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6*>(&addr)->sin6_addr, buf, sizeof buf);
    return "[" + std::string(buf) + "]:" + std::to_string(port());
  }
  return "-";
}

core::Result<core::UniqueFd> bindUdp(const Endpoint& local) {
  core::UniqueFd fd(socket(local.addr.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!fd) return core::errnoError("socket", errno);
  if (bind(fd.get(), local.sa(), local.len) != 0) {
    int err = errno;
    return core::Error{err == EADDRINUSE ? core::ErrorCode::kUnavailable : core::ErrorCode::kIo,
                       "bind " + local.str() + ": " + std::strerror(err)};
  }
  return fd;
}

uint16_t localPort(int fd) {
  sockaddr_storage ss{};
  socklen_t len = sizeof ss;
  if (getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len) != 0) return 0;
  Endpoint e;
  e.addr = ss;
  e.len = len;
  return e.port();
}

void enableTimestamps(int fd) {
  int on = 1;
  setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof on);
}

PortAllocator::PortAllocator(std::string address, uint16_t minPort, uint16_t maxPort)
    : address_(std::move(address)), min_port_(static_cast<uint16_t>(minPort + (minPort & 1))) {
  size_t pairs = maxPort > min_port_ ? (static_cast<size_t>(maxPort) - min_port_ + 1) / 2 : 0;
  used_.assign(pairs, false);
}

core::Result<RtpSockets> PortAllocator::allocate() {
  auto base = Endpoint::parse(address_, 0);
  if (!base) return base.error();
  for (size_t tried = 0; tried < used_.size(); ++tried) {
    size_t i = next_;
    next_ = (next_ + 1) % used_.size();
    if (used_[i]) continue;
    auto port = static_cast<uint16_t>(min_port_ + 2 * i);
    Endpoint rtpAt = *base, rtcpAt = *base;
    rtpAt.setPort(port);
    rtcpAt.setPort(static_cast<uint16_t>(port + 1));
    auto rtp = bindUdp(rtpAt);
    if (!rtp) {
      if (rtp.error().code == core::ErrorCode::kUnavailable) continue;  // another program has it
      return rtp.error();
    }
    auto rtcp = bindUdp(rtcpAt);
    if (!rtcp) {
      if (rtcp.error().code == core::ErrorCode::kUnavailable) continue;
      return rtcp.error();
    }
    enableTimestamps(rtp->get());
    // Room for a burst after a stall of the media thread: ~200 ms of 50 calls.
    int size = 256 * 1024;
    setsockopt(rtp->get(), SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
    used_[i] = true;
    ++used_count_;
    RtpSockets s;
    s.rtp = std::move(*rtp);
    s.rtcp = std::move(*rtcp);
    s.port = port;
    s.address = address_;
    return s;
  }
  return core::unavailable("no free RTP port pair in " + std::to_string(min_port_) + "-" +
                           std::to_string(min_port_ + 2 * used_.size() - 1) + " on " + address_ +
                           " (" + std::to_string(used_count_) + " in use)");
}

void PortAllocator::release(uint16_t port) {
  if (port < min_port_ || (port - min_port_) % 2 != 0) return;
  size_t i = (port - min_port_) / 2;
  if (i < used_.size() && used_[i]) {
    used_[i] = false;
    --used_count_;
  }
}

RecvBatch::RecvBatch()
    : buffers_(kBatch * 2048),
      out_(kBatch),
      msgs_(kBatch),
      iov_(kBatch),
      names_(kBatch),
      control_(kBatch) {
  for (size_t i = 0; i < kBatch; ++i) {
    iov_[i] = {buffers_.data() + i * 2048, 2048};
    std::memset(&msgs_[i], 0, sizeof(mmsghdr));
    msgs_[i].msg_hdr.msg_iov = &iov_[i];
    msgs_[i].msg_hdr.msg_iovlen = 1;
    msgs_[i].msg_hdr.msg_name = &names_[i];
    msgs_[i].msg_hdr.msg_control = control_[i].data();
  }
}

std::span<const Datagram> RecvBatch::read(int fd) {
  // The kernel rewrites these two on every receive.
  for (size_t i = 0; i < kBatch; ++i) {
    msgs_[i].msg_hdr.msg_namelen = sizeof(sockaddr_storage);
    msgs_[i].msg_hdr.msg_controllen = control_[i].size();
  }
  int n = recvmmsg(fd, msgs_.data(), kBatch, MSG_DONTWAIT, nullptr);
  if (n <= 0) return {};
  // Kernel timestamps are CLOCK_REALTIME; move them onto the steady clock.
  auto steadyNow = std::chrono::steady_clock::now();
  timespec rt{};
  clock_gettime(CLOCK_REALTIME, &rt);
  int64_t rtNow = int64_t{rt.tv_sec} * 1000000000 + rt.tv_nsec;
  for (int i = 0; i < n; ++i) {
    Datagram& d = out_[static_cast<size_t>(i)];
    const msghdr& h = msgs_[static_cast<size_t>(i)].msg_hdr;
    d.data = {buffers_.data() + static_cast<size_t>(i) * 2048,
              msgs_[static_cast<size_t>(i)].msg_len};
    d.truncated = (h.msg_flags & MSG_TRUNC) != 0;
    d.from.addr = names_[static_cast<size_t>(i)];
    d.from.len = h.msg_namelen;
    d.arrival = steadyNow;
    for (cmsghdr* c = CMSG_FIRSTHDR(const_cast<msghdr*>(&h)); c;
         c = CMSG_NXTHDR(const_cast<msghdr*>(&h), c)) {
      if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPNS) {
        timespec ts;
        std::memcpy(&ts, CMSG_DATA(c), sizeof ts);
        int64_t at = int64_t{ts.tv_sec} * 1000000000 + ts.tv_nsec;
        int64_t age = rtNow - at;
        if (age > 0 && age < 10'000'000'000) d.arrival = steadyNow - std::chrono::nanoseconds(age);
      }
    }
  }
  return {out_.data(), static_cast<size_t>(n)};
}

std::span<uint8_t> SendBatch::next() {
  if (count_ == slots_.size()) slots_.emplace_back();
  return slots_[count_].data;
}

void SendBatch::commit(size_t bytes, const Endpoint& to) {
  if (count_ == slots_.size() || bytes == 0 || !to.valid()) return;
  slots_[count_].size = bytes;
  slots_[count_].to = to;
  ++count_;
}

size_t SendBatch::flush(int fd) {
  if (count_ == 0) return 0;
  if (count_ == 1) {
    // One datagram: plain sendto() is a little cheaper than sendmmsg().
    const Slot& s = slots_[0];
    count_ = 0;
    return ::sendto(fd, s.data.data(), s.size, MSG_DONTWAIT, s.to.sa(), s.to.len) >= 0 ? 1 : 0;
  }
  std::array<mmsghdr, 16> msgs{};
  std::array<iovec, 16> iov{};
  size_t sent = 0, done = 0;
  while (done < count_) {
    size_t n = std::min<size_t>(16, count_ - done);
    for (size_t i = 0; i < n; ++i) {
      Slot& s = slots_[done + i];
      iov[i] = {s.data.data(), s.size};
      msgs[i] = {};
      msgs[i].msg_hdr.msg_iov = &iov[i];
      msgs[i].msg_hdr.msg_iovlen = 1;
      msgs[i].msg_hdr.msg_name = &s.to.addr;
      msgs[i].msg_hdr.msg_namelen = s.to.len;
    }
    int r = sendmmsg(fd, msgs.data(), static_cast<unsigned>(n), MSG_DONTWAIT);
    // A full socket buffer or an ICMP error from an earlier datagram: what
    // did not leave is dropped, as a network would.
    if (r > 0) sent += static_cast<size_t>(r);
    done += r > 0 ? static_cast<size_t>(r) : 1;
  }
  count_ = 0;
  return sent;
}

}  // namespace outpost::media
