// Shared helpers for media unit tests: sockets on a random loopback address
// (so two test runs at once cannot collide), a raw UDP peer, and signal
// helpers.
#pragma once

#include <sys/socket.h>

#include <random>
#include <string>
#include <vector>

#include "media/audio.hpp"
#include "media/dtmf.hpp"
#include "media/g711.hpp"
#include "media/negotiation.hpp"
#include "media/rtp_packet.hpp"
#include "media/udp.hpp"

namespace outpost::media::test {

// 127.x.y.z with random x, y, z: a private corner of loopback for this test.
inline std::string randomLoopback() {
  static std::mt19937 rng(std::random_device{}());
  return "127." + std::to_string(1 + rng() % 250) + "." + std::to_string(rng() % 256) + "." +
         std::to_string(1 + rng() % 250);
}

// A pair of RTP sockets on `address` (any free ports: an allocator over the
// whole dynamic range).
inline RtpSockets socketsOn(const std::string& address) {
  static std::mt19937 rng(std::random_device{}());
  uint16_t base = static_cast<uint16_t>(20000 + 2 * (rng() % 15000));
  PortAllocator alloc(address, base, static_cast<uint16_t>(base + 999));
  auto s = alloc.allocate();
  if (!s) throw std::runtime_error(s.error().message);
  return std::move(*s);
}

// A plain UDP socket playing the far end.
struct Peer {
  core::UniqueFd fd;
  Endpoint self;
  explicit Peer(const std::string& address, uint16_t port = 0) {
    auto at = Endpoint::parse(address, port);
    auto f = bindUdp(*at);
    if (!f) throw std::runtime_error(f.error().message);
    fd = std::move(*f);
    self = *at;
    self.setPort(localPort(fd.get()));
  }
  void sendTo(const Endpoint& to, std::span<const uint8_t> data) const {
    ::sendto(fd.get(), data.data(), data.size(), 0, to.sa(), to.len);
  }
  void sendRtp(const Endpoint& to, const RtpHeader& h, std::span<const uint8_t> payload) const {
    std::vector<uint8_t> buf(kRtpHeaderSize + payload.size());
    writeRtp(buf, h, payload);
    sendTo(to, buf);
  }
  // Every datagram waiting now.
  std::vector<std::vector<uint8_t>> receiveAll() const {
    std::vector<std::vector<uint8_t>> out;
    for (;;) {
      std::vector<uint8_t> buf(2048);
      ssize_t n = ::recv(fd.get(), buf.data(), buf.size(), MSG_DONTWAIT);
      if (n < 0) break;
      buf.resize(static_cast<size_t>(n));
      out.push_back(std::move(buf));
    }
    return out;
  }
};

// Negotiated parameters toward addr:port (RTCP on port + 1).
inline MediaParams paramsTo(const std::string& addr, uint16_t port, Codec codec = Codec::kPcmu,
                            bool events = true) {
  MediaParams p;
  p.remoteAddress = addr;
  p.remotePort = port;
  p.remoteRtcpPort = static_cast<uint16_t>(port + 1);
  p.codec = codec;
  p.sendPt = p.recvPt = staticPayloadType(codec);
  if (events) p.sendEventPt = p.recvEventPt = 101;
  return p;
}

inline Endpoint endpoint(const std::string& address, uint16_t port) {
  return *Endpoint::parse(address, port);
}

// Frames of a signal in a law.
inline std::vector<uint8_t> encodeFrame(Law law, std::span<const int16_t> lin) {
  std::vector<uint8_t> out(lin.size());
  encode(law, lin, out);
  return out;
}

}  // namespace outpost::media::test
