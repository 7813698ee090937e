// pstn-sim as a process, facing a real PriStack (the gateway's side, CPE)
// over an emulated span: its rules (busy, unallocated, congestion, answer,
// ring, in-band progress), its media actions heard and measured on our
// B-channel (echo, tone, DTMF both ways, WAV recording), PSAP mode with
// callback, its commands on stdin and through --ctl, alarms and D-channel
// loss on command, its JSON events, and bad input.
#define BOOST_TEST_MODULE pstn_sim
#include <poll.h>

#include <boost/test/unit_test.hpp>
#include <fstream>
#include <nlohmann/json.hpp>

#include "core/event_loop.hpp"
#include "media/dtmf.hpp"
#include "media/g711.hpp"
#include "media/tone.hpp"
#include "tdm/emulated_span.hpp"
#include "tdm/pri_stack.hpp"
#include "tests/support/process.hpp"
#include "tests/unit/tdm/pri_fixture.hpp"

using namespace outpost;
using namespace outpost::tdm;
using namespace outpost::tdm::testing;
using namespace outpost::test;
using nlohmann::json;

extern "C" const char* __lsan_default_suppressions() {
  return "leak:libpri.so\n";
}

namespace {

std::string pstnSim() {
  return buildPath("pstn-sim");
}

// pstn-sim running on the far end of span 1, and our CPE side facing it.
struct Sim {
  core::SofiaInit su;
  core::EventLoop loop;
  TempDir dir;
  std::string sock = dir.file("span1.sock");
  std::string ctl = dir.file("sim.ctl");
  std::unique_ptr<Process> proc;
  std::vector<json> events;  // every event pstn-sim printed, in order
  size_t seen = 0;           // events consumed by waitEvent
  PriStack stack{loop};
  Recorder rec;
  std::unique_ptr<BearerPort> port;
  core::FdWatch portWatch;
  // Our side's audio: what to send per tick, what arrived.
  std::function<void(std::span<uint8_t>)> txFn;
  std::vector<uint8_t> rxAudio;  // the channel of the call being watched
  int watchChannel = 0;

  explicit Sim(const std::string& rules = "", std::vector<std::string> extra = {},
               SideOptions ours = {}) {
    std::vector<std::string> argv = {pstnSim(), "--socket",     sock,      "--control",
                                     ctl,       "--record-dir", dir.path()};
    if (!rules.empty()) {
      dir.write("rules", rules);
      argv.push_back("--rules");
      argv.push_back(dir.file("rules"));
    }
    for (auto& e : extra)
      argv.push_back(e);
    proc = std::make_unique<Process>(argv);
    BOOST_REQUIRE_MESSAGE(waitEvent("ready", 5000ms),
                          "pstn-sim did not start: " << proc->allStderr()
                                                     << " stdout: " << proc->allStdout()
                                                     << " events " << events.size());
    stack.setListener(&rec);
    EmulatedOptions e;
    e.socket_path = sock;
    e.retry_interval = 20ms;
    TrunkConfig t;
    t.span = 1;
    t.switch_type = ours.switch_type;
    t.timers = ours.timers;
    t.overlap_receive = ours.overlap_receive;
    auto backend = std::make_unique<EmulatedSpan>("gateway-1", SpanLayout::standard(ours.line),
                                                  defaultLaw(ours.line), Side::kCpe, e);
    BOOST_REQUIRE(stack.addSpan(t, std::move(backend)).isOk());
    auto p = stack.openBearer(1);
    BOOST_REQUIRE(p.isOk());
    port = std::move(*p);
    port->setHandler([this](BearerFrame& f) {
      if (watchChannel && f.layout().isBearer(watchChannel)) {
        auto rx = f.rx(watchChannel);
        rxAudio.insert(rxAudio.end(), rx.begin(), rx.end());
        if (txFn) txFn(f.tx(watchChannel));
      }
    });
    BearerPort* raw = port.get();
    portWatch = loop.watchFd(raw->fd(), core::kReadable, [raw](unsigned) { raw->service(); });
    BOOST_REQUIRE_MESSAGE(runUntil([&] { return settled(stack); }, 5000ms), "span did not come up");
  }
  ~Sim() {
    stack.setListener(nullptr);
    if (proc) proc->stop();
  }

