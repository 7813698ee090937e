// A bridge in this process against rtp-tool, a separate process on loopback
// UDP playing the SIP side's far end: tones both ways, digits both ways (RFC
// 4733 in -> in-band tone on the B-channel; in-band on the B-channel -> RFC
// 4733 out, not heard in the audio), each once. The B-channel side is
// synthetic, on the bridge's media thread.
#define BOOST_TEST_MODULE media_rtp_tool
#include <boost/test/unit_test.hpp>
#include <nlohmann/json.hpp>

#include "core/event_loop.hpp"
#include "media/media_engine.hpp"
#include "media/tone.hpp"
#include "tests/support/process.hpp"

using namespace outpost;
using namespace outpost::media;
using namespace std::chrono_literals;
using outpost::test::Process;

namespace {

std::string loopback() {
  return "127.0.3." + std::to_string(2 + getpid() % 250);
}

// The B-channel: plays a tone (or digits) into the bridge, listens to it.
struct Line {
  BridgeId id = 0;
  ToneGenerator tone{tones::test(1004, -13)};
  DtmfGenerator digits{-10};
  ToneDetector expect{1500};
  std::string heard;
  int frames = 0, toneFrames = 0;
  DtmfDetector det{[this](char d, bool started, uint64_t) {
    if (started) heard += d;
  }};
  void tick(Bridge& b, core::TimePoint now) {
    std::array<uint8_t, kFrameSamples> out{};
    b.produceTdmFrame(out, now);
    std::array<int16_t, kFrameSamples> lin;
    decode(Law::kMuLaw, out, lin);
    det.process(lin);
    ++frames;
    if (expect.present(lin)) ++toneFrames;
    std::array<int16_t, kFrameSamples> in{};
    if (digits.active()) {
      digits.generate(in);
    } else {
      tone.generate(in);
    }
    std::array<uint8_t, kFrameSamples> enc;
    encode(Law::kMuLaw, in, enc);
    b.onTdmFrame(enc, now);
  }
};

nlohmann::json waitEvent(Process& p, const std::string& kind, test::Ms timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    auto line = p.readLine(
        std::chrono::duration_cast<test::Ms>(deadline - std::chrono::steady_clock::now()));
    if (!line) break;
    auto j = nlohmann::json::parse(*line, nullptr, false);
    if (!j.is_discarded() && j.value("event", "") == kind) return j;
  }
  return nullptr;
}

}  // namespace

BOOST_AUTO_TEST_CASE(tones_and_digits_both_ways_against_a_separate_rtp_process) {
  core::SofiaInit su;
  core::EventLoop loop;
  std::string addr = loopback();
  MediaEngineConfig cfg;
  cfg.rtpAddress = addr;
  cfg.rtpPortMin = 46000;
  cfg.rtpPortMax = 46099;
  cfg.threads = 1;
  MediaEngine engine(loop, cfg);
  std::vector<BridgeEvent> events;
  auto bridge = engine.createBridge({}, [&](const BridgeEvent& e) { events.push_back(e); });
  BOOST_REQUIRE(bridge.isOk());

  Process tool({test::buildPath("tests/tools/rtp-tool"), "--local", addr + ":0", "--remote",
                addr + ":" + std::to_string(bridge->localPort), "--watch", "1004", "--seconds",
                "20"});
  auto ready = waitEvent(tool, "ready", 5000ms);
  BOOST_REQUIRE(!ready.is_null());
  int toolPort = ready["port"];
  MediaParams p;
  p.remoteAddress = addr;
  p.remotePort = static_cast<uint16_t>(toolPort);
  p.remoteRtcpPort = static_cast<uint16_t>(toolPort + 1);
  p.sendEventPt = p.recvEventPt = 101;
  engine.updateBridge(bridge->id, p);

  auto line = std::make_shared<Line>();
  line->id = bridge->id;
  engine.thread(0).post([line](MediaThread& mt) {
    mt.every(20ms, [line, &mt](core::TimePoint due) {
      if (Bridge* b = mt.bridge(line->id)) line->tick(*b, due);
    });
  });
  tool.writeStdin("tone 1500\n");
  loop.runUntil([] { return false; }, 1500ms);
  // Digits both ways at the same time.
  tool.writeStdin("dtmf 147 rfc4733 120\n");
  engine.thread(0).runSync(
      [&](MediaThread&) { BOOST_REQUIRE(line->digits.play("*#", 100ms, 100ms).isOk()); });
  std::string viaEvents;
  auto deadline = std::chrono::steady_clock::now() + 5s;
  while (viaEvents.size() < 2 && std::chrono::steady_clock::now() < deadline) {
    auto e = waitEvent(tool, "dtmf", 1000ms);
    if (e.is_null()) continue;
    BOOST_TEST(e["via"] == "rfc4733", "the tool heard a digit in the audio: " << e.dump());
    viaEvents += e["digit"].get<std::string>();
    BOOST_TEST(e["duration_ms"].get<int>() >= 60);
  }
  loop.runUntil([] { return false; }, 1000ms);
  tool.writeStdin("stats\n");
  auto stats = waitEvent(tool, "stats", 3000ms);
  BOOST_REQUIRE(!stats.is_null());
  BOOST_TEST_MESSAGE("rtp-tool: " << stats.dump());

  // The far end got our tone nearly all the time and our digits once each,
  // as events only.
  BOOST_TEST(viaEvents == "*#");
  BOOST_TEST(stats["rfc4733"] == "*#");
  BOOST_TEST(stats["inband"] == "");
  BOOST_TEST(stats["tones"]["1004"].get<int>() >= stats["frames_in"].get<int>() - 40);
  BOOST_TEST(stats["frames_in"].get<int>() >= 100);
  // The B-channel got the far end's tone and its digits as tones, once each.
  int frames = 0, toneFrames = 0;
  std::string heard;
  engine.thread(0).runSync([&](MediaThread&) {
    frames = line->frames;
    toneFrames = line->toneFrames;
    heard = line->heard;
  });
  BOOST_TEST(heard == "147");
  BOOST_TEST(toneFrames >= frames - 60, toneFrames << " of " << frames);
  // The control thread was told of each digit once, with where it came from.
  std::string fromRtp, fromLine;
  for (const auto& e : events) {
    if (e.kind != BridgeEvent::Kind::kDtmf) continue;
    (e.source == DtmfSource::kRfc4733 ? fromRtp : fromLine) += e.digit;
  }
  BOOST_TEST(fromRtp == "147");
  BOOST_TEST(fromLine == "*#");
  tool.writeStdin("quit\n");
  BOOST_TEST(tool.wait(5000ms).value_or(-1) == 0);
}

BOOST_AUTO_TEST_CASE(rtp_tool_refuses_bad_commands_and_keeps_going) {
  std::string addr = loopback();
  Process tool(
      {test::buildPath("tests/tools/rtp-tool"), "--local", addr + ":0", "--seconds", "10"});
  BOOST_REQUIRE(!waitEvent(tool, "ready", 5000ms).is_null());
  tool.writeStdin("dtmf 12X\nfrobnicate\nstats\n");
  auto err = waitEvent(tool, "error", 3000ms);
  BOOST_REQUIRE(!err.is_null());
  BOOST_TEST(err["message"].get<std::string>().find("X") != std::string::npos);
  BOOST_TEST(!waitEvent(tool, "stats", 3000ms).is_null());
  tool.writeStdin("quit\n");
  BOOST_TEST(tool.wait(5000ms).value_or(-1) == 0);
}
