#include <atomic>
#include <boost/test/unit_test.hpp>
#include <mutex>
#include <thread>

#include "core/event_loop.hpp"
#include "media/media_engine.hpp"
#include "media/tone.hpp"
#include "support.hpp"
#include "tests/support/process.hpp"

using namespace outpost::media;
using namespace outpost::media::test;
using namespace std::chrono_literals;
using outpost::core::EventLoop;
using outpost::core::SofiaInit;

namespace {

MediaEngineConfig engineConfig(uint16_t minPort, uint16_t maxPort, unsigned threads) {
  MediaEngineConfig cfg;
  cfg.rtpAddress = randomLoopback();
  cfg.rtpPortMin = minPort;
  cfg.rtpPortMax = maxPort;
  cfg.threads = threads;
  return cfg;
}

// A synthetic B-channel on a media thread: every 20 ms it feeds a signal into
// the bridge and checks what the bridge produces. Lives on that thread.
struct FakeChannel {
  BridgeId id = 0;
  Law law = Law::kMuLaw;
  ToneGenerator tone;
  DtmfGenerator digits{-12};
  ToneDetector expect;
  std::string heard;  // digits detected in the bridge's output
  DtmfDetector det{[this](char d, bool started, uint64_t) {
    if (started) heard += d;
  }};
  int frames = 0;
  int toneFrames = 0;
  FakeChannel(BridgeId i, int sendHz, int expectHz)
      : id(i), tone(tones::test(sendHz, -13)), expect(expectHz) {}
  void tick(Bridge& b, outpost::core::TimePoint now) {
    std::array<int16_t, kFrameSamples> lin{};
    if (digits.active()) {
      digits.generate(lin);
    } else {
      tone.generate(lin);
    }
    b.onTdmFrame(encodeFrame(law, lin), now);
    std::array<uint8_t, kFrameSamples> out{};
    b.produceTdmFrame(out, now);
    std::array<int16_t, kFrameSamples> got;
    decode(law, out, got);
    det.process(got);
    ++frames;
    if (expect.present(got)) ++toneFrames;
  }
};

struct Fixture {
  SofiaInit su;
  EventLoop loop;
};

}  // namespace

BOOST_FIXTURE_TEST_SUITE(media_engine, Fixture)

