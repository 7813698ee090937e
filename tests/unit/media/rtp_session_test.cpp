#include <boost/test/unit_test.hpp>
#include <set>
#include <thread>

#include "media/rtp_session.hpp"
#include "support.hpp"
#include "tests/support/process.hpp"

using namespace outpost::media;
using namespace outpost::media::test;
using namespace std::chrono_literals;
using outpost::core::TimePoint;

namespace {

struct Pair {
  std::string addrA = randomLoopback();
  std::string addrB = randomLoopback();
  RtpSession a;
  RtpSession b;
  RecvBatch batch;
  explicit Pair(RtpSession::Config cfg = {})
      : a(socketsOn(addrA), cfg, now()), b(socketsOn(addrB), cfg, now()) {
    a.setRemote(endpoint(addrB, b.localPort()), endpoint(addrB, b.localPort() + 1));
    b.setRemote(endpoint(addrA, a.localPort()), endpoint(addrA, a.localPort() + 1));
  }
  static TimePoint now() { return std::chrono::steady_clock::now(); }
  std::vector<RtpHeader> drainB() {
    std::vector<RtpHeader> got;
    b.drain(
        batch, [&](const RtpPacketView& v, TimePoint) { got.push_back(v.header); },
        [](uint8_t) { return true; });
    return got;
  }
};

const std::vector<uint8_t> kPayload(160, 0xFF);

}  // namespace

BOOST_AUTO_TEST_SUITE(rtp_session)

BOOST_AUTO_TEST_CASE(port_range_exhaustion_and_release) {
  std::string addr = randomLoopback();
  int fdsBefore = outpost::test::openFdCount();
  {
    PortAllocator alloc(addr, 31001,
                        31008);  // odd start: pairs 31002, 31004, 31006 (31008 has no +1)
    BOOST_TEST(alloc.capacity() == 3u);
    std::vector<RtpSockets> held;
    std::set<uint16_t> ports;
    for (int i = 0; i < 3; ++i) {
      auto s = alloc.allocate();
      BOOST_REQUIRE(s.isOk());
      BOOST_TEST(s->port % 2 == 0);
      BOOST_TEST(localPort(s->rtp.get()) == s->port);
      BOOST_TEST(localPort(s->rtcp.get()) == s->port + 1);
      ports.insert(s->port);
      held.push_back(std::move(*s));
    }
    BOOST_TEST(ports.size() == 3u);
    BOOST_TEST(alloc.inUse() == 3u);
    auto full = alloc.allocate();
    BOOST_REQUIRE(!full.isOk());
    BOOST_TEST((full.error().code == outpost::core::ErrorCode::kUnavailable));
    BOOST_TEST(full.error().message.find("no free RTP port pair") != std::string::npos);
    // Give one back: it can be taken again.
    uint16_t freed = held[1].port;
    held.erase(held.begin() + 1);
    alloc.release(freed);
    BOOST_TEST(alloc.inUse() == 2u);
    auto again = alloc.allocate();
    BOOST_REQUIRE(again.isOk());
    BOOST_TEST(again->port == freed);
    for (auto& h : held)
      alloc.release(h.port);
    alloc.release(again->port);
    BOOST_TEST(alloc.inUse() == 0u);
  }
  BOOST_TEST(outpost::test::openFdCount() == fdsBefore);
}

BOOST_AUTO_TEST_CASE(ports_taken_by_another_program_are_skipped) {
  std::string addr = randomLoopback();
  Peer squatter(addr, 32000);
  PortAllocator alloc(addr, 32000, 32003);
  auto s = alloc.allocate();
  BOOST_REQUIRE(s.isOk());
  BOOST_TEST(s->port == 32002);
  BOOST_TEST(!alloc.allocate().isOk());
}

BOOST_AUTO_TEST_CASE(packets_flow_with_sequence_and_statistics) {
  Pair p;
  auto t = Pair::now();
  for (uint32_t i = 0; i < 50; ++i)
    p.a.send(0, 1000 + i * 160, i == 0, kPayload, t);
  p.a.flush();
  auto got = p.drainB();
  BOOST_REQUIRE(got.size() == 50u);
  BOOST_TEST(got[0].marker);
  BOOST_TEST(!got[1].marker);
  BOOST_TEST(got[0].ssrc == p.a.ssrc());
  for (size_t i = 1; i < got.size(); ++i)
    BOOST_TEST(static_cast<uint16_t>(got[i].sequence - got[i - 1].sequence) == 1);
  BOOST_TEST(p.b.receiveStats().expected() == 50u);
  BOOST_TEST(p.b.receiveStats().lost() == 0);
  BOOST_TEST(p.b.counters().packetsReceived == 50u);
  BOOST_TEST(p.b.counters().octetsReceived == 50u * 160);
  BOOST_TEST(p.a.counters().packetsSent == 50u);
  BOOST_TEST(p.b.latched());
}