  // Runs our loop while reading pstn-sim's events.
  void pump(Ms slice = 2ms) {
    for (;;) {
      // (shorter waits round down to 0 ms, which does not read the pipe at all)
      auto line = proc->readLine(2ms);
      if (!line) break;
      try {
        events.push_back(json::parse(*line));
      } catch (const std::exception& e) {
        BOOST_ERROR("pstn-sim printed a line that is not JSON: " << *line);
      }
    }
    loop.runOnce(slice);
  }
  bool runUntil(const std::function<bool()>& pred, Ms limit = 3000ms) {
    auto end = std::chrono::steady_clock::now() + limit;
    while (!pred()) {
      if (std::chrono::steady_clock::now() > end) return pred();
      pump();
    }
    return true;
  }
  // The next event named `name` (after those already consumed) matching `pred`.
  std::optional<json> waitEvent(const std::string& name, Ms limit = 3000ms,
                                const std::function<bool(const json&)>& pred = {}) {
    std::optional<json> found;
    auto end = std::chrono::steady_clock::now() + limit;
    for (;;) {
      for (; seen < events.size(); ++seen) {
        const json& e = events[seen];
        if (e.value("event", "") == name && (!pred || pred(e))) {
          found = e;
          ++seen;
          return found;
        }
      }
      if (std::chrono::steady_clock::now() > end) return std::nullopt;
      pump();
    }
  }
  // One command through `pstn-sim --ctl`, while our loop keeps running.
  RunResult ctlCommand(const std::vector<std::string>& words) {
    std::vector<std::string> argv = {pstnSim(), "--ctl", ctl};
    for (auto& w : words)
      argv.push_back(w);
    // The child answers from pstn-sim's loop, which needs nothing of ours.
    return run(argv, 10000ms);
  }
  CallId call(const std::string& number, const std::string& from = "3125550100") {
    auto id = stack.placeCallOnSpan(1, callTo(number, from));
    BOOST_REQUIRE(id.isOk());
    return *id;
  }
};

std::vector<int16_t> decoded(const std::vector<uint8_t>& bytes) {
  std::vector<int16_t> out(bytes.size());
  media::decode(media::Law::kMuLaw, bytes, out);
  return out;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(pstn_sim)

BOOST_AUTO_TEST_CASE(rules_refuse_numbers_with_their_causes) {
  Sim s(
      "3125550199 busy\n"
      "555XXXX unallocated\n"
      "3125550111 congestion\n"
      "3125550122 reject cause=21 after=200ms\n"
      ". answer\n");
  struct Case {
    std::string number;
    int cause;
  } cases[] = {{"3125550199", 17}, {"5551234", 1}, {"3125550111", 34}, {"3125550122", 21}};
  for (const auto& c : cases) {
    CallId id = s.call(c.number);
    BOOST_REQUIRE(s.runUntil([&] { return s.rec.isReleased(id); }));
    BOOST_TEST(s.rec.released[id].why.cause == c.cause, c.number);
    auto setup = s.waitEvent("setup");
    BOOST_REQUIRE(setup);
    BOOST_TEST((*setup)["called"] == c.number);
    auto disc = s.waitEvent("disconnect");
    BOOST_REQUIRE(disc);
    BOOST_TEST((*disc)["cause"] == c.cause);
    BOOST_TEST((*disc)["by"] == "us");
  }
}

BOOST_AUTO_TEST_CASE(the_setup_event_shows_what_we_sent) {
  Sim s;
  OutgoingCall o = callTo("3125550123", "3125550190");
  o.calling.presentation = Presentation::kRestricted;
  o.calling.screening = Screening::kUserPassed;
  o.calling_name = "Lobby";
  auto id = s.stack.placeCallOnSpan(1, o);
  BOOST_REQUIRE(id.isOk());
  auto e = s.waitEvent("setup");
  BOOST_REQUIRE(e);
  BOOST_TEST((*e)["direction"] == "in");
  BOOST_TEST((*e)["called"] == "3125550123");
  BOOST_TEST((*e)["called_ton"] == "national");
  BOOST_TEST((*e)["called_plan"] == "e164");
  BOOST_TEST((*e)["calling"] == "3125550190");
  BOOST_TEST((*e)["presentation"] == "restricted");
  BOOST_TEST((*e)["screening"] == "user_passed");
  BOOST_TEST((*e)["name"] == "Lobby");
  BOOST_REQUIRE(s.runUntil([&] { return s.rec.isConnected(*id); }));
  BOOST_TEST(eventsOf(s.rec, *id) == "proceeding alerting connected");
  BOOST_REQUIRE(s.waitEvent("connect"));
  BOOST_TEST(s.stack.hangup(*id).isOk());
  auto d = s.waitEvent("disconnect");
  BOOST_REQUIRE(d);
  BOOST_TEST((*d)["cause"] == 16);
  BOOST_TEST((*d)["by"] == "far_end");
}

BOOST_AUTO_TEST_CASE(echo_sends_our_audio_back) {
  Sim s("3125550100 answer media=echo\n");
  CallId id = s.call("3125550100");
  BOOST_REQUIRE(s.runUntil([&] { return s.rec.isConnected(id); }));
  s.watchChannel = s.stack.call(id)->channel;
  uint8_t pattern = 0x3c;
  s.txFn = [&](std::span<uint8_t> tx) { std::fill(tx.begin(), tx.end(), pattern); };
  s.runUntil([] { return false; }, 400ms);
  size_t echoed = std::count(s.rxAudio.begin(), s.rxAudio.end(), pattern);
  BOOST_TEST(echoed >= 10u * 160u, "echoed " << echoed << " of " << s.rxAudio.size());
}

BOOST_AUTO_TEST_CASE(a_tone_action_is_heard_at_our_end) {
  TempDir out;
  Sim s("3125550104 answer media=tone:1004\n", {"--capture", out.file("sim.pcap")});
  CallId id = s.call("3125550104");
  BOOST_REQUIRE(s.runUntil([&] { return s.rec.isConnected(id); }));
  s.watchChannel = s.stack.call(id)->channel;
  s.runUntil([] { return false; }, 300ms);
  s.rxAudio.clear();
  s.runUntil([] { return false; }, 200ms);
  auto pcm = decoded(s.rxAudio);
  BOOST_REQUIRE(pcm.size() >= 1600u);
  media::ToneDetector t1004(1004), t440(440);
  std::span<const int16_t> block(pcm.data(), 160);
  BOOST_TEST(t1004.present(block));
  BOOST_TEST(!t440.present(block));
  auto m = t1004.measure(block);
  BOOST_TEST(m.toneDbm0 > -16.0);  // played at -13 dBm0
  BOOST_TEST(m.toneDbm0 < -10.0);
  // pstn-sim's side of the D-channel went to its pcap (LINUX_LAPD).
  std::ifstream pcap(out.file("sim.pcap"), std::ios::binary);
  std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(pcap)),
                             std::istreambuf_iterator<char>());
  BOOST_REQUIRE(bytes.size() > 24u + 10u * 32u);
  BOOST_TEST((bytes[0] == 0xd4 && bytes[1] == 0xc3 && bytes[2] == 0xb2 && bytes[3] == 0xa1));
  BOOST_TEST(bytes[20] == 177);  // LINKTYPE_LINUX_LAPD
}

