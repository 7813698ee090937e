// RTCP (RFC 3550 section 6): sender and receiver reports, SDES CNAME and BYE
// in compound packets, the receive statistics behind a report block (sequence
// tracking with wrap and restart, loss, interarrival jitter: appendices A.1,
// A.3, A.8), round-trip time from LSR/DLSR, and the report interval (A.7).
// Plain values and pure functions; a RtpReceiveStats belongs to the thread
// that receives the stream.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <random>
#include <span>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "core/result.hpp"

namespace outpost::media {

// 64-bit NTP timestamp (seconds since 1900 in the high word) of a wall time.
uint64_t toNtp(core::WallTime t);
// The middle 32 bits, the unit of LSR and DLSR (1/65536 s).
inline uint32_t ntpMiddle(uint64_t ntp) {
  return static_cast<uint32_t>(ntp >> 16);
}

struct SenderInfo {
  uint64_t ntp = 0;
  uint32_t rtpTimestamp = 0;
  uint32_t packetCount = 0;
  uint32_t octetCount = 0;
};

struct ReportBlock {
  uint32_t ssrc = 0;           // the source this block is about
  uint8_t fractionLost = 0;    // since the last report, /256
  int32_t cumulativeLost = 0;  // 24-bit signed on the wire
  uint32_t highestSeq = 0;     // extended (cycles << 16 | max seq)
  uint32_t jitter = 0;         // timestamp units
  uint32_t lsr = 0;            // middle of the last SR's NTP time
  uint32_t dlsr = 0;           // delay since that SR, 1/65536 s
};

// One compound packet, as much of it as we use.
struct RtcpReport {
  uint32_t ssrc = 0;  // the reporter
  std::optional<SenderInfo> sender;
  std::vector<ReportBlock> blocks;
  std::string cname;
  bool bye = false;
};

// Validates the compound packet (version, first packet SR or RR, every
// length inside the datagram, padding only at the end) and extracts SR/RR,
// CNAME and BYE; other packet types are skipped.
core::Result<RtcpReport> parseRtcp(std::span<const uint8_t> data);

// SR when `sender` is set, else RR; then SDES with CNAME; then BYE when
// asked. Returns the bytes written, 0 when `out` is too small.
size_t writeRtcp(std::span<uint8_t> out, uint32_t ssrc, const std::optional<SenderInfo>& sender,
                 std::span<const ReportBlock> blocks, const std::string& cname, bool bye = false);

// Round trip from a report block about us, received when our NTP clock read
// `arrivalNtp`. nullopt when the peer has not seen an SR from us (LSR 0).
std::optional<std::chrono::microseconds> roundTrip(const ReportBlock& b, uint64_t arrivalNtp);

// The receive side of one remote source.
class RtpReceiveStats {
 public:
  // Feeds one packet's sequence number. Returns false for a duplicate or a
  // packet from before the current sequence (counted, not for playout stats),
  // and for the first packet of a suspected restart (a jump of more than
  // 3000); two in a row restart the count.
  bool onSequence(uint16_t seq);
  // Feeds the timing of an audio packet: its RTP timestamp and its arrival
  // time expressed in the same clock (8 kHz units). Not for telephone-events,
  // whose timestamp is the event's start.
  void onTiming(uint32_t rtpTimestamp, uint32_t arrivalUnits);
  // A report block for this source, advancing the "since last report" marks.
  ReportBlock makeBlock(uint32_t sourceSsrc, uint32_t lsr, uint32_t dlsr);

  bool started() const { return started_; }
  uint64_t received() const { return received_; }
  uint64_t expected() const;
  int64_t lost() const {
    return static_cast<int64_t>(expected()) - static_cast<int64_t>(received_);
  }
  uint32_t jitter() const { return jitter16_ >> 4; }  // timestamp units
  uint64_t duplicates() const { return duplicates_; }
  uint32_t extendedMax() const { return cycles_ + max_seq_; }

 private:
  void reset(uint16_t seq);
  bool started_ = false;
  uint16_t max_seq_ = 0;
  uint32_t cycles_ = 0;
  uint32_t base_seq_ = 0;
  uint32_t bad_seq_ = 1u << 17;
  uint64_t received_ = 0;
  uint64_t expected_prior_ = 0;
  uint64_t received_prior_ = 0;
  uint64_t duplicates_ = 0;
  uint64_t seen_bits_ = 0;  // last 64 sequence numbers, for duplicate detection
  bool have_transit_ = false;
  int32_t transit_ = 0;
  uint32_t jitter16_ = 0;
};

// RFC 3550 A.7 for a two-party session: the deterministic interval is at
// least `minimum` (5 s by the RFC; half of it before the first report),
// randomised over [0.5, 1.5] and divided by e - 3/2.
core::Duration rtcpInterval(core::Duration minimum, bool initial, double avgRtcpBytes,
                            double sessionBandwidthBps, std::mt19937& rng);

}  // namespace outpost::media
