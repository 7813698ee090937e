#include "media/bridge.hpp"

#include <algorithm>
#include <array>

#include "core/log.hpp"
#include "media/random.hpp"

namespace outpost::media {
namespace {

using std::chrono::milliseconds;

constexpr uint64_t kMinToneSamples = 50 * kSamplesPerMs;    // receivers need >= 40 ms
constexpr uint64_t kMaxToneSamples = 5000 * kSamplesPerMs;  // SIP INFO bound
constexpr uint32_t kToneGapSamples = 50 * kSamplesPerMs;    // between two digits
constexpr milliseconds kRemoteEventTimeout{250};            // no update: the end was lost
constexpr milliseconds kEchoWindow{300};  // our own tone heard back within this is echo
constexpr size_t kHalf = kFrameSamples / 2;
constexpr uint32_t kMaxEventDuration = 0xFFFF;
constexpr size_t kMaxQueuedTones = 16;

BridgeEvent makeEvent(BridgeEvent::Kind kind) {
  BridgeEvent e;
  e.kind = kind;
  return e;
}

}  // namespace

const char* dtmfSourceName(DtmfSource s) {
  switch (s) {
    case DtmfSource::kInband:
      return "inband";
    case DtmfSource::kRfc4733:
      return "rfc4733";
    case DtmfSource::kSipInfo:
      return "info";
  }
  return "?";
}

// Turns the B-channel's 20 ms frames into packets of the negotiated ptime
// (10-40 ms), after an optional hold-back delay line.
struct Bridge::Packetizer {
  std::vector<int16_t> delay;  // hold-back, a ring
  size_t delay_pos = 0;
  std::array<uint8_t, 320> pending{};  // encoded samples not yet sent
  size_t pending_n = 0;
  uint32_t pending_ts = 0;

  explicit Packetizer(size_t holdback) : delay(holdback, 0) {}

