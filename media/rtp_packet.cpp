#include "media/rtp_packet.hpp"

#include "media/byte_order.hpp"

namespace outpost::media {
namespace {
using wire::be16;
using wire::be32;
using wire::put16;
using wire::put32;
std::optional<RtpPacketView> fail(RtpParseError* why, RtpParseError e) {
  if (why) *why = e;
  return std::nullopt;
}
}  // namespace

const char* rtpParseErrorName(RtpParseError e) {
  switch (e) {
    case RtpParseError::kNone:
      return "ok";
    case RtpParseError::kTooShort:
      return "too short";
    case RtpParseError::kBadVersion:
      return "not RTP version 2";
    case RtpParseError::kBadPadding:
      return "bad padding";
    case RtpParseError::kBadExtension:
      return "bad header extension";
    case RtpParseError::kRtcpMultiplexed:
      return "RTCP on the RTP port";
  }
  return "?";
}

std::optional<RtpPacketView> parseRtp(std::span<const uint8_t> d, RtpParseError* why) {
  if (d.size() < kRtpHeaderSize) return fail(why, RtpParseError::kTooShort);
  const uint8_t* p = d.data();
  if ((p[0] >> 6) != 2) return fail(why, RtpParseError::kBadVersion);
  bool padding = p[0] & 0x20;
  bool extension = p[0] & 0x10;
  size_t csrcs = p[0] & 0x0F;
  uint8_t pt = p[1] & 0x7F;
  // RFC 5761: 72-76 with the marker bit are RTCP SR/RR/SDES/BYE/APP.
  if (pt >= 72 && pt <= 76) return fail(why, RtpParseError::kRtcpMultiplexed);
  size_t off = kRtpHeaderSize + 4 * csrcs;
  if (d.size() < off) return fail(why, RtpParseError::kTooShort);
  if (extension) {
    if (d.size() < off + 4) return fail(why, RtpParseError::kBadExtension);
    size_t words = be16(p + off + 2);
    off += 4 + 4 * words;
    if (d.size() < off) return fail(why, RtpParseError::kBadExtension);
  }
  size_t end = d.size();
  if (padding) {
    size_t pad = p[d.size() - 1];
    if (pad == 0 || pad > end - off) return fail(why, RtpParseError::kBadPadding);
    end -= pad;
  }
  RtpPacketView v;
  v.header.marker = p[1] & 0x80;
  v.header.payloadType = pt;
  v.header.sequence = be16(p + 2);
  v.header.timestamp = be32(p + 4);
  v.header.ssrc = be32(p + 8);
  v.payload = d.subspan(off, end - off);
  if (why) *why = RtpParseError::kNone;
  return v;
}

size_t writeRtp(std::span<uint8_t> out, const RtpHeader& h, std::span<const uint8_t> payload) {
  size_t total = kRtpHeaderSize + payload.size();
  if (out.size() < total) return 0;
  uint8_t* p = out.data();
  p[0] = 0x80;
  p[1] = static_cast<uint8_t>((h.marker ? 0x80 : 0) | (h.payloadType & 0x7F));
  put16(p + 2, h.sequence);
  put32(p + 4, h.timestamp);
  put32(p + 8, h.ssrc);
  for (size_t i = 0; i < payload.size(); ++i)
    p[kRtpHeaderSize + i] = payload[i];
  return total;
}

std::optional<TelephoneEvent> parseTelephoneEvent(std::span<const uint8_t> payload) {
  if (payload.size() < kTelephoneEventSize) return std::nullopt;
  TelephoneEvent e;
  e.event = payload[0];
  e.end = payload[1] & 0x80;
  e.volume = payload[1] & 0x3F;
  e.duration = be16(payload.data() + 2);
  return e;
}

void writeTelephoneEvent(std::span<uint8_t, kTelephoneEventSize> out, const TelephoneEvent& e) {
  out[0] = e.event;
  out[1] = static_cast<uint8_t>((e.end ? 0x80 : 0) | (e.volume & 0x3F));
  put16(out.data() + 2, e.duration);
}

}  // namespace outpost::media
