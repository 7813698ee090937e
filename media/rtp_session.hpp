// RtpSession: one RTP/RTCP session on its own socket pair. It frames and
// sends packets (our SSRC, sequence numbers), takes in what arrives with
// validation (anything malformed or from the wrong source is dropped and
// counted, never fatal), applies the symmetric-RTP rule, keeps the RFC 3550
// receive statistics, and sends and reads RTCP sender/receiver reports at the
// RFC interval with round-trip time from LSR/DLSR. It does not know what the
// payload is: the bridge above it does.
//
// Time is passed in (steady clock), so tests drive it by hand. An RtpSession
// belongs to one media thread.
#pragma once

#include <functional>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "media/rtcp.hpp"
#include "media/rtp_packet.hpp"
#include "media/udp.hpp"

namespace outpost::media {

// Where we send, once packets arrive (symmetric RTP, RFC 4961 style).
enum class Latching : uint8_t {
  kOff,          // send to the SDP address; accept only from the SDP address (any port)
  kSameAddress,  // latch once onto the first source with the SDP address (NAT'd port)
  kAny,          // latch once onto the first source, whatever its address (NAT'd phones)
};
const char* latchingName(Latching l);  // "off", "address", "any"
std::optional<Latching> parseLatching(std::string_view name);

struct RtpCounters {
  uint64_t packetsSent = 0;
  uint64_t octetsSent = 0;
  uint64_t packetsReceived = 0;  // accepted
  uint64_t octetsReceived = 0;
  uint64_t malformed = 0;
  uint64_t wrongSource = 0;  // dropped by the latching rule
  uint64_t rtcpSent = 0;
  uint64_t rtcpReceived = 0;
  uint64_t rtcpMalformed = 0;
  uint64_t ssrcChanges = 0;
};

// What the far end told us in its last report, and our view of it.
struct RtcpSummary {
  uint8_t remoteFractionLost = 0;  // how the far end sees our stream, /256
  int32_t remoteCumulativeLost = 0;
  uint32_t remoteJitter = 0;  // timestamp units
  std::optional<std::chrono::microseconds> roundTrip;
  bool bye = false;
};

class RtpSession {
 public:
  struct Config {
    Latching latching = Latching::kSameAddress;
    core::Duration rtcpInterval = std::chrono::seconds(5);  // RFC 3550 minimum
    std::string cname = "outpost";
  };

  RtpSession(RtpSockets sockets, Config config, core::TimePoint now);
  ~RtpSession();
  RtpSession(const RtpSession&) = delete;
  RtpSession& operator=(const RtpSession&) = delete;

  int rtpFd() const { return sockets_.rtp.get(); }
  int rtcpFd() const { return sockets_.rtcp.get(); }
  uint16_t localPort() const { return sockets_.port; }
  const std::string& localAddress() const { return sockets_.address; }
  uint32_t ssrc() const { return ssrc_; }

  // The far end from SDP (re-INVITEs call it again: the latch starts over).
  void setRemote(const Endpoint& rtp, const Endpoint& rtcp);
  bool hasDestination() const { return dest_.valid(); }
  const Endpoint& destination() const { return dest_; }
  bool latched() const { return latched_; }

  // Queues one packet to the current destination; flush() sends the queue.
  void send(uint8_t pt, uint32_t ts, bool marker, std::span<const uint8_t> payload,
            core::TimePoint now);
  void flush();

  // Reads what waits on the RTP socket. `sink` sees each accepted packet;
  // `audio(pt)` says which payload types feed the jitter statistics.
  using Sink = std::function<void(const RtpPacketView&, core::TimePoint arrival)>;
  size_t drain(RecvBatch& batch, const Sink& sink, const std::function<bool(uint8_t)>& audio);

  // RTCP: read what waits (reports about us and the far end's SRs).
  std::optional<RtcpSummary> readRtcp(RecvBatch& batch, core::TimePoint now);
  bool rtcpDue(core::TimePoint now) const { return now >= next_rtcp_; }
  // Sends our SR (if we sent since the last report) or RR, with a report
  // block about the far end's stream once we have one; BYE when closing.
  void sendReport(core::TimePoint now, bool bye = false);

  // Last time an accepted RTP packet arrived (creation time before any).
  core::TimePoint lastReceived() const { return last_rx_; }
  bool receivedAny() const { return stats_.started(); }
  const RtpCounters& counters() const { return counters_; }
  const RtpReceiveStats& receiveStats() const { return stats_; }
  const RtcpSummary& lastRtcp() const { return summary_; }
  uint32_t remoteSsrc() const { return remote_ssrc_; }

 private:
  bool acceptSource(const Endpoint& from);
  uint64_t ntpAt(core::TimePoint t) const;
  uint32_t unitsAt(core::TimePoint t) const;

  RtpSockets sockets_;
  Config config_;
  std::mt19937 rng_;
  uint32_t ssrc_;
  uint16_t seq_;
  SendBatch out_;
  SendBatch rtcp_out_;
  Endpoint sdp_rtp_, sdp_rtcp_, dest_, rtcp_dest_;
  bool latched_ = false;
  bool rtcp_latched_ = false;
  bool have_remote_ssrc_ = false;
  uint32_t remote_ssrc_ = 0;
  RtpReceiveStats stats_;
  RtpCounters counters_;
  RtcpSummary summary_;
  core::TimePoint created_;
  core::WallTime created_wall_;
  core::TimePoint last_rx_;
  core::TimePoint next_rtcp_;
  bool sent_since_report_ = false;
  uint32_t last_sent_ts_ = 0;
  core::TimePoint last_sent_at_{};
  uint32_t last_sr_middle_ = 0;  // LSR for our report block
  core::TimePoint last_sr_at_{};
  double avg_rtcp_size_ = 100;
};

}  // namespace outpost::media