BOOST_AUTO_TEST_CASE(dtmf_travels_both_ways) {
  Sim s("3125550105 answer media=dtmf:19#,detect\n");
  CallId id = s.call("3125550105");
  BOOST_REQUIRE(s.runUntil([&] { return s.rec.isConnected(id); }));
  s.watchChannel = s.stack.call(id)->channel;
  // pstn-sim plays "19#" after answer: our own detector hears it.
  std::string heard;
  media::DtmfDetector det([&](char d, bool started, uint64_t) {
    if (started) heard += d;
  });
  size_t fed = 0;
  // We press 7 and 3: pstn-sim reports them as events.
  media::DtmfGenerator gen;
  BOOST_REQUIRE(gen.play("73").isOk());
  s.txFn = [&](std::span<uint8_t> tx) {
    std::array<int16_t, 160> pcm{};
    if (gen.generate(pcm)) media::encode(media::Law::kMuLaw, pcm, tx);
  };
  BOOST_REQUIRE(s.runUntil(
      [&] {
        auto pcm = decoded(s.rxAudio);
        if (pcm.size() > fed) {
          det.process(std::span<const int16_t>(pcm).subspan(fed));
          fed = pcm.size();
        }
        return heard.size() >= 3;
      },
      4000ms));
  BOOST_TEST(heard == "19#");
  auto d7 = s.waitEvent("dtmf");
  auto d3 = s.waitEvent("dtmf");
  BOOST_REQUIRE(d7 && d3);
  BOOST_TEST((*d7)["digit"] == "7");
  BOOST_TEST((*d3)["digit"] == "3");
  BOOST_TEST((*d7)["call"] == (*d3)["call"]);
}

