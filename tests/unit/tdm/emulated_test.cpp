// The emulated backend with two real ends over UNIX sockets in a temp dir:
// line up and down, alarms signalled the way a framer does, D-channel frames,
// refusal of a mismatched far end, malformed input, and bearer frames paced
// by the master and answered by the loop-timed end.
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <cstring>

#include "core/event_loop.hpp"
#include "tdm/emulated_span.hpp"
#include "tdm/emulated_wire.hpp"
#include "tests/support/process.hpp"

using namespace outpost;
using namespace outpost::tdm;
using namespace std::chrono_literals;

namespace {

struct End {
  std::unique_ptr<EmulatedSpan> span;
  std::vector<std::vector<uint8_t>> frames;
  int changes = 0;

  End(const std::string& name, const std::string& path, Side side, LineType line = LineType::kT1) {
    EmulatedOptions o;
    o.socket_path = path;
    o.retry_interval = 20ms;
    span =
        std::make_unique<EmulatedSpan>(name, SpanLayout::standard(line), defaultLaw(line), side, o);
  }
  core::Status start(core::EventLoop& loop) {
    return span->start(
        loop, {[this](std::span<const uint8_t> f) { frames.emplace_back(f.begin(), f.end()); },
               [this] { ++changes; }});
  }
  bool up() const {
    auto s = span->lineStatus();
    return s.connected && !s.alarms.any();
  }
};

struct Fixture {
  core::SofiaInit su;
  core::EventLoop loop;
  test::TempDir dir;
  std::string path = dir.file("span1.sock");
};

bool runUntil(core::EventLoop& loop, const std::function<bool()>& pred, core::Duration limit = 3s) {
  return loop.runUntil(pred, limit);
}

// Services the loop and any bearer ports for `d` of real time.
void pump(core::EventLoop& loop, std::vector<BearerPort*> ports, core::Duration d) {
  auto end = std::chrono::steady_clock::now() + d;
  while (std::chrono::steady_clock::now() < end) {
    std::vector<pollfd> fds;
    for (auto* p : ports)
      fds.push_back({p->fd(), POLLIN, 0});
    ::poll(fds.data(), fds.size(), 2);
    for (size_t i = 0; i < ports.size(); ++i)
      if (fds[i].revents & POLLIN) ports[i]->service();
    loop.runOnce(0ms);
  }
}

std::vector<uint8_t> bytes(std::initializer_list<uint8_t> b) {
  return b;
}

}  // namespace

BOOST_FIXTURE_TEST_SUITE(emulated, Fixture)

BOOST_AUTO_TEST_CASE(two_ends_come_up_and_carry_dchannel_frames_both_ways) {
  End net("net", path, Side::kNetwork), cpe("cpe", path, Side::kCpe);
  BOOST_REQUIRE(net.start(loop).isOk());
  BOOST_REQUIRE(cpe.start(loop).isOk());
  BOOST_TEST((net.span->mode() == EmulatedOptions::Mode::kListen));
  BOOST_TEST((cpe.span->clocking() == Clocking::kLoop));
  BOOST_REQUIRE(runUntil(loop, [&] { return net.up() && cpe.up(); }));

  auto sabme = bytes({0x00, 0x01, 0x7f});
  auto info = bytes({0x02, 0x01, 0x00, 0x00, 0x08, 0x02, 0x00, 0x01, 0x05});
  BOOST_TEST(cpe.span->sendFrame(sabme));
  BOOST_TEST(net.span->sendFrame(info));
  BOOST_REQUIRE(runUntil(loop, [&] { return !net.frames.empty() && !cpe.frames.empty(); }));
  BOOST_TEST(net.frames[0] == sabme);
  BOOST_TEST(cpe.frames[0] == info);
}