BOOST_AUTO_TEST_CASE(two_bridges_on_two_threads_carry_tones_and_digits_both_ways) {
  MediaEngineConfig cfg = engineConfig(40000, 40099, 2);
  int fdsBefore = outpost::test::openFdCount();
  {
    MediaEngine engine(loop, cfg);
    std::vector<BridgeEvent> eventsA, eventsB;
    auto a = engine.createBridge(
        {}, [&](const BridgeEvent& e) { eventsA.push_back(e); }, 0u);
    auto b = engine.createBridge(
        {}, [&](const BridgeEvent& e) { eventsB.push_back(e); }, 1u);
    BOOST_REQUIRE(a.isOk());
    BOOST_REQUIRE(b.isOk());
    BOOST_TEST(a->thread == 0u);
    BOOST_TEST(b->thread == 1u);
    BOOST_TEST(a->localPort % 2 == 0);
    BOOST_TEST(engine.portsInUse() == 2u);
    engine.updateBridge(a->id, paramsTo(cfg.rtpAddress, b->localPort));
    engine.updateBridge(b->id, paramsTo(cfg.rtpAddress, a->localPort));
    // One fake channel per thread, each with its own 20 ms clock.
    auto chanA = std::make_shared<FakeChannel>(a->id, 1004, 1500);
    auto chanB = std::make_shared<FakeChannel>(b->id, 1500, 1004);
    for (auto [chan, t] : {std::pair{chanA, 0u}, std::pair{chanB, 1u}}) {
      engine.thread(t).post([chan](MediaThread& mt) {
        mt.every(20ms, [chan, &mt](outpost::core::TimePoint due) {
          if (Bridge* br = mt.bridge(chan->id)) chan->tick(*br, due);
        });
      });
    }
    // Two seconds of tone, then digits each way, then a second of tone.
    loop.runUntil([] { return false; }, 2s);
    engine.thread(0).runSync(
        [&](MediaThread&) { BOOST_REQUIRE(chanA->digits.play("123", 100ms, 100ms).isOk()); });
    engine.thread(1).runSync(
        [&](MediaThread&) { BOOST_REQUIRE(chanB->digits.play("*0#", 100ms, 100ms).isOk()); });
    loop.runUntil([] { return false; }, 1500ms);
    int framesA = 0, toneA = 0, framesB = 0, toneB = 0;
    std::string heardA, heardB;
    engine.thread(0).runSync([&](MediaThread&) {
      framesA = chanA->frames;
      toneA = chanA->toneFrames;
      heardA = chanA->heard;
    });
    engine.thread(1).runSync([&](MediaThread&) {
      framesB = chanB->frames;
      toneB = chanB->toneFrames;
      heardB = chanB->heard;
    });
    // Each side heard the other's tone nearly all the time (minus start-up and
    // the time the digits replaced it) ...
    BOOST_TEST(framesA >= 150);
    BOOST_TEST(toneA >= framesA - 60, "A heard 1500 Hz in " << toneA << " of " << framesA);
    BOOST_TEST(toneB >= framesB - 60, "B heard 1004 Hz in " << toneB << " of " << framesB);
    // ... and the other's digits, once each.
    BOOST_TEST(heardB == "123");
    BOOST_TEST(heardA == "*0#");
    // The control thread got one event per digit on each side.
    auto digitsOf = [](const std::vector<BridgeEvent>& ev, DtmfSource src) {
      std::string s;
      for (const auto& e : ev)
        if (e.kind == BridgeEvent::Kind::kDtmf && e.source == src) s += e.digit;
      return s;
    };
    BOOST_TEST(digitsOf(eventsA, DtmfSource::kInband) == "123");
    BOOST_TEST(digitsOf(eventsB, DtmfSource::kRfc4733) == "123");
    BOOST_TEST(digitsOf(eventsB, DtmfSource::kInband) == "*0#");
    BOOST_TEST(digitsOf(eventsA, DtmfSource::kRfc4733) == "*0#");
    // Statistics come back as a message.
    std::optional<BridgeStats> stats;
    engine.requestStats(a->id, [&](std::optional<BridgeStats> s) { stats = s; });
    BOOST_REQUIRE(loop.runUntil([&] { return stats.has_value(); }, 2s));
    BOOST_TEST(stats->rtp.packetsReceived > 100u);
    BOOST_TEST(stats->lost == 0);
    BOOST_TEST(stats->dtmfInband == 3u);
    BOOST_TEST(stats->codec == Codec::kPcmu);
    // Destroying hands back final statistics and the ports.
    std::optional<BridgeStats> finalA, finalB;
    engine.destroyBridge(a->id, [&](BridgeStats s) { finalA = s; });
    engine.destroyBridge(b->id, [&](BridgeStats s) { finalB = s; });
    BOOST_REQUIRE(loop.runUntil([&] { return finalA && finalB; }, 2s));
    BOOST_TEST(finalA->rtp.packetsSent > 100u);
    BOOST_TEST(engine.portsInUse() == 0u);
    BOOST_TEST(engine.bridgeCount() == 0u);
    size_t before = eventsA.size();
    loop.runUntil([] { return false; }, 200ms);
    BOOST_TEST(eventsA.size() == before);  // nothing after destroy
  }
  BOOST_TEST(outpost::test::openFdCount() == fdsBefore);
}