BOOST_AUTO_TEST_CASE(malformed_packets_are_counted_and_dropped) {
  Pair p;
  // Garbage from the far end's own address (the attacker may spoof it).
  Peer junk(p.addrA);
  Endpoint toB = endpoint(p.addrB, p.b.localPort());
  std::vector<std::vector<uint8_t>> bad = {{},
                                           {0x80},
                                           std::vector<uint8_t>(11, 0x80),
                                           {0x40, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1},
                                           {0x8F, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 1, 2, 3},
                                           {0xA0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 9}};
  for (auto& b : bad)
    junk.sendTo(toB, b);
  std::vector<uint8_t> huge(3000, 0x80);
  junk.sendTo(toB, huge);  // larger than we read: truncated, refused
  auto t = Pair::now();
  p.a.send(0, 0, true, kPayload, t);
  p.a.flush();
  auto got = p.drainB();
  BOOST_TEST(got.size() == 1u);
  BOOST_TEST(p.b.counters().malformed >= 6u);
}

BOOST_AUTO_TEST_CASE(symmetric_rtp_latches_once_onto_the_sdp_address) {
  // B's SDP says A is on port X, but A really sends from another port (NAT).
  Pair p;
  Endpoint wrongPort = endpoint(p.addrA, static_cast<uint16_t>(p.a.localPort() + 100));
  p.b.setRemote(wrongPort, wrongPort);
  BOOST_TEST(!p.b.latched());
  auto t = Pair::now();
  p.a.send(0, 0, true, kPayload, t);
  p.a.flush();
  BOOST_TEST(p.drainB().size() == 1u);
  BOOST_TEST(p.b.latched());
  BOOST_TEST((p.b.destination() == endpoint(p.addrA, p.a.localPort())));
  // B now answers where A's packets come from.
  p.b.send(0, 0, true, kPayload, t);
  p.b.flush();
  size_t toA = p.a.drain(
      p.batch, [](const RtpPacketView&, TimePoint) {}, [](uint8_t) { return true; });
  BOOST_TEST(toA == 1u);
  // Another source, even on A's address, cannot take the stream over.
  Peer sameHost(p.addrA);
  Peer elsewhere(randomLoopback());
  Endpoint toB = endpoint(p.addrB, p.b.localPort());
  sameHost.sendRtp(toB, RtpHeader{false, 0, 7, 0, 99}, kPayload);
  elsewhere.sendRtp(toB, RtpHeader{false, 0, 8, 0, 98}, kPayload);
  BOOST_TEST(p.drainB().empty());
  BOOST_TEST(p.b.counters().wrongSource == 2u);
  BOOST_TEST((p.b.destination() == endpoint(p.addrA, p.a.localPort())));
  // A re-INVITE starts over.
  p.b.setRemote(endpoint(p.addrA, p.a.localPort()), endpoint(p.addrA, p.a.localPort() + 1));
  BOOST_TEST(!p.b.latched());
}

BOOST_AUTO_TEST_CASE(latching_rules_off_and_any) {
  {
    RtpSession::Config cfg;
    cfg.latching = Latching::kAny;
    Pair p(cfg);
    Peer nat(randomLoopback());  // a phone behind NAT: another address altogether
    Endpoint toB = endpoint(p.addrB, p.b.localPort());
    nat.sendRtp(toB, RtpHeader{true, 0, 1, 0, 5}, kPayload);
    BOOST_TEST(p.drainB().size() == 1u);
    BOOST_TEST((p.b.destination() == nat.self));
    // First come decides; the SDP address itself is now refused.
    auto t = Pair::now();
    p.a.send(0, 0, true, kPayload, t);
    p.a.flush();
    BOOST_TEST(p.drainB().empty());
  }
  {
    RtpSession::Config cfg;
    cfg.latching = Latching::kSameAddress;
    Pair p(cfg);
    Peer nat(randomLoopback());
    nat.sendRtp(endpoint(p.addrB, p.b.localPort()), RtpHeader{true, 0, 1, 0, 5}, kPayload);
    BOOST_TEST(p.drainB().empty());  // not the SDP address: refused
    BOOST_TEST(!p.b.latched());
  }
  {
    RtpSession::Config cfg;
    cfg.latching = Latching::kOff;
    Pair p(cfg);
    Endpoint sdp = endpoint(p.addrA, static_cast<uint16_t>(p.a.localPort() + 100));
    p.b.setRemote(sdp, sdp);
    auto t = Pair::now();
    p.a.send(0, 0, true, kPayload, t);
    p.a.flush();
    BOOST_TEST(p.drainB().size() == 1u);     // SDP address, other port: accepted ...
    BOOST_TEST((p.b.destination() == sdp));  // ... but we keep sending to the SDP port
    BOOST_TEST(!p.b.latched());
  }
}