BOOST_AUTO_TEST_CASE(no_far_end_is_red_until_one_appears_and_again_when_it_leaves) {
  End cpe("cpe", path, Side::kCpe);
  BOOST_REQUIRE(cpe.start(loop).isOk());
  auto s = cpe.span->lineStatus();
  BOOST_TEST(!s.connected);
  BOOST_TEST(s.alarms.red);
  BOOST_TEST(s.detail.find("no far end at " + path) != std::string::npos);
  BOOST_TEST(!cpe.span->sendFrame(bytes({0, 1, 0x7f})));

  auto net = std::make_unique<End>("net", path, Side::kNetwork);
  BOOST_REQUIRE(net->start(loop).isOk());
  BOOST_REQUIRE(runUntil(loop, [&] { return cpe.up(); }));
  int before = cpe.changes;
  net.reset();  // the far end's process dies
  BOOST_REQUIRE(runUntil(loop, [&] { return cpe.span->lineStatus().alarms.red; }));
  BOOST_TEST(cpe.changes > before);
  // ... and comes back: the connecting end reconnects by itself.
  net = std::make_unique<End>("net", path, Side::kNetwork);
  BOOST_REQUIRE(net->start(loop).isOk());
  BOOST_REQUIRE(runUntil(loop, [&] { return cpe.up() && net->up(); }));
}

BOOST_AUTO_TEST_CASE(simulated_alarms_reach_the_far_end_as_a_framer_would_report_them) {
  End net("net", path, Side::kNetwork), cpe("cpe", path, Side::kCpe);
  BOOST_REQUIRE(net.start(loop).isOk() && cpe.start(loop).isOk());
  BOOST_REQUIRE(runUntil(loop, [&] { return net.up() && cpe.up(); }));

  // The network stops transmitting: the CPE is in red and answers with RAI,
  // so the network side sees yellow.
  net.span->simulateAlarm(SimulatedAlarm::kRed);
  BOOST_REQUIRE(runUntil(loop, [&] {
    return cpe.span->lineStatus().alarms.red && net.span->lineStatus().alarms.yellow;
  }));
  BOOST_TEST(!net.span->sendFrame(bytes({0, 1, 0x7f})));
  net.span->simulateAlarm(SimulatedAlarm::kNone);
  BOOST_REQUIRE(runUntil(loop, [&] { return net.up() && cpe.up(); }));

  net.span->simulateAlarm(SimulatedAlarm::kBlue);
  BOOST_REQUIRE(runUntil(loop, [&] { return cpe.span->lineStatus().alarms.blue; }));
  net.span->simulateAlarm(SimulatedAlarm::kYellow);
  BOOST_REQUIRE(runUntil(loop, [&] {
    auto a = cpe.span->lineStatus().alarms;
    return a.yellow && !a.blue && !a.red;
  }));
  // A yellow alarm is only a report: the line still carries the D-channel.
  BOOST_TEST(cpe.span->sendFrame(bytes({0, 1, 0x7f})));
  net.span->simulateAlarm(SimulatedAlarm::kNone);
  BOOST_REQUIRE(runUntil(loop, [&] { return net.up() && cpe.up(); }));
}

BOOST_AUTO_TEST_CASE(a_blocked_dchannel_drops_frames_both_ways_but_keeps_the_line) {
  End net("net", path, Side::kNetwork), cpe("cpe", path, Side::kCpe);
  BOOST_REQUIRE(net.start(loop).isOk() && cpe.start(loop).isOk());
  BOOST_REQUIRE(runUntil(loop, [&] { return net.up() && cpe.up(); }));
  net.span->setDchannelBlocked(true);
  BOOST_TEST(!net.span->sendFrame(bytes({0, 1, 0x7f})));
  BOOST_TEST(cpe.span->sendFrame(bytes({0, 1, 0x7f})));
  loop.runUntil([] { return false; }, 100ms);
  BOOST_TEST(net.frames.empty());
  BOOST_TEST(cpe.frames.empty());
  BOOST_TEST(net.up());
  net.span->setDchannelBlocked(false);
  BOOST_TEST(cpe.span->sendFrame(bytes({0, 1, 0x7f})));
  BOOST_REQUIRE(runUntil(loop, [&] { return net.frames.size() == 1; }));
}

