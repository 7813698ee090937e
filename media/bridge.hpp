// Bridge: one call's media. On one side the B-channel: 20 ms frames of 160
// bytes in the span's law, in and out, once per frame. On the other an RTP
// session (PCMU or PCMA, telephone-events). In between: G.711 transcoding when
// the laws differ, the jitter buffer, and DTMF both ways:
//
// - RFC 4733 events from RTP become in-band tones toward the B-channel
//   (SpanDSP dtmf_tx) as long as the event says, replacing the audio; updates
//   and the three end packets are recognised, a lost end is ended by a
//   timeout, and each digit is reported once.
// - Digits in the B-channel audio (SpanDSP dtmf_rx) become RFC 4733 events
//   (start with the marker bit, updates every frame, three end packets with
//   the E bit) and are removed from the audio sent as RTP: a per-10-ms check
//   mutes DTMF-like blocks before the detector confirms them (SpanDSP needs
//   ~25-40 ms), and audio packets stop while the event is sent. An optional
//   hold-back delays the RTP audio so even the first milliseconds of a tone
//   can be muted, at the cost of that much delay.
// - SIP INFO digits (from the gateway) are played toward the B-channel.
//
// A Bridge lives on one media thread and is only touched there: the control
// thread talks to it through MediaEngine (media_engine.hpp). Events (digits,
// media timeout, RTCP reports) leave through the EventSink, which the media
// thread forwards to the control thread's loop.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "media/audio.hpp"
#include "media/dtmf.hpp"
#include "media/g711.hpp"
#include "media/jitter_buffer.hpp"
#include "media/negotiation.hpp"
#include "media/rtp_session.hpp"

namespace outpost::media {

using BridgeId = uint64_t;

struct BridgeConfig {
  Law tdmLaw = Law::kMuLaw;  // the span's law
  MediaParams params;        // may lack a remote until the answer arrives
  JitterConfig jitter;
  RtpSession::Config rtp;
  // No RTP for this long while we expect some: a kMediaTimeout event. 0: off.
  std::chrono::milliseconds mediaTimeout{30000};
  // RTP audio delayed this much (0-60 ms) so tones can be muted from their
  // first sample; the per-block check makes 0 enough in practice.
  std::chrono::milliseconds dtmfHoldback{0};
  int dtmfLevelDbm0 = -10;  // tones we generate toward the B-channel
  std::string label;        // for logs: the call's id
};

enum class DtmfSource : uint8_t { kInband, kRfc4733, kSipInfo };
const char* dtmfSourceName(DtmfSource s);  // "inband", "rfc4733", "info"

struct BridgeEvent {
  enum class Kind : uint8_t {
    kDtmf,          // a digit arrived (inband from the B-channel, or RFC 4733 from RTP)
    kMediaTimeout,  // no RTP for mediaTimeout while expecting it
    kMediaResumed,  // RTP came back after a timeout
    kRtcpReport,    // the far end sent a report
    kLatched,       // symmetric RTP chose where to send
  };
  Kind kind = Kind::kDtmf;
  BridgeId id = 0;
  char digit = 0;
  DtmfSource source = DtmfSource::kInband;
  std::chrono::milliseconds duration{0};
  RtcpSummary rtcp;
  std::string address;  // kLatched: the far end's address:port
};
using EventSink = std::function<void(BridgeEvent)>;

struct BridgeStats {
  BridgeId id = 0;
  Codec codec = Codec::kPcmu;
  Law tdmLaw = Law::kMuLaw;
  Direction direction = Direction::kSendRecv;
  uint16_t localPort = 0;
  std::string remote;  // where we send
  bool latched = false;
  RtpCounters rtp;
  uint64_t expected = 0;  // RFC 3550: from the far end's sequence numbers
  int64_t lost = 0;
  uint64_t duplicates = 0;
  double jitterMs = 0;
  RtcpSummary remoteReport;
  JitterStats jitterBuffer;
  std::chrono::milliseconds jitterDelay{0};
  uint64_t unknownPayload = 0;
  uint64_t dtmfInband = 0;   // digits detected in B-channel audio
  uint64_t dtmfRfc4733 = 0;  // digits received as events
  uint64_t dtmfInfo = 0;     // SIP INFO digits played
  uint64_t dtmfSent = 0;     // events we sent
  uint64_t dtmfDropped = 0;  // digits refused because too many were waiting to play
  uint64_t tdmFramesIn = 0;
  uint64_t tdmFramesOut = 0;
  bool timedOut = false;
};

class Bridge {
 public:
  Bridge(BridgeId id, RtpSockets sockets, BridgeConfig config, EventSink sink, core::TimePoint now);
  ~Bridge();
  Bridge(const Bridge&) = delete;
  Bridge& operator=(const Bridge&) = delete;

  BridgeId id() const { return id_; }
  uint16_t localPort() const { return rtp_.localPort(); }
  int rtpFd() const { return rtp_.rtpFd(); }
  int rtcpFd() const { return rtp_.rtcpFd(); }

