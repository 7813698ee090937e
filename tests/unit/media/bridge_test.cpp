#include <boost/test/unit_test.hpp>
#include <map>

#include "media/bridge.hpp"
#include "media/tone.hpp"
#include "support.hpp"

using namespace outpost::media;
using namespace outpost::media::test;
using namespace std::chrono_literals;
using outpost::core::TimePoint;

namespace {

TimePoint now() {
  return std::chrono::steady_clock::now();
}

struct Recorder {
  std::vector<BridgeEvent> events;
  EventSink sink() {
    return [this](BridgeEvent e) { events.push_back(std::move(e)); };
  }
  std::string digits(DtmfSource src) const {
    std::string s;
    for (const auto& e : events)
      if (e.kind == BridgeEvent::Kind::kDtmf && e.source == src) s += e.digit;
    return s;
  }
  size_t count(BridgeEvent::Kind k) const {
    return static_cast<size_t>(std::count_if(events.begin(), events.end(),
                                             [k](const BridgeEvent& e) { return e.kind == k; }));
  }
};

// Detects digits in a stream of B-channel frames.
struct Listener {
  std::string heard;
  std::vector<uint64_t> lengths;
  uint64_t start = 0;
  DtmfDetector det{[this](char d, bool started, uint64_t at) {
    if (started) {
      heard += d;
      start = at;
    } else {
      lengths.push_back(at - start);
    }
  }};
  void feed(Law law, std::span<const uint8_t> frame) {
    std::vector<int16_t> lin(frame.size());
    decode(law, frame, lin);
    det.process(lin);
  }
};

// Two bridges facing each other over loopback UDP, driven frame by frame.
struct Call {
  std::string addrA = randomLoopback(), addrB = randomLoopback();
  Recorder ra, rb;
  std::unique_ptr<Bridge> a, b;
  Call(BridgeConfig ca = {}, BridgeConfig cb = {}) {
    auto sa = socketsOn(addrA);
    auto sb = socketsOn(addrB);
    uint16_t pa = sa.port, pb = sb.port;
    Codec codecA = ca.params.codec, codecB = cb.params.codec;
    int ptA = ca.params.sendPtimeMs, ptB = cb.params.sendPtimeMs;
    ca.params = paramsTo(addrB, pb, codecA);
    ca.params.sendPtimeMs = ptA;
    cb.params = paramsTo(addrA, pa, codecB);
    cb.params.sendPtimeMs = ptB;
    a = std::make_unique<Bridge>(1, std::move(sa), ca, ra.sink(), now());
    b = std::make_unique<Bridge>(2, std::move(sb), cb, rb.sink(), now());
  }
};

std::vector<uint8_t> toneFrame(ToneGenerator& g, Law law) {
  std::array<int16_t, kFrameSamples> lin{};
  g.generate(lin);
  return encodeFrame(law, lin);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(bridge)

BOOST_AUTO_TEST_CASE(audio_crosses_both_ways_with_law_conversion) {
  // A: µ-law span, PCMA on the wire. B: A-law span, PCMA.
  BridgeConfig ca, cb;
  ca.tdmLaw = Law::kMuLaw;
  ca.params.codec = Codec::kPcma;
  cb.tdmLaw = Law::kALaw;
  cb.params.codec = Codec::kPcma;
  Call call(ca, cb);
  ToneGenerator toneA(tones::test(1004, -13)), toneB(tones::test(1500, -13));
  ToneDetector d1004(1004), d1500(1500);
  int heardAtB = 0, heardAtA = 0;
  std::array<uint8_t, kFrameSamples> outA{}, outB{};
  for (int f = 0; f < 100; ++f) {
    auto t = now();
    call.a->onTdmFrame(toneFrame(toneA, Law::kMuLaw), t);
    call.b->onTdmFrame(toneFrame(toneB, Law::kALaw), t);
    call.a->produceTdmFrame(outA, t);
    call.b->produceTdmFrame(outB, t);
    std::array<int16_t, kFrameSamples> la, lb;
    decode(Law::kMuLaw, outA, la);
    decode(Law::kALaw, outB, lb);
    if (f >= 10) {
      heardAtB += d1004.present(lb);
      heardAtA += d1500.present(la);
    }
  }
  BOOST_TEST(heardAtB >= 88);
  BOOST_TEST(heardAtA >= 88);
  auto sa = call.a->stats();
  BOOST_TEST(sa.rtp.packetsSent == 100u);
  BOOST_TEST(sa.rtp.packetsReceived == 100u);
  BOOST_TEST(sa.lost == 0);
  BOOST_TEST(sa.codec == Codec::kPcma);
  BOOST_TEST(sa.jitterBuffer.concealed == 0u);
  BOOST_TEST(call.ra.count(BridgeEvent::Kind::kLatched) == 1u);
}

BOOST_AUTO_TEST_CASE(packet_times_other_than_20_ms) {
  for (int ptime : {10, 30, 40}) {
    BridgeConfig ca;
    ca.params.sendPtimeMs = ptime;
    Call call(ca, {});
    ToneGenerator tone(tones::test(1004, -13));
    ToneDetector d(1004);
    int heard = 0;
    std::array<uint8_t, kFrameSamples> out{};
    for (int f = 0; f < 60; ++f) {
      auto t = now();
      call.a->onTdmFrame(toneFrame(tone, Law::kMuLaw), t);
      call.b->produceTdmFrame(out, t);
      std::array<int16_t, kFrameSamples> lin;
      decode(Law::kMuLaw, out, lin);
      if (f >= 10) heard += d.present(lin);
    }
    BOOST_TEST(heard >= 48, "ptime " << ptime << " heard " << heard);
    BOOST_TEST(call.a->stats().rtp.packetsSent == 60u * 20 / ptime, "ptime " << ptime);
  }
}

BOOST_AUTO_TEST_CASE(inband_digits_leave_as_rfc4733_events_and_not_as_audio) {
  for (size_t offset : {0, 37, 80, 123, 140}) {  // where in a 20 ms frame each tone begins
    BOOST_TEST_CONTEXT("tones start " << offset << " samples into a frame") {
      std::string addr = randomLoopback();
      Peer far(randomLoopback());
      Recorder rec;
      BridgeConfig cfg;
      cfg.params = paramsTo(far.self.str().substr(0, far.self.str().find(':')), far.self.port());
      Bridge a(1, socketsOn(addr), cfg, rec.sink(), now());
      DtmfGenerator gen(-12);
      BOOST_REQUIRE(gen.play("159#", 100ms, 100ms).isOk());
      std::vector<int16_t> signal(offset + 60 * kFrameSamples, 0);
      gen.generate(std::span(signal).subspan(offset));
      std::vector<std::vector<uint8_t>> packets;
      for (int f = 0; f < 60; ++f) {
        a.onTdmFrame(
            encodeFrame(Law::kMuLaw, std::span(signal).subspan(f * kFrameSamples, kFrameSamples)),
            now());
        for (auto& p : far.receiveAll())
          packets.push_back(std::move(p));
      }
      a.close(now());
      for (auto& p : far.receiveAll())
        packets.push_back(std::move(p));
      // Walk the packets: audio goes to a separate detector, events are checked.
      Listener audio;
      struct Ev {
        char digit;
        uint32_t ts;
        int updates = 0;
        int ends = 0;
        bool marker = false;
        uint16_t lastDuration = 0;
        bool monotonic = true;
      };
      std::vector<Ev> events;
      uint16_t lastSeq = 0;
      bool first = true, seqOk = true;
      size_t audioPackets = 0;
      double leak = -100;
      for (const auto& raw : packets) {
        auto v = parseRtp(raw);
        if (!v) continue;  // RTCP lands on the other port; nothing else expected
        if (!first) seqOk = seqOk && static_cast<uint16_t>(v->header.sequence - lastSeq) == 1;
        first = false;
        lastSeq = v->header.sequence;
        if (v->header.payloadType == 0) {
          audio.feed(Law::kMuLaw, v->payload);
          ++audioPackets;
          std::vector<int16_t> lin(v->payload.size());
          decode(Law::kMuLaw, v->payload, lin);
          leak = std::max(leak, levelDbm0(lin));
          continue;
        }
        BOOST_REQUIRE(v->header.payloadType == 101);
        auto te = parseTelephoneEvent(v->payload);
        BOOST_REQUIRE(te.has_value());
        if (events.empty() || events.back().ts != v->header.timestamp) {
          events.push_back({dtmfDigit(te->event), v->header.timestamp});
          events.back().marker = v->header.marker;
        } else {
          BOOST_TEST(!v->header.marker);
        }
        Ev& e = events.back();
        e.monotonic = e.monotonic && te->duration >= e.lastDuration;
        e.lastDuration = te->duration;
        if (te->end)
          ++e.ends;
        else
          ++e.updates;
      }
      BOOST_TEST(seqOk);
      BOOST_REQUIRE(events.size() == 4u);
      std::string sent;
      for (const auto& e : events) {
        sent += e.digit;
        BOOST_TEST(e.marker);
        BOOST_TEST(e.ends == 3);
        BOOST_TEST(e.updates >= 2);
        BOOST_TEST(e.monotonic);
        // 100 ms tones: the event says 70-140 ms.
        BOOST_TEST(e.lastDuration >= 70 * 8);
        BOOST_TEST(e.lastDuration <= 140 * 8);
      }
      BOOST_TEST(sent == "159#");
      // Audio went out between the digits, and carries no digit at all: at
      // most a few ms of a tone's edge (a 20 ms packet holding 5 ms of a -12 dBm0
      // tone is about -18 dBm0).
      BOOST_TEST(audioPackets >= 15u);
      BOOST_TEST(audio.heard == "");
      BOOST_TEST(leak < -16, "loudest audio packet " << leak << " dBm0");
      BOOST_TEST_MESSAGE("offset " << offset << ": loudest audio packet " << leak << " dBm0");
      BOOST_TEST(rec.digits(DtmfSource::kInband) == "159#");
      BOOST_TEST(a.stats().dtmfSent == 4u);
    }
  }
}

BOOST_AUTO_TEST_CASE(without_telephone_event_inband_digits_pass_as_audio) {
  std::string addr = randomLoopback();
  Peer far(randomLoopback());
  Recorder rec;
  BridgeConfig cfg;
  cfg.params = paramsTo(far.self.str().substr(0, far.self.str().find(':')), far.self.port(),
                        Codec::kPcmu, false);
  Bridge a(1, socketsOn(addr), cfg, rec.sink(), now());
  DtmfGenerator gen(-12);
  BOOST_REQUIRE(gen.play("27", 100ms, 100ms).isOk());
  Listener audio;
  for (int f = 0; f < 30; ++f) {
    std::array<int16_t, kFrameSamples> lin{};
    gen.generate(lin);
    a.onTdmFrame(encodeFrame(Law::kMuLaw, lin), now());
    for (auto& p : far.receiveAll())
      if (auto v = parseRtp(p)) audio.feed(Law::kMuLaw, v->payload);
  }
  BOOST_TEST(audio.heard == "27");
  BOOST_TEST(rec.digits(DtmfSource::kInband) == "27");  // still counted for the CDR
}

namespace {
// Plays an RFC 4733 digit from a raw socket into a bridge, frame by frame,
// and listens to the B-channel output.
struct Inbound {
  std::string addr = randomLoopback();
  Peer far{randomLoopback()};
  Recorder rec;
  std::unique_ptr<Bridge> b;
  Listener out;
  Endpoint to;
  uint16_t seq = 1;
  Inbound() {
    BridgeConfig cfg;
    cfg.params = paramsTo(far.self.str().substr(0, far.self.str().find(':')), far.self.port());
    auto s = socketsOn(addr);
    to = endpoint(addr, s.port);
    b = std::make_unique<Bridge>(1, std::move(s), cfg, rec.sink(), now());
  }
  void event(uint32_t ts, int code, bool end, uint16_t duration, bool marker = false) {
    std::array<uint8_t, 4> pl;
    writeTelephoneEvent(pl, TelephoneEvent{static_cast<uint8_t>(code), end, 10, duration});
    far.sendRtp(to, RtpHeader{marker, 101, seq++, ts, 0xABCD}, pl);
  }
  // One 20 ms tick (at simulated time t).
  void tick(TimePoint t) {
    std::array<uint8_t, kFrameSamples> frame{};
    b->produceTdmFrame(frame, t);
    out.feed(Law::kMuLaw, frame);
  }
};
}  // namespace

BOOST_AUTO_TEST_CASE(rfc4733_event_becomes_a_tone_of_its_length_counted_once) {
  Inbound in;
  auto t = now();
  // '5' for 120 ms: start, updates every 20 ms, three end packets, then two
  // late retransmissions of the end.
  for (int f = 0; f < 40; ++f) {
    if (f < 6) in.event(8000, 5, false, static_cast<uint16_t>((f + 1) * 160), f == 0);
    if (f >= 6 && f < 9) in.event(8000, 5, true, 960);
    if (f == 20 || f == 21) in.event(8000, 5, true, 960);
    in.tick(t + f * 20ms);
  }
  BOOST_TEST(in.out.heard == "5");
  BOOST_REQUIRE(in.out.lengths.size() == 1u);
  double ms = static_cast<double>(in.out.lengths[0]) / kSamplesPerMs;
  BOOST_TEST(std::abs(ms - 120) <= 30, "tone of " << ms << " ms");
  BOOST_TEST(in.rec.digits(DtmfSource::kRfc4733) == "5");
  BOOST_TEST(in.b->stats().dtmfRfc4733 == 1u);
}

BOOST_AUTO_TEST_CASE(lost_end_packets_end_the_tone_by_timeout) {
  Inbound in;
  auto t = now();
  for (int f = 0; f < 40; ++f) {
    if (f < 5) in.event(16000, 11, false, static_cast<uint16_t>((f + 1) * 160), f == 0);
    in.tick(t + f * 20ms);
  }
  BOOST_TEST(in.out.heard == "#");
  BOOST_REQUIRE(in.out.lengths.size() == 1u);
  // 100 ms reported, the rest of the tone until the 250 ms timeout at most.
  double ms = static_cast<double>(in.out.lengths[0]) / kSamplesPerMs;
  BOOST_TEST(ms >= 80);
  BOOST_TEST(ms <= 400);
  BOOST_TEST(in.rec.digits(DtmfSource::kRfc4733) == "#");
}

BOOST_AUTO_TEST_CASE(only_end_packets_still_play_the_digit) {
  Inbound in;
  auto t = now();
  for (int f = 0; f < 20; ++f) {
    if (f < 3) in.event(24000, 0, true, 800);
    in.tick(t + f * 20ms);
  }
  BOOST_TEST(in.out.heard == "0");
  BOOST_TEST(in.rec.digits(DtmfSource::kRfc4733) == "0");
}

BOOST_AUTO_TEST_CASE(back_to_back_digits_keep_a_gap_and_order) {
  Inbound in;
  auto t = now();
  // "12" with no pause between the events at all.
  int f = 0;
  for (int d = 0; d < 2; ++d) {
    uint32_t ts = 8000 + d * 1000;
    for (int k = 0; k < 4; ++k, ++f) {
      in.event(ts, d + 1, false, static_cast<uint16_t>((k + 1) * 160), k == 0);
      in.tick(t + f * 20ms);
    }
    for (int k = 0; k < 3; ++k)
      in.event(ts, d + 1, true, 640);
  }
  for (int k = 0; k < 30; ++k, ++f)
    in.tick(t + f * 20ms);
  BOOST_TEST(in.out.heard == "12");
  BOOST_TEST(in.rec.digits(DtmfSource::kRfc4733) == "12");
}

BOOST_AUTO_TEST_CASE(sip_info_digit_is_played_for_its_duration) {
  Inbound in;
  auto t = now();
  in.b->playDigit('9', 200ms);
  in.b->playDigit('x', 200ms);  // not a digit: ignored
  for (int f = 0; f < 30; ++f)
    in.tick(t + f * 20ms);
  BOOST_TEST(in.out.heard == "9");
  BOOST_REQUIRE(in.out.lengths.size() == 1u);
  double ms = static_cast<double>(in.out.lengths[0]) / kSamplesPerMs;
  BOOST_TEST(std::abs(ms - 200) <= 30);
  BOOST_TEST(in.b->stats().dtmfInfo == 1u);
}

BOOST_AUTO_TEST_CASE(our_own_tone_echoed_back_is_not_sent_as_a_digit) {
  // The far end sends '3'; the line echoes the tone we play straight back.
  Inbound in;
  auto t = now();
  std::array<uint8_t, kFrameSamples> frame{};
  for (int f = 0; f < 40; ++f) {
    if (f < 6) in.event(8000, 3, false, static_cast<uint16_t>((f + 1) * 160), f == 0);
    if (f >= 6 && f < 9) in.event(8000, 3, true, 960);
    in.b->produceTdmFrame(frame, t + f * 20ms);
    in.b->onTdmFrame(frame, t + f * 20ms);  // echo
  }
  size_t events = 0;
  for (auto& p : in.far.receiveAll())
    if (auto v = parseRtp(p); v && v->header.payloadType == 101) ++events;
  BOOST_TEST(events == 0u);
  BOOST_TEST(in.rec.digits(DtmfSource::kInband) == "");
  BOOST_TEST(in.rec.digits(DtmfSource::kRfc4733) == "3");
}

BOOST_AUTO_TEST_CASE(media_timeout_fires_once_and_resumes) {
  Inbound in;
  BridgeConfig cfg;
  auto t0 = now();
  RecvBatch batch;
  // The Inbound bridge has the default 30 s timeout: walk time forward.
  in.b->housekeeping(t0 + 29s, batch);
  BOOST_TEST(in.rec.count(BridgeEvent::Kind::kMediaTimeout) == 0u);
  in.b->housekeeping(t0 + 31s, batch);
  in.b->housekeeping(t0 + 32s, batch);
  BOOST_TEST(in.rec.count(BridgeEvent::Kind::kMediaTimeout) == 1u);
  BOOST_TEST(in.b->stats().timedOut);
  std::vector<uint8_t> audio(160, 0xFF);
  in.far.sendRtp(in.to, RtpHeader{true, 0, 1, 0, 7}, audio);
  in.tick(t0 + 33s);
  BOOST_TEST(in.rec.count(BridgeEvent::Kind::kMediaResumed) == 1u);
  BOOST_TEST(!in.b->stats().timedOut);
}

BOOST_AUTO_TEST_CASE(no_media_timeout_while_the_far_end_holds_us) {
  Inbound in;
  auto t0 = now();
  MediaParams p =
      paramsTo(in.far.self.str().substr(0, in.far.self.str().find(':')), in.far.self.port());
  p.direction = Direction::kSendOnly;  // they sent a=recvonly: they will not send
  in.b->update(p, t0);
  RecvBatch batch;
  in.b->housekeeping(t0 + 120s, batch);
  BOOST_TEST(in.rec.count(BridgeEvent::Kind::kMediaTimeout) == 0u);
  // Back to sendrecv: the clock starts again from the resume.
  p.direction = Direction::kSendRecv;
  in.b->update(p, t0 + 120s);
  in.b->housekeeping(t0 + 140s, batch);
  BOOST_TEST(in.rec.count(BridgeEvent::Kind::kMediaTimeout) == 0u);
  in.b->housekeeping(t0 + 151s, batch);
  BOOST_TEST(in.rec.count(BridgeEvent::Kind::kMediaTimeout) == 1u);
}

BOOST_AUTO_TEST_CASE(hold_sends_silence_to_the_line_and_nothing_to_rtp) {
  BridgeConfig ca;
  Call call(ca, {});
  MediaParams held = paramsTo(call.addrB, call.b->localPort());
  held.direction = Direction::kInactive;
  call.a->update(held, now());
  ToneGenerator tone(tones::test(1004, -13));
  std::array<uint8_t, kFrameSamples> out{};
  for (int f = 0; f < 20; ++f) {
    auto t = now();
    call.a->onTdmFrame(toneFrame(tone, Law::kMuLaw), t);
    call.b->onTdmFrame(toneFrame(tone, Law::kMuLaw), t);
    call.a->produceTdmFrame(out, t);
    std::array<int16_t, kFrameSamples> lin;
    decode(Law::kMuLaw, out, lin);
    BOOST_TEST(levelDbm0(lin) < -60);
  }
  BOOST_TEST(call.a->stats().rtp.packetsSent == 0u);
}

BOOST_AUTO_TEST_CASE(holdback_removes_even_the_first_milliseconds_of_a_tone) {
  // The tone starts 20 samples before a frame ends: too little to flag in
  // that frame. With 20 ms of hold-back that frame is still in the delay
  // line when the tone is recognised, and is muted there.
  std::string addr = randomLoopback();
  Peer far(randomLoopback());
  Recorder rec;
  BridgeConfig cfg;
  cfg.params = paramsTo(far.self.str().substr(0, far.self.str().find(':')), far.self.port());
  cfg.dtmfHoldback = 20ms;
  Bridge a(1, socketsOn(addr), cfg, rec.sink(), now());
  DtmfGenerator gen(-12);
  BOOST_REQUIRE(gen.play("8", 100ms, 100ms).isOk());
  std::vector<int16_t> signal(140 + 30 * kFrameSamples, 0);
  gen.generate(std::span(signal).subspan(140));
  double loudest = -100;
  size_t audio = 0;
  for (int f = 0; f < 30; ++f) {
    a.onTdmFrame(
        encodeFrame(Law::kMuLaw, std::span(signal).subspan(f * kFrameSamples, kFrameSamples)),
        now());
    for (auto& p : far.receiveAll()) {
      auto v = parseRtp(p);
      if (!v || v->header.payloadType != 0) continue;
      ++audio;
      std::vector<int16_t> lin(v->payload.size());
      decode(Law::kMuLaw, v->payload, lin);
      loudest = std::max(loudest, levelDbm0(lin));
    }
  }
  BOOST_TEST(audio >= 15u);
  BOOST_TEST(loudest == -100.0, "loudest audio packet " << loudest << " dBm0");
  BOOST_TEST(rec.digits(DtmfSource::kInband) == "8");
}

BOOST_AUTO_TEST_CASE(a_long_event_in_segments_is_one_digit) {
  // RFC 4733 2.5.2.3: an event longer than 0xFFFF samples continues in a new
  // segment whose timestamp is where the last one's duration ended.
  Inbound in;
  auto t = now();
  int f = 0;
  for (; f < 5; ++f) {
    in.event(1000, 9, false, static_cast<uint16_t>(0xFF00 + f * 40), f == 0);
    in.tick(t + f * 20ms);
  }
  uint32_t next = 1000 + 0xFF00 + 4 * 40;
  for (int k = 0; k < 5; ++k, ++f) {
    in.event(next, 9, k >= 2, 800);
    in.tick(t + f * 20ms);
  }
  for (int k = 0; k < 20; ++k, ++f)
    in.tick(t + f * 20ms);
  BOOST_TEST(in.rec.digits(DtmfSource::kRfc4733) == "9");
  BOOST_TEST(in.out.heard == "9");
}

BOOST_AUTO_TEST_CASE(a_flood_of_events_is_bounded) {
  Inbound in;
  auto t = now();
  // 500 different events, each a single packet, 50 every 20 ms.
  for (int f = 0; f < 10; ++f) {
    for (int k = 0; k < 50; ++k)
      in.event(static_cast<uint32_t>(1000 + (f * 50 + k) * 4000), k % 10, false, 160, true);
    in.tick(t + f * 20ms);
  }
  auto s = in.b->stats();
  BOOST_TEST(s.dtmfDropped > 400u);
  BOOST_TEST(s.dtmfRfc4733 <= 20u);
  BOOST_TEST(in.rec.count(BridgeEvent::Kind::kDtmf) <= 20u);
}

BOOST_AUTO_TEST_SUITE_END()