BOOST_AUTO_TEST_CASE(a_mismatched_far_end_is_refused_with_the_reason) {
  End net("net", path, Side::kNetwork, LineType::kE1), cpe("cpe", path, Side::kCpe);
  BOOST_REQUIRE(net.start(loop).isOk() && cpe.start(loop).isOk());
  BOOST_REQUIRE(runUntil(
      loop, [&] { return cpe.span->lineStatus().detail.find("refused") != std::string::npos; }));
  auto s = cpe.span->lineStatus();
  BOOST_TEST(!s.connected);
  BOOST_TEST(s.alarms.red);
  BOOST_TEST(
      s.detail.find("the far end is a t1 ulaw cpe side; this span is a e1 alaw network side") !=
          std::string::npos,
      s.detail);
  BOOST_TEST(!net.span->lineStatus().connected);
}

BOOST_AUTO_TEST_CASE(two_network_sides_refuse_each_other) {
  End a("a", path, Side::kNetwork);
  EmulatedOptions o;
  o.socket_path = path;
  o.mode = EmulatedOptions::Mode::kConnect;
  o.retry_interval = 20ms;
  EmulatedSpan b("b", SpanLayout::standard(LineType::kT1), Law::kMulaw, Side::kNetwork, o);
  BOOST_REQUIRE(a.start(loop).isOk());
  BOOST_REQUIRE(b.start(loop, {}).isOk());
  BOOST_REQUIRE(runUntil(loop, [&] {
    return b.lineStatus().detail.find("both ends are the network side") != std::string::npos;
  }));
}