  // --- once per 20 ms frame, on the media thread ---
  // Audio that arrived from the B-channel (160 bytes in the span's law).
  void onTdmFrame(std::span<const uint8_t> frame, core::TimePoint now);
  // Audio for the B-channel: RTP through the jitter buffer, DTMF tones,
  // silence on hold or when nothing came. Reads the RTP socket first.
  void produceTdmFrame(std::span<uint8_t> out, core::TimePoint now);

  // --- control, by message from the control thread ---
  // New negotiated parameters (re-INVITE, hold, the answer to our offer).
  void update(const MediaParams& params, core::TimePoint now);
  void setTdmLaw(Law law) { config_.tdmLaw = law; }
  // SIP INFO: play a digit toward the B-channel (50 ms - 5 s).
  void playDigit(char digit, std::chrono::milliseconds duration);
  BridgeStats stats() const;

  // --- upkeep, called by the media thread every few ms ---
  // Reads RTP when no B-channel frame did lately, reads RTCP, sends reports
  // when due, watches the media timeout.
  void housekeeping(core::TimePoint now, RecvBatch& batch);
  void onRtcpReadable(core::TimePoint now, RecvBatch& batch);
  void drainRtp(core::TimePoint now, RecvBatch& batch);
  // Before destruction: RTCP BYE, and report a digit still in progress.
  void close(core::TimePoint now);
  // The media thread's receive buffers, shared by all its bridges.
  void useBatch(RecvBatch* batch) { batch_ = batch; }

 private:
  struct Packetizer;
  void onRtpPacket(const RtpPacketView& p, core::TimePoint arrival);
  void onTelephoneEvent(const RtpPacketView& p, core::TimePoint arrival);
  void endRemoteEvent(core::TimePoint now, bool timedOut);
  void startNextTone();
  void fillTone(std::span<int16_t> frame, core::TimePoint now);
  void inbandDigit(char digit, bool started, uint64_t atSample);
  void sendEventPacket(bool end, core::TimePoint now);
  void sendAudio(std::span<const int16_t> linear, core::TimePoint now);
  void applyParams(const MediaParams& params);
  void emit(BridgeEvent e);
  void reportDigit(char digit, DtmfSource source, uint64_t samples);

  BridgeId id_;
  BridgeConfig config_;
  EventSink sink_;
  RtpSession rtp_;
  JitterBuffer jitter_;
  // The media thread lends its receive buffers; alone (tests) a bridge
  // makes its own.
  RecvBatch* batch_ = nullptr;
  std::unique_ptr<RecvBatch> own_batch_;

  // RTP -> TDM: remote events and SIP INFO digits as tones.
  DtmfGenerator tone_;
  struct PendingTone {
    char digit;
    uint64_t samples;  // 0: open-ended (an RFC 4733 event still arriving)
    int level;
  };
  std::deque<PendingTone> tones_;
  bool remote_event_ = false;       // an RFC 4733 event is in progress
  bool remote_event_tone_ = false;  // ... and its tone is the one playing
  uint32_t remote_event_ts_ = 0;
  char remote_event_digit_ = 0;
  uint16_t remote_event_duration_ = 0;
  uint32_t remote_event_base_ = 0;  // samples of earlier segments of a long event
  bool remote_event_tone_pending_ = false;
  core::TimePoint remote_event_last_{};
  std::array<uint32_t, 8> ended_events_{};  // timestamps of recent events, for late end packets
  size_t ended_next_ = 0;
  bool have_ended_ = false;
  char tone_digit_ = 0;              // the digit playing (or played last)
  uint32_t gap_samples_ = 0;         // silence still owed between two tones
  core::TimePoint tone_ended_at_{};  // for telling our own tone's echo from a digit

  // TDM -> RTP.
  std::unique_ptr<Packetizer> packetizer_;
  DtmfDetector detector_;
  bool event_active_ = false;  // an RFC 4733 event we send
  char event_digit_ = 0;
  uint32_t event_ts_ = 0;
  uint32_t event_duration_ = 0;
  int end_packets_left_ = 0;
  bool inband_echo_ = false;  // the digit now heard is our own tone coming back
  uint64_t inband_start_sample_ = 0;
  bool event_first_ = false;     // the next event packet starts the event (marker bit)
  uint32_t ts_base_;             // RTP timestamp of B-channel sample 0 (random start)
  uint64_t tdm_samples_ = 0;     // samples seen from the B-channel
  int premute_run_ = 0;          // consecutive DTMF-like half frames
  uint64_t premute_sample_ = 0;  // where the run began
  bool audio_resumes_ = true;    // marker bit on the next audio packet
  core::TimePoint last_frame_at_{};
  core::TimePoint expect_since_{};  // when we started expecting RTP

  core::TimePoint last_drain_{};
  bool timed_out_ = false;
  bool latched_reported_ = false;
  BridgeStats counters_;
};

}  // namespace outpost::media