  // Pushes a frame through the delay line (in place).
  void delayFrame(std::span<int16_t> frame) {
    if (delay.empty()) return;
    for (auto& s : frame) {
      std::swap(s, delay[delay_pos]);
      delay_pos = (delay_pos + 1) % delay.size();
    }
  }
  void muteDelayed() { std::fill(delay.begin(), delay.end(), int16_t{0}); }
};

Bridge::Bridge(BridgeId id, RtpSockets sockets, BridgeConfig config, EventSink sink,
               core::TimePoint now)
    : id_(id),
      config_(std::move(config)),
      sink_(std::move(sink)),
      rtp_(std::move(sockets), config_.rtp, now),
      jitter_(config_.jitter),
      tone_(config_.dtmfLevelDbm0),
      packetizer_(std::make_unique<Packetizer>(
          samplesFor(std::clamp(config_.dtmfHoldback, milliseconds(0), milliseconds(60))))),
      detector_([this](char d, bool started, uint64_t at) { inbandDigit(d, started, at); }),
      ts_base_(randomWord()),
      last_drain_(now) {
  counters_.id = id;
  applyParams(config_.params);
  expect_since_ = now;
}

Bridge::~Bridge() = default;

void Bridge::emit(BridgeEvent e) {
  e.id = id_;
  if (sink_) sink_(std::move(e));
}

void Bridge::reportDigit(char digit, DtmfSource source, uint64_t samples) {
  BridgeEvent e = makeEvent(BridgeEvent::Kind::kDtmf);
  e.digit = digit;
  e.source = source;
  e.duration = milliseconds(samples / kSamplesPerMs);
  emit(std::move(e));
}

void Bridge::applyParams(const MediaParams& p) {
  bool remoteChanged = p.remoteAddress != config_.params.remoteAddress ||
                       p.remotePort != config_.params.remotePort ||
                       p.remoteRtcpPort != config_.params.remoteRtcpPort || !rtp_.hasDestination();
  config_.params = p;
  if (remoteChanged && p.hasRemote()) {
    auto rtp = Endpoint::parse(p.remoteAddress, p.remotePort);
    auto rtcp = Endpoint::parse(p.remoteAddress, p.remoteRtcpPort
                                                     ? p.remoteRtcpPort
                                                     : static_cast<uint16_t>(p.remotePort + 1));
    if (rtp && rtcp) {
      rtp_.setRemote(*rtp, *rtcp);
      latched_reported_ = false;
    } else {
      OUTPOST_LOG(Warning, "media") << "bridge " << config_.label << ": bad remote address '"
                                    << p.remoteAddress << "', not sending";
    }
  }
}

void Bridge::update(const MediaParams& params, core::TimePoint now) {
  bool wasReceiving = receives(config_.params.direction);
  applyParams(params);
  if (!wasReceiving && receives(params.direction)) expect_since_ = now;
  audio_resumes_ = true;
}

// ---------------------------------------------------------------------------
// RTP -> B-channel

void Bridge::drainRtp(core::TimePoint now, RecvBatch& batch) {
  last_drain_ = now;
  const auto& p = config_.params;
  rtp_.drain(
      batch, [this](const RtpPacketView& v, core::TimePoint at) { onRtpPacket(v, at); },
      [&p](uint8_t pt) { return pt == p.recvPt || pt == p.sendPt; });
  if (rtp_.latched() && !latched_reported_) {
    latched_reported_ = true;
    BridgeEvent e = makeEvent(BridgeEvent::Kind::kLatched);
    e.address = rtp_.destination().str();
    emit(std::move(e));
  }
}

void Bridge::onRtpPacket(const RtpPacketView& v, core::TimePoint arrival) {
  const auto& p = config_.params;
  if (timed_out_) {
    timed_out_ = false;
    emit(makeEvent(BridgeEvent::Kind::kMediaResumed));
  }
  uint8_t pt = v.header.payloadType;
  if ((p.recvEventPt && pt == *p.recvEventPt) || (p.sendEventPt && pt == *p.sendEventPt)) {
    onTelephoneEvent(v, arrival);
    return;
  }
  if (pt != p.recvPt && pt != p.sendPt) {
    // Comfort noise (13) is silence to us; anything else was not negotiated.
    if (pt != 13) ++counters_.unknownPayload;
    return;
  }
  if (!receives(p.direction)) return;  // on hold: the far end's audio is not played
  std::array<int16_t, 480> lin;
  size_t n = std::min(v.payload.size(), lin.size());
  decode(codecLaw(p.codec), v.payload.first(n), lin);
  jitter_.push(v.header.timestamp, v.header.marker, std::span(lin).first(n));
}

void Bridge::onTelephoneEvent(const RtpPacketView& v, core::TimePoint arrival) {
  auto te = parseTelephoneEvent(v.payload);
  if (!te || te->event > 15) {
    ++counters_.unknownPayload;
    return;
  }
  uint32_t ts = v.header.timestamp;
  char digit = dtmfDigit(te->event);
  if (remote_event_ && ts == remote_event_ts_) {
    remote_event_last_ = arrival;
    remote_event_duration_ = std::max(remote_event_duration_, te->duration);
    if (te->end) endRemoteEvent(arrival, false);
    return;
  }
  if (have_ended_ &&
      std::find(ended_events_.begin(), ended_events_.end(), ts) != ended_events_.end())
    return;  // a retransmitted end of a digit already played and counted
  if (remote_event_) {
    // A long event continues in a new segment (RFC 4733 2.5.2.3): same digit,
    // timestamp where the last segment's duration ended.
    if (digit == remote_event_digit_ && ts == remote_event_ts_ + remote_event_duration_) {
      remote_event_ts_ = ts;
      remote_event_base_ += remote_event_duration_;
      remote_event_duration_ = te->duration;
      remote_event_last_ = arrival;
      if (te->end) endRemoteEvent(arrival, false);
      return;
    }
    endRemoteEvent(arrival, true);  // the previous digit's end packets were lost
  }
  if (tones_.size() >= kMaxQueuedTones) {
    // A peer sending digits faster than they can be played (a flood): drop
    // them rather than queue without bound.
    ++counters_.dtmfDropped;
    return;
  }
  remote_event_ = true;
  remote_event_ts_ = ts;
  remote_event_digit_ = digit;
  remote_event_duration_ = te->duration;
  remote_event_base_ = 0;
  remote_event_last_ = arrival;
  int level = -std::clamp<int>(te->volume, 4, 26);
  tones_.push_back({digit, 0, level});
  remote_event_tone_pending_ = true;
  if (te->end) endRemoteEvent(arrival, false);
}

void Bridge::endRemoteEvent(core::TimePoint now, bool lostEnd) {
  (void)now;
  if (!remote_event_) return;
  uint64_t total =
      std::max<uint64_t>(uint64_t{remote_event_base_} + remote_event_duration_, kMinToneSamples);
  if (lostEnd) {
    // Without an end packet we only know it lasted this long so far.
    total = std::max<uint64_t>(total, remote_event_tone_ ? tone_.played() : 0);
  }
  if (remote_event_tone_ && tone_.active()) {
    tone_.finish(total);
  } else {
    // Still queued behind another tone: give it its length.
    for (auto it = tones_.rbegin(); it != tones_.rend(); ++it)
      if (it->samples == 0) {
        it->samples = total;
        break;
      }
  }
  remote_event_ = false;
  remote_event_tone_pending_ = false;
  ended_events_[ended_next_] = remote_event_ts_;
  ended_next_ = (ended_next_ + 1) % ended_events_.size();
  have_ended_ = true;
  ++counters_.dtmfRfc4733;
  reportDigit(remote_event_digit_, DtmfSource::kRfc4733, total);
}

void Bridge::playDigit(char digit, milliseconds duration) {
  if (!isDtmfDigit(digit)) return;
  if (tones_.size() >= kMaxQueuedTones) {
    ++counters_.dtmfDropped;
    return;
  }
  uint64_t n = std::clamp<uint64_t>(samplesFor(duration), kMinToneSamples, kMaxToneSamples);
  tones_.push_back({dtmfDigit(dtmfEventCode(digit)), n, config_.dtmfLevelDbm0});
  ++counters_.dtmfInfo;
}

void Bridge::startNextTone() {
  PendingTone t = tones_.front();
  tones_.pop_front();
  tone_.begin(t.digit, t.level);
  tone_digit_ = t.digit;
  // The open-ended one is the RFC 4733 event still arriving.
  remote_event_tone_ = t.samples == 0;
  if (t.samples > 0) tone_.finish(t.samples);
}

void Bridge::fillTone(std::span<int16_t> frame, core::TimePoint now) {
  size_t pos = 0;
  bool touched = false;
  while (pos < frame.size()) {
    if (gap_samples_ > 0) {
      size_t n = std::min<size_t>(gap_samples_, frame.size() - pos);
      std::fill_n(frame.begin() + static_cast<long>(pos), n, int16_t{0});
      gap_samples_ -= static_cast<uint32_t>(n);
      pos += n;
      touched = true;
      continue;
    }
    if (!tone_.active()) {
      if (tones_.empty()) break;
      startNextTone();
    }
    size_t n = tone_.generate(frame.subspan(pos));
    pos += n;
    touched = true;
    if (!tone_.active()) {
      remote_event_tone_ = false;
      tone_ended_at_ = now;
      gap_samples_ = kToneGapSamples;
    }
    if (n == 0 && !tone_.active() && tones_.empty()) break;
  }
  // A digit waiting for its tone (or still arriving) keeps the audio muted.
  if (!touched && remote_event_) {
    std::fill(frame.begin(), frame.end(), int16_t{0});
    touched = true;
  }
  if (touched && pos < frame.size() && remote_event_)
    std::fill(frame.begin() + static_cast<long>(pos), frame.end(), int16_t{0});
}

void Bridge::produceTdmFrame(std::span<uint8_t> out, core::TimePoint now) {
  ++counters_.tdmFramesOut;
  if (!batch_) {
    own_batch_ = std::make_unique<RecvBatch>();
    batch_ = own_batch_.get();
  }
  drainRtp(now, *batch_);
  if (remote_event_ && now - remote_event_last_ > kRemoteEventTimeout) endRemoteEvent(now, true);
  std::array<int16_t, kFrameSamples> lin;
  jitter_.pop(lin);
  fillTone(lin, now);
  encode(config_.tdmLaw, lin, out.first(std::min(out.size(), kFrameSamples)));
}

// ---------------------------------------------------------------------------
// B-channel -> RTP

void Bridge::inbandDigit(char digit, bool started, uint64_t atSample) {
  bool events = config_.params.sendEventPt.has_value() && sends(config_.params.direction);
  if (started) {
    inband_start_sample_ = atSample;
    // Our own tone (from an RFC 4733 event or SIP INFO) coming back as echo
    // from the line is not a digit the far end pressed: the same digit while
    // we play it or just after. A different digit is a real one (both ends
    // may press keys at once).
    bool playingSame =
        digit == tone_digit_ &&
        (tone_.active() || gap_samples_ > 0 ||
         (tone_ended_at_ != core::TimePoint{} && last_frame_at_ - tone_ended_at_ < kEchoWindow));
    inband_echo_ = playingSame;
    if (!events || inband_echo_) return;
    if (end_packets_left_ > 0) {
      // The previous event's end packets are still going out: finish them.
      while (end_packets_left_ > 0)
        sendEventPacket(true, last_frame_at_);
    }
    packetizer_->muteDelayed();
    event_active_ = true;
    event_digit_ = digit;
    // Stamp the event where the tone began: where the block check first
    // flagged it, else where the detector confirmed it.
    uint64_t onset = premute_run_ > 0 ? premute_sample_ : atSample;
    event_ts_ =
        ts_base_ + static_cast<uint32_t>(onset) + static_cast<uint32_t>(packetizer_->delay.size());
    event_duration_ = 0;
    event_first_ = true;
    return;
  }
  // Ended.
  uint64_t length = atSample > inband_start_sample_ ? atSample - inband_start_sample_ : 0;
  if (inband_echo_) {
    inband_echo_ = false;
    return;
  }
  ++counters_.dtmfInband;
  reportDigit(digit, DtmfSource::kInband, length);
  if (event_active_) {
    event_active_ = false;
    event_duration_ = std::max<uint32_t>(
        event_duration_, static_cast<uint32_t>(std::min<uint64_t>(length, kMaxEventDuration)));
    end_packets_left_ = 3;
  }
}

void Bridge::sendEventPacket(bool end, core::TimePoint now) {
  const auto& p = config_.params;
  if (!p.sendEventPt) return;
  TelephoneEvent te;
  te.event = static_cast<uint8_t>(dtmfEventCode(event_digit_));
  te.end = end;
  te.volume = 10;
  te.duration = static_cast<uint16_t>(std::min<uint32_t>(event_duration_, kMaxEventDuration));
  std::array<uint8_t, kTelephoneEventSize> payload;
  writeTelephoneEvent(payload, te);
  rtp_.send(*p.sendEventPt, event_ts_, event_first_, payload, now);
  event_first_ = false;
  if (end) {
    if (--end_packets_left_ == 0) audio_resumes_ = true;
    if (end_packets_left_ == 0) ++counters_.dtmfSent;
  }
}

void Bridge::sendAudio(std::span<const int16_t> linear, core::TimePoint now) {
  const auto& p = config_.params;
  Packetizer& pk = *packetizer_;
  size_t per = static_cast<size_t>(std::clamp(p.sendPtimeMs, 10, 40)) * kSamplesPerMs;
  Law law = codecLaw(p.codec);
  uint32_t frameTs = ts_base_ + static_cast<uint32_t>(tdm_samples_);
  size_t done = 0;
  while (done < linear.size()) {
    if (pk.pending_n == 0) pk.pending_ts = frameTs + static_cast<uint32_t>(done);
    size_t n = std::min(per - pk.pending_n, linear.size() - done);
    encode(law, linear.subspan(done, n), std::span(pk.pending).subspan(pk.pending_n, n));
    pk.pending_n += n;
    done += n;
    if (pk.pending_n == per) {
      rtp_.send(p.sendPt, pk.pending_ts, audio_resumes_, std::span(pk.pending).first(per), now);
      audio_resumes_ = false;
      pk.pending_n = 0;
    }
  }
}

void Bridge::onTdmFrame(std::span<const uint8_t> frame, core::TimePoint now) {
  ++counters_.tdmFramesIn;
  last_frame_at_ = now;
  const auto& p = config_.params;
  std::array<int16_t, kFrameSamples> lin{};
  size_t n = std::min(frame.size(), kFrameSamples);
  decode(config_.tdmLaw, frame.first(n), lin);
  bool events = p.sendEventPt.has_value() && sends(p.direction);
  // Half-frame check before the detector runs, so that the detector's start
  // callback sees where a DTMF-like run began.
  bool muteHalf[2] = {false, false};
  if (events) {
    for (int h = 0; h < 2; ++h) {
      auto half = std::span<const int16_t>(lin).subspan(h * kHalf, kHalf);
      if (looksLikeDtmf(half)) {
        if (premute_run_++ == 0) {
          premute_sample_ = tdm_samples_ + h * kHalf;
          // What the hold-back still holds came just before the tone and
          // may carry its first milliseconds: it has not left yet either.
          packetizer_->muteDelayed();
        }
        muteHalf[h] = true;
        // The tone may have begun in the first half, too little of it there
        // to be flagged: that half has not left yet either.
        muteHalf[0] = true;
      } else {
        premute_run_ = 0;
      }
    }
  }
  detector_.process(lin);
  if (events) {
    bool inDigit = detector_.current() != 0;
    for (int h = 0; h < 2; ++h)
      if (muteHalf[h] || inDigit || event_active_ || end_packets_left_ > 0)
        std::fill_n(lin.begin() + h * kHalf, kHalf, int16_t{0});
  }
  packetizer_->delayFrame(lin);
  bool sending = sends(p.direction) && rtp_.hasDestination();
  if (sending) {
    if (event_active_) {
      event_duration_ = static_cast<uint32_t>(std::min<uint64_t>(
          ts_base_ + tdm_samples_ + kFrameSamples + packetizer_->delay.size() - event_ts_,
          kMaxEventDuration));
      sendEventPacket(false, now);
    } else if (end_packets_left_ > 0) {
      sendEventPacket(true, now);
    } else {
      sendAudio(lin, now);
    }
    rtp_.flush();
  }
  tdm_samples_ += kFrameSamples;
}

// ---------------------------------------------------------------------------
// Upkeep

void Bridge::onRtcpReadable(core::TimePoint now, RecvBatch& batch) {
  if (auto s = rtp_.readRtcp(batch, now)) {
    BridgeEvent e = makeEvent(BridgeEvent::Kind::kRtcpReport);
    e.rtcp = *s;
    emit(std::move(e));
  }
}

void Bridge::housekeeping(core::TimePoint now, RecvBatch& batch) {
  // Without B-channel frames nothing reads RTP; read it here so statistics,
  // latching and the timeout still work (early media before the channel is
  // connected, a bridge on hold).
  if (now - last_drain_ > milliseconds(60)) drainRtp(now, batch);
  if (rtp_.rtcpDue(now)) rtp_.sendReport(now);
  const auto& p = config_.params;
  if (config_.mediaTimeout.count() > 0 && receives(p.direction) && p.hasRemote() && !timed_out_) {
    core::TimePoint since = std::max(rtp_.lastReceived(), expect_since_);
    if (now - since > config_.mediaTimeout) {
      timed_out_ = true;
      BridgeEvent e = makeEvent(BridgeEvent::Kind::kMediaTimeout);
      e.duration = std::chrono::duration_cast<milliseconds>(now - since);
      emit(std::move(e));
    }
  }
}

void Bridge::close(core::TimePoint now) {
  if (remote_event_) endRemoteEvent(now, true);
  if (event_active_) {
    // The line went away mid-digit: count it and end the event properly.
    inbandDigit(event_digit_, false, tdm_samples_);
    while (end_packets_left_ > 0)
      sendEventPacket(true, now);
    rtp_.flush();
  }
  rtp_.sendReport(now, true);
}

BridgeStats Bridge::stats() const {
  BridgeStats s = counters_;
  const auto& p = config_.params;
  s.codec = p.codec;
  s.tdmLaw = config_.tdmLaw;
  s.direction = p.direction;
  s.localPort = rtp_.localPort();
  s.remote = rtp_.hasDestination() ? rtp_.destination().str() : "";
  s.latched = rtp_.latched();
  s.rtp = rtp_.counters();
  s.expected = rtp_.receiveStats().expected();
  s.lost = rtp_.receiveStats().lost();
  s.duplicates = rtp_.receiveStats().duplicates();
  s.jitterMs = rtp_.receiveStats().jitter() / static_cast<double>(kSamplesPerMs);
  s.remoteReport = rtp_.lastRtcp();
  s.jitterBuffer = jitter_.stats();
  s.jitterDelay = jitter_.delay();
  s.timedOut = timed_out_;
  return s;
}

}  // namespace outpost::media