BOOST_AUTO_TEST_CASE(a_second_listener_on_a_live_path_is_an_error) {
  End a("a", path, Side::kNetwork), b("b", path, Side::kNetwork);
  BOOST_REQUIRE(a.start(loop).isOk());
  auto s = b.start(loop);
  BOOST_REQUIRE(!s.isOk());
  BOOST_TEST(s.message().find("already listening on " + path) != std::string::npos);

  End c("c", std::string(200, 'x'), Side::kNetwork);
  auto t = c.start(loop);
  BOOST_REQUIRE(!t.isOk());
  BOOST_TEST(t.message().find("the limit is 107") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(malformed_messages_are_counted_and_the_line_keeps_serving) {
  End net("net", path, Side::kNetwork);
  BOOST_REQUIRE(net.start(loop).isOk());
  // A hand-made far end: a correct HELLO, then junk, then a good frame.
  int fd = ::socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
  sockaddr_un a{};
  a.sun_family = AF_UNIX;
  std::strcpy(a.sun_path, path.c_str());
  BOOST_REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
  auto hello =
      wire::encodeHello({wire::ConnKind::kLine, LineType::kT1, Law::kMulaw, Side::kCpe, "raw"});
  BOOST_REQUIRE(::send(fd, hello.data(), hello.size(), 0) > 0);
  BOOST_REQUIRE(runUntil(loop, [&] { return net.up(); }));
  for (auto junk : {bytes({9, 9, 9}), bytes({2, 1}), bytes({3, 0xff}), bytes({}), bytes({1, 'O'})})
    ::send(fd, junk.data(), junk.size(), 0);
  auto good = wire::encodeDFrame(bytes({0x00, 0x01, 0x7f}));
  ::send(fd, good.data(), good.size(), 0);
  BOOST_REQUIRE(runUntil(loop, [&] { return net.frames.size() == 1; }));
  BOOST_TEST(net.frames[0] == bytes({0x00, 0x01, 0x7f}));
  BOOST_TEST(net.span->stats()["malformed"].get<int>() >= 4);
  BOOST_TEST(net.up());
  ::close(fd);
  BOOST_REQUIRE(runUntil(loop, [&] { return net.span->lineStatus().alarms.red; }));
}

BOOST_AUTO_TEST_CASE(bearer_frames_carry_every_timeslot_both_ways_paced_by_the_master) {
  End net("net", path, Side::kNetwork), cpe("cpe", path, Side::kCpe);
  BOOST_REQUIRE(net.start(loop).isOk() && cpe.start(loop).isOk());
  auto np = net.span->openBearer();
  auto cp = cpe.span->openBearer();
  BOOST_REQUIRE(np.isOk() && cp.isOk());
  BOOST_TEST(!net.span->openBearer().isOk());  // one port per span
  BearerPort& master = **np;
  BearerPort& slave = **cp;
  BOOST_TEST((master.clocking() == Clocking::kMaster));

  // Each end sends on every bearer timeslot a byte naming the timeslot and
  // the direction; each checks what it receives.
  int badAtCpe = 0, badAtNet = 0, goodAtCpe = 0, goodAtNet = 0;
  master.setHandler([&](BearerFrame& f) {
    for (int ts : f.layout().bchannels) {
      std::fill(f.tx(ts).begin(), f.tx(ts).end(), uint8_t(0x40 + ts));
      if (!f.rxFresh()) continue;
      for (uint8_t b : f.rx(ts))
        (b == uint8_t(0x80 + ts) ? goodAtNet : badAtNet)++;
    }
  });
  slave.setHandler([&](BearerFrame& f) {
    for (int ts : f.layout().bchannels) {
      std::fill(f.tx(ts).begin(), f.tx(ts).end(), uint8_t(0x80 + ts));
      for (uint8_t b : f.rx(ts))
        (b == uint8_t(0x40 + ts) ? goodAtCpe : badAtCpe)++;
    }
  });
  pump(loop, {&master, &slave}, 300ms);  // connect and settle
  auto m0 = master.stats(), s0 = slave.stats();
  BOOST_REQUIRE(m0.connected && s0.connected);
  pump(loop, {&master, &slave}, 1000ms);
  auto m1 = master.stats(), s1 = slave.stats();
  BOOST_TEST_MESSAGE("master " << m1.toJson().dump() << "\nslave " << s1.toJson().dump());
  auto ticks = m1.ticks - m0.ticks;
  BOOST_TEST(ticks >= 48u);  // 50 per second, paced by the master
  BOOST_TEST(ticks <= 52u);
  // The loop-timed end answers each frame it receives: one tick per frame.
  BOOST_TEST(s1.ticks - s0.ticks == s1.rx_frames - s0.rx_frames);
  BOOST_TEST((s1.ticks - s0.ticks) + 2 >= ticks);
  BOOST_TEST(badAtCpe == 0);
  BOOST_TEST(badAtNet == 0);
  BOOST_TEST(goodAtCpe > 40 * 23 * 160);
  BOOST_TEST(goodAtNet > 40 * 23 * 160);
  BOOST_TEST(m1.seq_gaps == 0u);
  BOOST_TEST(m1.malformed == 0u);
  // The D timeslot and the echo setting are the port's, per channel.
  BOOST_TEST(slave.setEchoCancel(5, true).isOk());
  BOOST_TEST(slave.echoCancel(5));
  BOOST_TEST(!slave.setEchoCancel(24, true).isOk());
}

BOOST_AUTO_TEST_CASE(a_bearer_port_reconnects_when_the_far_end_comes_back) {
  auto net = std::make_unique<End>("net", path, Side::kNetwork);
  End cpe("cpe", path, Side::kCpe);
  BOOST_REQUIRE(net->start(loop).isOk() && cpe.start(loop).isOk());
  auto cp = cpe.span->openBearer();
  BOOST_REQUIRE(cp.isOk());
  auto np = net->span->openBearer();
  BOOST_REQUIRE(np.isOk());
  pump(loop, {np->get(), cp->get()}, 200ms);
  BOOST_REQUIRE((*cp)->stats().connected);
  np->reset();
  net.reset();
  pump(loop, {cp->get()}, 100ms);
  BOOST_TEST(!(*cp)->stats().connected);
  net = std::make_unique<End>("net", path, Side::kNetwork);
  BOOST_REQUIRE(net->start(loop).isOk());
  np = net->span->openBearer();
  BOOST_REQUIRE(np.isOk());
  pump(loop, {np->get(), cp->get()}, 300ms);
  BOOST_TEST((*cp)->stats().connected);
  BOOST_TEST((*cp)->stats().connections == 2u);
  BOOST_TEST((*cp)->stats().rx_frames > 5u);
}

BOOST_AUTO_TEST_SUITE_END()