BOOST_AUTO_TEST_CASE(port_exhaustion_is_reported_and_recovers) {
  MediaEngineConfig cfg;
  cfg.rtpAddress = randomLoopback();
  cfg.rtpPortMin = 41000;
  cfg.rtpPortMax = 41005;  // three pairs
  cfg.threads = 1;
  MediaEngine engine(loop, cfg);
  std::vector<BridgeId> ids;
  for (int i = 0; i < 3; ++i) {
    auto c = engine.createBridge({}, {});
    BOOST_REQUIRE(c.isOk());
    ids.push_back(c->id);
  }
  auto full = engine.createBridge({}, {});
  BOOST_REQUIRE(!full.isOk());
  BOOST_TEST(full.error().message.find("no free RTP port pair") != std::string::npos);
  bool done = false;
  engine.destroyBridge(ids[0], [&](BridgeStats) { done = true; });
  BOOST_REQUIRE(loop.runUntil([&] { return done; }, 2s));
  BOOST_TEST(engine.createBridge({}, {}).isOk());
}

BOOST_AUTO_TEST_CASE(a_thousand_bridges_come_and_go_without_leaks) {
  MediaEngineConfig cfg = engineConfig(42000, 42999, 2);
  int fdsBefore = outpost::test::openFdCount();
  {
    MediaEngine engine(loop, cfg);
    int destroyed = 0;
    for (int round = 0; round < 4; ++round) {
      std::vector<BridgeId> ids;
      for (int i = 0; i < 250; ++i) {
        auto c = engine.createBridge({}, {});
        BOOST_REQUIRE_MESSAGE(c.isOk(), (c.isOk() ? "" : c.error().message));
        ids.push_back(c->id);
      }
      for (auto id : ids)
        engine.destroyBridge(id, [&](BridgeStats) { ++destroyed; });
      // Ports come back once the media threads have closed the sockets.
      BOOST_REQUIRE(loop.runUntil([&] { return destroyed == 250 * (round + 1); }, 10s));
    }
    BOOST_TEST(engine.portsInUse() == 0u);
  }
  BOOST_TEST(outpost::test::openFdCount() == fdsBefore);
}

BOOST_AUTO_TEST_CASE(unknown_bridges_are_harmless) {
  MediaEngineConfig cfg = engineConfig(20000, 29999, 1);
  MediaEngine engine(loop, cfg);
  std::optional<std::optional<BridgeStats>> got;
  engine.requestStats(12345, [&](std::optional<BridgeStats> s) { got = s; });
  engine.updateBridge(12345, MediaParams{});
  engine.playDigit(12345, '1', 100ms);
  engine.destroyBridge(12345);
  BOOST_REQUIRE(loop.runUntil([&] { return got.has_value(); }, 2s));
  BOOST_TEST(!got->has_value());
}

BOOST_AUTO_TEST_CASE(media_thread_timers_keep_their_grid) {
  MediaThread t(0, {});
  std::mutex m;
  std::vector<outpost::core::TimePoint> dues;
  t.post([&](MediaThread& mt) {
    mt.every(5ms, [&](outpost::core::TimePoint due) {
      std::lock_guard<std::mutex> lock(m);
      dues.push_back(due);
    });
  });
  std::this_thread::sleep_for(500ms);
  t.runSync([](MediaThread&) {});
  std::lock_guard<std::mutex> lock(m);
  // 100 periods in 500 ms; a loaded machine may skip some (never burst to
  // catch up), but every deadline stays on the 5 ms grid: no drift.
  BOOST_TEST(dues.size() <= 101u);
  BOOST_TEST(dues.size() >= 30u);
  for (size_t i = 1; i < dues.size(); ++i) {
    auto step = std::chrono::duration_cast<std::chrono::microseconds>(dues[i] - dues[0]).count();
    BOOST_TEST(step % 5000 == 0, "deadline " << i << " is " << step << " us after the first");
    BOOST_TEST((dues[i] > dues[i - 1]));
  }
}

BOOST_AUTO_TEST_SUITE_END()
