// UDP for RTP: numeric endpoints (IPv4 or IPv6), the even/odd socket pair of
// one RTP session taken from a configured port range, and batched datagram
// I/O (sendmmsg / recvmmsg with kernel receive timestamps). A syscall costs
// more than the work on one packet here, so packets of a tick leave together
// and a drain takes everything queued in one call.
//
// PortAllocator is owned by the control thread (MediaEngine); RtpSockets move
// to the media thread that uses them and their port is handed back by
// message. The I/O helpers are used by one thread at a time.
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>

#include <chrono>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "core/handle.hpp"
#include "core/result.hpp"

namespace outpost::media {

// A numeric address and port.
struct Endpoint {
  sockaddr_storage addr{};
  socklen_t len = 0;

  static core::Result<Endpoint> parse(const std::string& address, uint16_t port);
  bool valid() const { return len != 0; }
  uint16_t port() const;
  void setPort(uint16_t port);
  // Same address (ignoring the port)?
  bool sameAddress(const Endpoint& o) const;
  bool operator==(const Endpoint& o) const { return sameAddress(o) && port() == o.port(); }
  std::string str() const;  // "127.0.0.1:4000" / "[::1]:4000"
  const sockaddr* sa() const { return reinterpret_cast<const sockaddr*>(&addr); }
};

// The sockets of one RTP session: RTP on an even port, RTCP on the next.
struct RtpSockets {
  core::UniqueFd rtp;
  core::UniqueFd rtcp;
  uint16_t port = 0;
  std::string address;
};

class PortAllocator {
 public:
  // Ports [minPort, maxPort]; an odd minPort is rounded up. Pairs are tried
  // round robin, so a port just released is the last to be reused (late
  // packets of the old call do not land in a new one).
  PortAllocator(std::string address, uint16_t minPort, uint16_t maxPort);

  // Binds a free pair on the address. Fails with kUnavailable when every
  // pair is taken (by us or by another program).
  core::Result<RtpSockets> allocate();
  void release(uint16_t port);
  size_t inUse() const { return used_count_; }
  size_t capacity() const { return used_.size(); }
  const std::string& address() const { return address_; }

 private:
  std::string address_;
  uint16_t min_port_;
  std::vector<bool> used_;
  size_t used_count_ = 0;
  size_t next_ = 0;
};

// Binds a non-blocking UDP socket; port 0 picks any.
core::Result<core::UniqueFd> bindUdp(const Endpoint& local);
// The local port a socket is bound to.
uint16_t localPort(int fd);

// A datagram received by RecvBatch.
struct Datagram {
  std::span<const uint8_t> data;
  Endpoint from;
  std::chrono::steady_clock::time_point arrival;  // kernel timestamp, on our clock
  bool truncated = false;
};

// Reads up to kBatch datagrams per recvmmsg call.
class RecvBatch {
 public:
  static constexpr size_t kBatch = 16;
  RecvBatch();
  // One recvmmsg on a non-blocking socket: the datagrams waiting, possibly
  // none. Valid until the next call.
  std::span<const Datagram> read(int fd);

 private:
  std::vector<uint8_t> buffers_;
  std::vector<Datagram> out_;
  std::vector<mmsghdr> msgs_;
  std::vector<iovec> iov_;
  std::vector<sockaddr_storage> names_;
  std::vector<std::array<char, 64>> control_;
};

// Queues datagrams for one socket and sends them in one sendmmsg.
class SendBatch {
 public:
  static constexpr size_t kMaxPacket = 512;  // our RTP (40 ms G.711) and RTCP fit
  // Space for the next datagram; commit() it once written.
  std::span<uint8_t> next();
  void commit(size_t bytes, const Endpoint& to);
  size_t pending() const { return count_; }
  // Sends everything queued on fd; returns how many left the socket.
  size_t flush(int fd);

 private:
  struct Slot {
    std::array<uint8_t, kMaxPacket> data;
    size_t size = 0;
    Endpoint to;
  };
  std::vector<Slot> slots_;
  size_t count_ = 0;
};

// Turns on kernel receive timestamps for RecvBatch.
void enableTimestamps(int fd);

}  // namespace outpost::media
