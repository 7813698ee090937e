#include "media/rtcp.hpp"

#include <algorithm>
#include <cmath>

#include "media/byte_order.hpp"

namespace outpost::media {
namespace {

constexpr uint8_t kSr = 200, kRr = 201, kSdes = 202, kBye = 203;
constexpr uint32_t kMaxDropout = 3000;
constexpr uint32_t kMaxMisorder = 100;
constexpr uint32_t kSeqMod = 1u << 16;

using wire::be16;
using wire::be32;
using wire::put16;
using wire::put32;

ReportBlock readBlock(const uint8_t* p) {
  ReportBlock b;
  b.ssrc = be32(p);
  b.fractionLost = p[4];
  uint32_t lost = (uint32_t{p[5]} << 16) | (uint32_t{p[6]} << 8) | p[7];
  b.cumulativeLost =
      (lost & 0x800000) ? static_cast<int32_t>(lost | 0xFF000000u) : static_cast<int32_t>(lost);
  b.highestSeq = be32(p + 8);
  b.jitter = be32(p + 12);
  b.lsr = be32(p + 16);
  b.dlsr = be32(p + 20);
  return b;
}

void writeBlock(uint8_t* p, const ReportBlock& b) {
  put32(p, b.ssrc);
  p[4] = b.fractionLost;
  int32_t lost = std::clamp(b.cumulativeLost, -0x800000, 0x7FFFFF);
  auto l = static_cast<uint32_t>(lost) & 0xFFFFFF;
  p[5] = static_cast<uint8_t>(l >> 16);
  p[6] = static_cast<uint8_t>(l >> 8);
  p[7] = static_cast<uint8_t>(l);
  put32(p + 8, b.highestSeq);
  put32(p + 12, b.jitter);
  put32(p + 16, b.lsr);
  put32(p + 20, b.dlsr);
}

core::Error bad(const std::string& why) {
  return core::invalidArgument("malformed RTCP: " + why);
}

}  // namespace

uint64_t toNtp(core::WallTime t) {
  // NTP counts from 1900; Unix from 1970: 70 years with 17 leap days.
  constexpr uint64_t kEpochOffset = 2208988800ull;
  auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
  if (ns < 0) ns = 0;
  uint64_t secs = static_cast<uint64_t>(ns) / 1000000000ull;
  uint64_t frac = (static_cast<uint64_t>(ns) % 1000000000ull) * (1ull << 32) / 1000000000ull;
  return ((secs + kEpochOffset) << 32) | frac;
}

core::Result<RtcpReport> parseRtcp(std::span<const uint8_t> d) {
  RtcpReport r;
  size_t off = 0;
  bool first = true;
  while (off < d.size()) {
    if (d.size() - off < 4) return bad("truncated header");
    const uint8_t* p = d.data() + off;
    if ((p[0] >> 6) != 2) return bad("version is not 2");
    bool padding = p[0] & 0x20;
    int count = p[0] & 0x1F;
    uint8_t type = p[1];
    size_t len = (size_t{be16(p + 2)} + 1) * 4;
    if (len > d.size() - off) return bad("length runs past the datagram");
    if (first && type != kSr && type != kRr)
      return bad("compound packet does not start with SR or RR");
    size_t body = len;
    if (padding) {
      if (off + len != d.size()) return bad("padding before the last packet");
      size_t pad = p[len - 1];
      if (pad == 0 || pad > len - 4) return bad("bad padding");
      body = len - pad;
    }
    if (type == kSr || type == kRr) {
      size_t fixed = type == kSr ? 28 : 8;
      if (body < fixed + 24 * static_cast<size_t>(count))
        return bad("report shorter than its blocks");
      if (first) {
        r.ssrc = be32(p + 4);
        if (type == kSr) {
          SenderInfo s;
          s.ntp = (uint64_t{be32(p + 8)} << 32) | be32(p + 12);
          s.rtpTimestamp = be32(p + 16);
          s.packetCount = be32(p + 20);
          s.octetCount = be32(p + 24);
          r.sender = s;
        }
      }
      for (int i = 0; i < count; ++i)
        r.blocks.push_back(readBlock(p + fixed + 24 * i));
    } else if (type == kSdes) {
      // Chunks: SSRC, then items (type, length, text) ended by a zero type.
      size_t q = 4;
      for (int c = 0; c < count && q + 4 <= body; ++c) {
        uint32_t who = be32(p + q);
        q += 4;
        while (q < body && p[q] != 0) {
          if (q + 2 > body) return bad("SDES item truncated");
          uint8_t itemType = p[q];
          size_t itemLen = p[q + 1];
          if (q + 2 + itemLen > body) return bad("SDES item runs past its packet");
          if (itemType == 1 && who == r.ssrc)
            r.cname.assign(reinterpret_cast<const char*>(p + q + 2), itemLen);
          q += 2 + itemLen;
        }
        q = (q + 4) & ~size_t{3};  // the zero item, then pad to 32 bits
      }
    } else if (type == kBye) {
      r.bye = true;
    }
    first = false;
    off += len;
  }
  if (first) return bad("empty");
  return r;
}

size_t writeRtcp(std::span<uint8_t> out, uint32_t ssrc, const std::optional<SenderInfo>& sender,
                 std::span<const ReportBlock> blocks, const std::string& cname, bool bye) {
  size_t nblocks = std::min<size_t>(blocks.size(), 31);
  size_t reportLen = (sender ? 28 : 8) + 24 * nblocks;
  size_t nameLen = std::min<size_t>(cname.size(), 255);
  size_t sdesLen = (8 + 2 + nameLen + 1 + 3) & ~size_t{3};
  size_t byeLen = bye ? 8 : 0;
  size_t total = reportLen + sdesLen + byeLen;
  if (out.size() < total) return 0;
  uint8_t* p = out.data();
  std::fill(p, p + total, 0);
  p[0] = static_cast<uint8_t>(0x80 | nblocks);
  p[1] = sender ? kSr : kRr;
  put16(p + 2, static_cast<uint16_t>(reportLen / 4 - 1));
  put32(p + 4, ssrc);
  size_t q = 8;
  if (sender) {
    put32(p + 8, static_cast<uint32_t>(sender->ntp >> 32));
    put32(p + 12, static_cast<uint32_t>(sender->ntp));
    put32(p + 16, sender->rtpTimestamp);
    put32(p + 20, sender->packetCount);
    put32(p + 24, sender->octetCount);
    q = 28;
  }
  for (size_t i = 0; i < nblocks; ++i, q += 24)
    writeBlock(p + q, blocks[i]);
  uint8_t* s = p + reportLen;
  s[0] = 0x81;
  s[1] = kSdes;
  put16(s + 2, static_cast<uint16_t>(sdesLen / 4 - 1));
  put32(s + 4, ssrc);
  s[8] = 1;  // CNAME
  s[9] = static_cast<uint8_t>(nameLen);
  std::copy(cname.begin(), cname.begin() + static_cast<std::ptrdiff_t>(nameLen), s + 10);
  if (bye) {
    uint8_t* b = s + sdesLen;
    b[0] = 0x81;
    b[1] = kBye;
    put16(b + 2, 1);
    put32(b + 4, ssrc);
  }
  return total;
}

std::optional<std::chrono::microseconds> roundTrip(const ReportBlock& b, uint64_t arrivalNtp) {
  if (b.lsr == 0) return std::nullopt;
  uint32_t a = ntpMiddle(arrivalNtp);
  auto rtt = static_cast<int32_t>(a - b.lsr - b.dlsr);
  if (rtt < 0) rtt = 0;
  return std::chrono::microseconds(static_cast<int64_t>(rtt) * 1000000 / 65536);
}

void RtpReceiveStats::reset(uint16_t seq) {
  started_ = true;
  base_seq_ = seq;
  max_seq_ = seq;
  bad_seq_ = kSeqMod + 1;
  cycles_ = 0;
  received_ = 0;
  received_prior_ = 0;
  expected_prior_ = 0;
  seen_bits_ = 1;
}

uint64_t RtpReceiveStats::expected() const {
  if (!started_) return 0;
  return uint64_t{cycles_} + max_seq_ - base_seq_ + 1;
}

bool RtpReceiveStats::onSequence(uint16_t seq) {
  if (!started_) {
    reset(seq);
    received_ = 1;
    return true;
  }
  auto udelta = static_cast<uint16_t>(seq - max_seq_);
  if (udelta == 0) {
    ++duplicates_;
    return false;
  }
  if (udelta < kMaxDropout) {
    if (seq < max_seq_) cycles_ += kSeqMod;
    max_seq_ = seq;
    seen_bits_ = udelta >= 64 ? 1 : (seen_bits_ << udelta) | 1;
  } else if (udelta <= kSeqMod - kMaxMisorder) {
    // A big jump: the sender restarted (or is hostile). Believe it only when
    // the next packet follows on from it.
    if (seq == bad_seq_) {
      uint64_t dups = duplicates_;
      reset(seq);
      duplicates_ = dups;
      received_ = 1;
      return true;
    }
    bad_seq_ = (seq + 1u) & (kSeqMod - 1);
    return false;
  } else {
    // Older than the highest: a reordered packet or a duplicate.
    uint16_t back = static_cast<uint16_t>(max_seq_ - seq);
    if (back < 64) {
      uint64_t bit = uint64_t{1} << back;
      if (seen_bits_ & bit) {
        ++duplicates_;
        return false;
      }
      seen_bits_ |= bit;
    }
  }
  ++received_;
  return true;
}

void RtpReceiveStats::onTiming(uint32_t rtpTimestamp, uint32_t arrivalUnits) {
  auto transit = static_cast<int32_t>(arrivalUnits - rtpTimestamp);
  if (have_transit_) {
    int32_t d = transit - transit_;
    if (d < 0) d = -d;
    // J += (|D| - J) / 16, kept scaled by 16 (RFC 3550 A.8).
    jitter16_ += static_cast<uint32_t>(d) - ((jitter16_ + 8) >> 4);
  }
  transit_ = transit;
  have_transit_ = true;
}

ReportBlock RtpReceiveStats::makeBlock(uint32_t sourceSsrc, uint32_t lsr, uint32_t dlsr) {
  ReportBlock b;
  b.ssrc = sourceSsrc;
  uint64_t exp = expected();
  int64_t expInterval = static_cast<int64_t>(exp - expected_prior_);
  int64_t recvInterval = static_cast<int64_t>(received_ - received_prior_);
  expected_prior_ = exp;
  received_prior_ = received_;
  int64_t lostInterval = expInterval - recvInterval;
  b.fractionLost =
      (expInterval == 0 || lostInterval <= 0)
          ? 0
          : static_cast<uint8_t>(std::min<int64_t>(255, (lostInterval << 8) / expInterval));
  b.cumulativeLost = static_cast<int32_t>(std::clamp<int64_t>(lost(), -0x800000, 0x7FFFFF));
  b.highestSeq = extendedMax();
  b.jitter = jitter();
  b.lsr = lsr;
  b.dlsr = dlsr;
  return b;
}

core::Duration rtcpInterval(core::Duration minimum, bool initial, double avgRtcpBytes,
                            double sessionBandwidthBps, std::mt19937& rng) {
  // RTCP gets 5% of the session bandwidth; two members share it.
  double rtcpBw = sessionBandwidthBps / 8.0 * 0.05;
  double t = rtcpBw > 0 ? 2.0 * avgRtcpBytes / rtcpBw : 0;
  double tmin = std::chrono::duration<double>(minimum).count();
  if (initial) tmin /= 2;
  t = std::max(t, tmin);
  std::uniform_real_distribution<double> spread(0.5, 1.5);
  t = t * spread(rng) / (std::exp(1.0) - 1.5);
  return std::chrono::duration_cast<core::Duration>(std::chrono::duration<double>(t));
}

}  // namespace outpost::media