BOOST_AUTO_TEST_CASE(receiver_report_describes_loss_and_jitter) {
  std::string addrB = randomLoopback();
  Peer far(randomLoopback());
  RtpSession b(socketsOn(addrB), {}, Pair::now());
  b.setRemote(far.self, far.self);
  RecvBatch batch;
  Endpoint toB = endpoint(addrB, b.localPort());
  // Sequence 100..119 with 105 and 110 lost.
  for (uint16_t s = 100; s < 120; ++s)
    if (s != 105 && s != 110) far.sendRtp(toB, RtpHeader{false, 0, s, s * 160u, 0x5EED}, kPayload);
  b.drain(
      batch, [](const RtpPacketView&, TimePoint) {}, [](uint8_t) { return true; });
  BOOST_TEST(b.receiveStats().lost() == 2);
  b.sendReport(Pair::now());
  auto got = far.receiveAll();
  BOOST_REQUIRE(got.size() == 1u);
  auto r = parseRtcp(got[0]);
  BOOST_REQUIRE(r.isOk());
  BOOST_TEST(r->ssrc == b.ssrc());
  BOOST_TEST(!r->sender.has_value());  // we sent nothing: RR
  BOOST_REQUIRE(r->blocks.size() == 1u);
  BOOST_TEST(r->blocks[0].ssrc == 0x5EEDu);
  BOOST_TEST(r->blocks[0].fractionLost == 2 * 256 / 20);
  BOOST_TEST(r->blocks[0].cumulativeLost == 2);
  BOOST_TEST(r->blocks[0].highestSeq == 119u);
  BOOST_TEST(r->blocks[0].lsr == 0u);
  BOOST_TEST(r->cname == "outpost");
  BOOST_TEST(b.counters().rtcpSent == 1u);
}

BOOST_AUTO_TEST_CASE(sender_reports_give_both_sides_round_trip_time) {
  Pair p;
  auto t = Pair::now();
  for (uint32_t i = 0; i < 10; ++i)
    p.a.send(0, i * 160, false, kPayload, t);
  p.a.flush();
  p.drainB();
  p.a.sendReport(Pair::now());  // SR
  BOOST_TEST(p.b.readRtcp(p.batch, Pair::now()).has_value());
  std::this_thread::sleep_for(5ms);
  p.b.sendReport(Pair::now());  // RR with LSR/DLSR about A
  auto s = p.a.readRtcp(p.batch, Pair::now());
  BOOST_REQUIRE(s.has_value());
  BOOST_REQUIRE(s->roundTrip.has_value());
  // Loopback: well under 5 ms (B's 5 ms hold time is subtracted via DLSR).
  BOOST_TEST(s->roundTrip->count() < 5000);
  BOOST_TEST(s->remoteFractionLost == 0);
  BOOST_TEST(!s->bye);
  p.b.sendReport(Pair::now(), true);
  BOOST_TEST(p.a.readRtcp(p.batch, Pair::now())->bye);
}

BOOST_AUTO_TEST_CASE(reports_are_due_at_the_rfc_interval) {
  Pair p;
  auto t0 = Pair::now();
  // The first report comes within 0.5 x 2.5 s .. 1.5 x 2.5 s / 1.218.
  BOOST_TEST(!p.a.rtcpDue(t0 + 1000ms));
  BOOST_TEST(p.a.rtcpDue(t0 + 3100ms));
  p.a.sendReport(t0 + 3100ms);
  BOOST_TEST(!p.a.rtcpDue(t0 + 3100ms + 2000ms));
  BOOST_TEST(p.a.rtcpDue(t0 + 3100ms + 6200ms));
}

BOOST_AUTO_TEST_CASE(rtcp_from_strangers_and_junk_is_dropped) {
  Pair p;
  Peer stranger(randomLoopback());
  std::vector<uint8_t> buf(256);
  size_t n = writeRtcp(buf, 1, std::nullopt, {}, "x", true);
  stranger.sendTo(endpoint(p.addrB, p.b.localPort() + 1), std::span(buf).first(n));
  Peer junk(p.addrA);
  std::vector<uint8_t> garbage = {0x81, 0xC9, 0, 40, 1, 2};
  junk.sendTo(endpoint(p.addrB, p.b.localPort() + 1), garbage);
  BOOST_TEST(!p.b.readRtcp(p.batch, Pair::now()).has_value());
  BOOST_TEST(p.b.counters().wrongSource == 1u);
  BOOST_TEST(p.b.counters().rtcpMalformed == 1u);
}

BOOST_AUTO_TEST_SUITE_END()
