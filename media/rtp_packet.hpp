// RTP packets on the wire (RFC 3550 section 5.1) and the RFC 4733
// telephone-event payload. Parsing validates everything a hostile or broken
// peer could get wrong (version, padding, CSRC list, header extension, length)
// and says why a packet is refused; it never reads past the buffer. Pure
// functions over caller-owned buffers: safe on any thread, no allocation.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

namespace outpost::media {

constexpr size_t kRtpHeaderSize = 12;
// Largest datagram we read; anything longer is truncated by the kernel and
// refused as malformed.
constexpr size_t kMaxRtpPacket = 1500;

struct RtpHeader {
  bool marker = false;
  uint8_t payloadType = 0;
  uint16_t sequence = 0;
  uint32_t timestamp = 0;
  uint32_t ssrc = 0;
};

enum class RtpParseError : uint8_t {
  kNone,
  kTooShort,         // fewer than 12 bytes, or shorter than its CSRCs/extension
  kBadVersion,       // version is not 2
  kBadPadding,       // padding count 0 or longer than the payload
  kBadExtension,     // extension length runs past the end
  kRtcpMultiplexed,  // payload type 72-76: an RTCP packet on the RTP port
};
const char* rtpParseErrorName(RtpParseError e);

struct RtpPacketView {
  RtpHeader header;
  std::span<const uint8_t> payload;  // CSRCs, extension and padding removed
};

// Parses and validates; on failure returns nullopt and sets *why.
std::optional<RtpPacketView> parseRtp(std::span<const uint8_t> data, RtpParseError* why = nullptr);

// Writes a plain header (no CSRC, extension or padding) and the payload;
// returns the bytes written, or 0 when `out` is too small.
size_t writeRtp(std::span<uint8_t> out, const RtpHeader& h, std::span<const uint8_t> payload);

// RFC 4733 section 2.3: event, E bit, volume (0..63, -dBm0), duration in
// timestamp units.
struct TelephoneEvent {
  uint8_t event = 0;
  bool end = false;
  uint8_t volume = 10;
  uint16_t duration = 0;
};
constexpr size_t kTelephoneEventSize = 4;
// The first event of the payload (a longer payload carries redundant blocks,
// RFC 2198, which we do not negotiate).
std::optional<TelephoneEvent> parseTelephoneEvent(std::span<const uint8_t> payload);
void writeTelephoneEvent(std::span<uint8_t, kTelephoneEventSize> out, const TelephoneEvent& e);

// Sequence arithmetic modulo 2^16 / timestamps modulo 2^32.
inline int16_t seqDiff(uint16_t a, uint16_t b) {
  return static_cast<int16_t>(a - b);
}
inline int32_t tsDiff(uint32_t a, uint32_t b) {
  return static_cast<int32_t>(a - b);
}

}  // namespace outpost::media
