// Packet I/O per RTP packet on loopback, measured side by side in one run:
// - unbatched: one sendto() and one recv() per packet, each packet on its own
//   socket pair (what a naive per-call relay does);
// - batched: sendmmsg()/recvmmsg() with 16 packets per call on one socket
//   pair (what a relay that multiplexes many flows on one socket can do);
// - per call, as the bridge does it: every call has its own socket pair (its
//   own SDP port), so a 20 ms tick is one send of that call's packet(s)
//   and one recvmmsg() that drains its socket; at ptime 10 two packets share
//   each syscall.
#include <sys/socket.h>

#include <vector>

#include "bench/bench.hpp"
#include "media/udp.hpp"
#include "tests/support/process.hpp"

using namespace outpost::media;
using Clock = std::chrono::steady_clock;

namespace {

struct Pairs {
  std::vector<outpost::core::UniqueFd> tx, rx;
  std::vector<Endpoint> rxAt;
  Pairs(const std::string& addr, int n) {
    for (int i = 0; i < n; ++i) {
      auto at = *Endpoint::parse(addr, 0);
      tx.push_back(bindUdp(at).value());
      rx.push_back(bindUdp(at).value());
      at.setPort(localPort(rx.back().get()));
      rxAt.push_back(at);
    }
  }
};

constexpr size_t kPacket = 172;  // 12-byte RTP header + 20 ms of G.711

double unbatched(Pairs& p, int rounds) {
  std::vector<uint8_t> pkt(kPacket, 0xFF), buf(2048);
  size_t n = p.tx.size();
  auto t = Clock::now();
  for (int r = 0; r < rounds; ++r) {
    for (size_t i = 0; i < n; ++i)
      sendto(p.tx[i].get(), pkt.data(), pkt.size(), 0, p.rxAt[i].sa(), p.rxAt[i].len);
    for (size_t i = 0; i < n; ++i)
      recv(p.rx[i].get(), buf.data(), buf.size(), MSG_DONTWAIT);
  }
  return outpost::bench::secondsSince(t) * 1e6 / (static_cast<double>(rounds) * n);
}

double batchedOneSocket(Pairs& p, int rounds) {
  SendBatch out;
  RecvBatch in;
  std::vector<uint8_t> pkt(kPacket, 0xFF);
  size_t got = 0;
  auto t = Clock::now();
  for (int r = 0; r < rounds; ++r) {
    for (size_t k = 0; k < RecvBatch::kBatch; ++k) {
      auto slot = out.next();
      std::copy(pkt.begin(), pkt.end(), slot.begin());
      out.commit(pkt.size(), p.rxAt[0]);
    }
    out.flush(p.tx[0].get());
    got += in.read(p.rx[0].get()).size();
  }
  double per =
      outpost::bench::secondsSince(t) * 1e6 / static_cast<double>(rounds * RecvBatch::kBatch);
  if (got != rounds * RecvBatch::kBatch)
    std::printf("(batched: %zu of %zu received)\n", got, rounds * RecvBatch::kBatch);
  return per;
}

double perCall(Pairs& p, int rounds, int packetsPerTick) {
  std::vector<SendBatch> out(p.tx.size());
  RecvBatch in;
  std::vector<uint8_t> pkt(kPacket, 0xFF);
  size_t n = p.tx.size();
  auto t = Clock::now();
  for (int r = 0; r < rounds; ++r) {
    for (size_t i = 0; i < n; ++i) {
      for (int k = 0; k < packetsPerTick; ++k) {
        auto slot = out[i].next();
        std::copy(pkt.begin(), pkt.end(), slot.begin());
        out[i].commit(pkt.size(), p.rxAt[i]);
      }
      out[i].flush(p.tx[i].get());
    }
    for (size_t i = 0; i < n; ++i)
      in.read(p.rx[i].get());
  }
  return outpost::bench::secondsSince(t) * 1e6 / (static_cast<double>(rounds) * n * packetsPerTick);
}

}  // namespace

int main() {
  std::string addr = "127.0.0." + std::to_string(10 + getpid() % 200);
  Pairs p(addr, 500);
  unbatched(p, 20);  // warm up
  double u = unbatched(p, 400);
  double b = batchedOneSocket(p, 20000);
  double c20 = perCall(p, 400, 1);
  double c10 = perCall(p, 400, 2);
  outpost::bench::record("media.io.unbatched_per_packet", u, "us", 0,
                         "sendto+recv, 500 socket pairs, 172-byte packets");
  outpost::bench::record("media.io.batched_per_packet", b, "us", u,
                         "sendmmsg+recvmmsg x16 on one socket pair; baseline unbatched");
  outpost::bench::record(
      "media.io.bridge_ptime20_per_packet", c20, "us", u,
      "per-call sockets: one sendto (sendmmsg for more) + one recvmmsg per call per tick");
  outpost::bench::record("media.io.bridge_ptime10_per_packet", c10, "us", u,
                         "per-call sockets, two packets per syscall");
  return 0;
}