BOOST_AUTO_TEST_CASE(a_record_action_writes_what_we_said_to_a_wav_file) {
  Sim s("3125550106 answer media=record\n");
  CallId id = s.call("3125550106");
  BOOST_REQUIRE(s.runUntil([&] { return s.rec.isConnected(id); }));
  s.watchChannel = s.stack.call(id)->channel;
  media::ToneGenerator tone(media::tones::test(1004, -13));
  s.txFn = [&](std::span<uint8_t> tx) {
    std::array<int16_t, 160> pcm{};
    tone.generate(pcm);
    media::encode(media::Law::kMuLaw, pcm, tx);
  };
  s.runUntil([] { return false; }, 1000ms);
  BOOST_TEST(s.stack.hangup(id).isOk());
  auto rec = s.waitEvent("recorded");
  BOOST_REQUIRE(rec);
  std::string file = (*rec)["file"];
  double seconds = (*rec)["seconds"];
  BOOST_TEST(seconds > 0.8);
  BOOST_TEST(seconds < 1.5);
  std::ifstream in(file, std::ios::binary);
  std::vector<uint8_t> wav((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  BOOST_REQUIRE(wav.size() > 44u);
  BOOST_TEST(std::string(wav.begin(), wav.begin() + 4) == "RIFF");
  BOOST_TEST(std::string(wav.begin() + 8, wav.begin() + 16) == "WAVEfmt ");
  uint32_t rate = wav[24] | (wav[25] << 8) | (wav[26] << 16) | (uint32_t(wav[27]) << 24);
  uint32_t data = wav[40] | (wav[41] << 8) | (wav[42] << 16) | (uint32_t(wav[43]) << 24);
  BOOST_TEST(rate == 8000u);
  BOOST_TEST(data == wav.size() - 44);
  // Half a second in, the recording is our 1004 Hz tone.
  std::vector<int16_t> pcm((wav.size() - 44) / 2);
  std::memcpy(pcm.data(), wav.data() + 44, pcm.size() * 2);
  BOOST_REQUIRE(pcm.size() > 4000u);
  BOOST_TEST(media::ToneDetector(1004).present(std::span<const int16_t>(pcm).subspan(4000, 160)));
}

BOOST_AUTO_TEST_CASE(progress_with_inband_ringback_comes_before_the_answer) {
  Sim s("3125550107 answer after=600ms progress=ringback alert=no\n");
  CallId id = s.call("3125550107");
  BOOST_REQUIRE(s.runUntil([&] { return s.rec.events[id].size() >= 2; }));
  BOOST_TEST(eventsOf(s.rec, id) == "proceeding progress-inband");
  s.watchChannel = s.stack.call(id)->channel;
  s.runUntil([] { return false; }, 300ms);
  BOOST_TEST(!s.rec.isConnected(id));
  auto pcm = decoded(s.rxAudio);
  BOOST_REQUIRE(pcm.size() >= 960u);
  // Ringback is 440 + 480 Hz: most of the power is in the two.
  std::span<const int16_t> block(pcm.data() + pcm.size() - 320, 160);
  auto a = media::ToneDetector(440).measure(block);
  auto b = media::ToneDetector(480).measure(block);
  BOOST_TEST(a.share + b.share > 0.7);
  BOOST_REQUIRE(s.runUntil([&] { return s.rec.isConnected(id); }));
}

BOOST_AUTO_TEST_CASE(a_ring_rule_rings_until_the_caller_gives_up) {
  Sim s("3125550108 ring inband=yes\n");
  CallId id = s.call("3125550108");
  BOOST_REQUIRE(s.runUntil([&] { return s.stack.call(id)->state == CallState::kAlerting; }));
  s.runUntil([] { return false; }, 500ms);
  BOOST_TEST(!s.rec.isConnected(id));
  BOOST_TEST(s.stack.hangup(id).isOk());
  auto d = s.waitEvent("disconnect");
  BOOST_REQUIRE(d);
  BOOST_TEST((*d)["by"] == "far_end");
}

BOOST_AUTO_TEST_CASE(psap_records_the_caller_and_calls_back) {
  Sim s("911 psap callback_from=3125559911\n. answer\n");
  s.rec.on_incoming = [&](const CallInfo& in) { BOOST_TEST(s.stack.answer(in.id).isOk()); };
  OutgoingCall e = callTo("911", "3125550191");
  e.called.ton = TypeOfNumber::kUnknown;
  e.calling.presentation = Presentation::kRestricted;  // the caller's privacy
  e.emergency = true;
  auto id = s.stack.placeCallOnSpan(1, e);
  BOOST_REQUIRE(id.isOk());
  auto psap = s.waitEvent("psap");
  BOOST_REQUIRE(psap);
  BOOST_TEST((*psap)["called"] == "911");
  BOOST_TEST((*psap)["calling"] == "3125550191");
  BOOST_TEST((*psap)["calling_ton"] == "national");
  BOOST_TEST((*psap)["calling_plan"] == "e164");
  BOOST_TEST((*psap)["presentation"] == "restricted");
  BOOST_REQUIRE(s.runUntil([&] { return s.rec.isConnected(*id); }));
  BOOST_TEST(s.stack.hangup(*id).isOk());
  BOOST_REQUIRE(s.waitEvent("disconnect"));

  auto list = s.ctlCommand({"--json", "psap"});
  BOOST_REQUIRE_MESSAGE(list.code == 0, list.err);
  auto body = json::parse(list.out);
  BOOST_TEST(body["records"].size() == 1u);
  BOOST_TEST(body["records"][0]["calling"] == "3125550191");

  // The PSAP calls the emergency caller back.
  auto cb = s.ctlCommand({"callback"});
  BOOST_REQUIRE_MESSAGE(cb.code == 0, cb.err);
  BOOST_REQUIRE(s.runUntil([&] { return s.rec.incoming.size() == 1; }));
  const CallInfo& back = s.rec.incoming[0];
  BOOST_TEST(back.called.digits == "3125550191");
  BOOST_TEST(typeOfNumberName(back.called.ton) == std::string("national"));
  BOOST_TEST(back.calling.digits == "3125559911");
  BOOST_REQUIRE(s.waitEvent("connect"));
}

BOOST_AUTO_TEST_CASE(calls_placed_by_command_carry_their_options) {
  Sim s;
  s.rec.on_incoming = [&](const CallInfo& in) {
    BOOST_TEST(s.stack.alert(in.id, false).isOk());
    BOOST_TEST(s.stack.answer(in.id).isOk());
  };
  s.proc->writeStdin(
      "call 442079460000 3125550142 --ton national --from-ton international --pres restricted "
      "--name \"London Office\"\n");
  auto reply = s.waitEvent("reply");
  BOOST_REQUIRE(reply);
  BOOST_TEST((*reply)["ok"] == true);
  BOOST_REQUIRE(s.runUntil([&] { return s.rec.incoming.size() == 1; }));
  const CallInfo& in = s.rec.incoming[0];
  BOOST_TEST(in.called.digits == "3125550142");
  BOOST_TEST(in.calling.digits == "442079460000");
  BOOST_TEST(typeOfNumberName(in.calling.ton) == std::string("international"));
  BOOST_TEST(presentationName(in.calling.presentation) == std::string("restricted"));
  BOOST_TEST(in.calling_name == "London Office");
  BOOST_REQUIRE(s.waitEvent("alerting"));
  auto conn = s.waitEvent("connect");
  BOOST_REQUIRE(conn);
  int simCall = (*reply)["result"]["call"];
  // Hang up from a script with a cause.
  auto hang = s.ctlCommand({"hangup", std::to_string(simCall), "busy"});
  BOOST_REQUIRE_MESSAGE(hang.code == 0, hang.err);
  BOOST_REQUIRE(s.runUntil([&] { return s.rec.isReleased(in.id); }));
  BOOST_TEST(s.rec.released[in.id].why.cause == 17);
}

BOOST_AUTO_TEST_CASE(overlap_sending_by_command_reaches_us_digit_by_digit) {
  SideOptions ours;
  ours.overlap_receive = true;
  Sim s("", {}, ours);
  s.rec.on_digits = [&](const CallInfo& c, const DigitsEvent& ev) {
    if (ev.number.size() == 10) {
      BOOST_TEST(s.stack.proceed(c.id).isOk());
      BOOST_TEST(s.stack.answer(c.id).isOk());
    }
  };
  s.proc->writeStdin("call 3125559999 3125550142 --overlap=3\n");
  BOOST_REQUIRE(s.waitEvent("setup_ack"));
  BOOST_REQUIRE(s.waitEvent("connect", 5000ms));
  CallId id = s.rec.incoming.at(0).id;
  BOOST_TEST(s.rec.incoming[0].called.digits == "312");
  BOOST_TEST(eventsOf(s.rec, id) ==
             "incoming digits:5 digits:5 digits:5 digits:0 digits:1 digits:4 digits:2");
  BOOST_TEST(s.stack.call(id)->called.digits == "3125550142");
}

BOOST_AUTO_TEST_CASE(overlap_receiving_completes_numbers_by_the_rules) {
  Sim s("3125550123 answer\n555XXXX unallocated\n", {"--overlap"});
  auto dial = [&](const std::string& first, const std::string& rest) {
    OutgoingCall o = callTo(first);
    o.overlap = true;
    auto id = s.stack.placeCallOnSpan(1, o);
    BOOST_REQUIRE(id.isOk());
    BOOST_REQUIRE(s.runUntil([&] { return !s.rec.events[*id].empty(); }));
    for (char d : rest) {
      if (s.rec.isReleased(*id)) break;
      BOOST_TEST(s.stack.sendDigits(*id, std::string(1, d)).isOk());
      s.runUntil([] { return false; }, 20ms);
    }
    return *id;
  };
  // Complete after the tenth digit: no timeout needed.
  CallId ok = dial("31", "25550123");
  BOOST_REQUIRE(s.runUntil([&] { return s.rec.isConnected(ok); }, 2000ms));
  auto digits =
      s.waitEvent("digits", 100ms, [](const json& e) { return e["number"] == "3125550123"; });
  BOOST_REQUIRE(digits);
  // A number no rule can ever match is refused at once as unallocated.
  CallId bad = dial("9", "99");
  BOOST_REQUIRE(s.runUntil([&] { return s.rec.isReleased(bad); }));
  BOOST_TEST(s.rec.released[bad].why.cause == 1);
  // 555 then four digits: the rule refuses with its cause.
  CallId un = dial("555", "1234");
  BOOST_REQUIRE(s.runUntil([&] { return s.rec.isReleased(un); }));
  BOOST_TEST(s.rec.released[un].why.cause == 1);
}

BOOST_AUTO_TEST_CASE(alarms_and_dchannel_loss_on_command) {
  SideOptions ours;
  ours.timers.t200 = 100ms;
  ours.timers.t203 = 300ms;
  Sim s("", {"--timer", "t200=100", "--timer", "t203=300"}, ours);
  auto r = s.ctlCommand({"alarm", "red"});
  BOOST_REQUIRE_MESSAGE(r.code == 0, r.err);
  BOOST_REQUIRE(s.runUntil([&] { return s.stack.span(1)->alarms().red; }));
  // We answer a red alarm with RAI: pstn-sim reports yellow.
  BOOST_REQUIRE(
      s.waitEvent("alarm", 2000ms, [](const json& e) { return e["alarms"] == "yellow"; }));
  BOOST_TEST(s.ctlCommand({"alarm", "clear"}).code == 0);
  BOOST_REQUIRE(s.runUntil([&] { return settled(s.stack); }, 5000ms));

  BOOST_TEST(s.ctlCommand({"dchannel", "down"}).code == 0);
  BOOST_REQUIRE(s.runUntil([&] { return !s.stack.span(1)->dchannelUp(); }, 3000ms));
  BOOST_REQUIRE(
      s.waitEvent("dchannel", 3000ms, [](const json& e) { return e["state"] == "down"; }));
  BOOST_TEST(s.ctlCommand({"dchannel", "up"}).code == 0);
  BOOST_REQUIRE(s.runUntil([&] { return settled(s.stack); }, 5000ms));

  BOOST_TEST(s.ctlCommand({"service", "5-6", "out"}).code == 0);
  BOOST_REQUIRE(s.runUntil([&] {
    return s.stack.span(1)->state(5) == ChannelState::kMaintenance &&
           s.stack.span(1)->state(6) == ChannelState::kMaintenance;
  }));
  auto show = s.ctlCommand({"--json", "show"});
  BOOST_REQUIRE(show.code == 0);
  BOOST_TEST(json::parse(show.out)["spans"][0]["channels"]["maintenance"] == 2);
}

BOOST_AUTO_TEST_CASE(bad_commands_get_clear_errors_and_change_nothing) {
  Sim s;
  s.proc->writeStdin("cal 1 2\nhangup 99\nalarm purple\nservice 1-x out\ncall 12a 34\n");
  std::vector<std::string> errors;
  for (int i = 0; i < 5; ++i) {
    auto r = s.waitEvent("reply");
    BOOST_REQUIRE(r);
    BOOST_TEST((*r)["ok"] == false);
    errors.push_back((*r)["error"]);
  }
  BOOST_TEST(errors[0].find("unknown command 'cal' (did you mean 'call'?)") != std::string::npos);
  BOOST_TEST(errors[1] == "no call 99");
  BOOST_TEST(errors[2] == "'purple': expected red, yellow, blue or clear");
  BOOST_TEST(errors[3] == "'1-x' is not a channel or a range");
  BOOST_TEST(errors[4] == "numbers are digits, * and # only");
  auto bad = s.ctlCommand({"dtmf"});
  BOOST_TEST(bad.code == 1);
  BOOST_TEST(bad.err.find("usage: dtmf") != std::string::npos);
  // Still serving.
  CallId id = s.call("3125550123");
  BOOST_REQUIRE(s.runUntil([&] { return s.rec.isConnected(id); }));
}

BOOST_AUTO_TEST_CASE(a_bad_rules_file_is_refused_with_file_and_line) {
  TempDir dir;
  dir.write("rules", "911 psap\n3125550199 bussy\n555[a-z] answer\n. answer after=soon\n");
  auto r = run({pstnSim(), "--check-rules", dir.file("rules")});
  BOOST_TEST(r.code == 2);
  BOOST_TEST(r.err.find(dir.file("rules") + ":2: unknown action 'bussy'") != std::string::npos,
             r.err);
  BOOST_TEST(r.err.find("did you mean 'busy'?") != std::string::npos);
  BOOST_TEST(r.err.find(dir.file("rules") + ":3: bad range 'a-z'") != std::string::npos, r.err);
  BOOST_TEST(r.err.find(dir.file("rules") + ":4: after=soon") != std::string::npos, r.err);
  auto start =
      run({pstnSim(), "--socket", dir.file("s.sock"), "--rules", dir.file("rules")}, 5000ms);
  BOOST_TEST(start.code == 2);
  dir.write("good", "911 psap\n. answer media=echo\n");
  BOOST_TEST(run({pstnSim(), "--check-rules", dir.file("good")}).code == 0);
  auto none = run({pstnSim(), "--ctl", dir.file("nobody.ctl"), "show"});
  BOOST_TEST(none.code == 3);
  BOOST_TEST(run({pstnSim(), "--bogus"}).code == 2);
}

BOOST_AUTO_TEST_CASE(runs_with_stdin_from_dev_null_and_serves_its_control_socket) {
  // As under a service manager or `pstn-sim ... < /dev/null &`: epoll cannot
  // watch /dev/null, and that must not stop the simulator.
  TempDir dir;
  std::string cmd = "exec '" + pstnSim() + "' --socket '" + dir.file("s.sock") + "' --control '" +
                    dir.file("c.sock") + "' < /dev/null";
  Process p({"/bin/sh", "-c", cmd});
  BOOST_REQUIRE_MESSAGE(p.waitForLine("\"ready\"", 5000ms), p.allStderr());
  auto show = run({pstnSim(), "--ctl", dir.file("c.sock"), "show"}, 5000ms);
  BOOST_TEST(show.code == 0, show.err);
  BOOST_TEST(p.running());
  BOOST_TEST(p.stop(3000ms) == 0);
}

BOOST_AUTO_TEST_SUITE_END()
