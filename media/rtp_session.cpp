#include "media/rtp_session.hpp"

#include <sys/socket.h>

#include "media/random.hpp"

namespace outpost::media {

const char* latchingName(Latching l) {
  switch (l) {
    case Latching::kOff:
      return "off";
    case Latching::kSameAddress:
      return "address";
    case Latching::kAny:
      return "any";
  }
  return "?";
}

std::optional<Latching> parseLatching(std::string_view name) {
  for (auto l : {Latching::kOff, Latching::kSameAddress, Latching::kAny})
    if (name == latchingName(l)) return l;
  return std::nullopt;
}

RtpSession::RtpSession(RtpSockets sockets, Config config, core::TimePoint now)
    : sockets_(std::move(sockets)),
      config_(std::move(config)),
      rng_(randomWord()),
      ssrc_(static_cast<uint32_t>(rng_())),
      seq_(static_cast<uint16_t>(rng_())),
      created_(now),
      created_wall_(std::chrono::system_clock::now()),
      last_rx_(now) {
  next_rtcp_ = now + rtcpInterval(config_.rtcpInterval, true, avg_rtcp_size_, 64000 * 2, rng_);
}

RtpSession::~RtpSession() = default;

void RtpSession::setRemote(const Endpoint& rtp, const Endpoint& rtcp) {
  sdp_rtp_ = rtp;
  sdp_rtcp_ = rtcp;
  dest_ = rtp;
  rtcp_dest_ = rtcp;
  latched_ = false;
  rtcp_latched_ = false;
}

uint64_t RtpSession::ntpAt(core::TimePoint t) const {
  return toNtp(created_wall_ + (t - created_));
}

uint32_t RtpSession::unitsAt(core::TimePoint t) const {
  auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(t - created_).count();
  return static_cast<uint32_t>(ns / 125000);  // 8 kHz
}

void RtpSession::send(uint8_t pt, uint32_t ts, bool marker, std::span<const uint8_t> payload,
                      core::TimePoint now) {
  if (!dest_.valid()) return;
  auto buf = out_.next();
  size_t n = writeRtp(buf, RtpHeader{marker, pt, seq_, ts, ssrc_}, payload);
  if (n == 0) return;
  ++seq_;
  out_.commit(n, dest_);
  ++counters_.packetsSent;
  counters_.octetsSent += payload.size();
  sent_since_report_ = true;
  last_sent_ts_ = ts;
  last_sent_at_ = now;
}

void RtpSession::flush() {
  out_.flush(sockets_.rtp.get());
}

bool RtpSession::acceptSource(const Endpoint& from) {
  if (latched_) return from == dest_;
  bool fromSdp = sdp_rtp_.valid() && from.sameAddress(sdp_rtp_);
  switch (config_.latching) {
    case Latching::kOff:
      return fromSdp;
    case Latching::kSameAddress:
      if (!fromSdp) return false;
      break;
    case Latching::kAny:
      break;
  }
  // The first acceptable packet decides where we send from now on; nobody
  // else can take the stream over afterwards.
  dest_ = from;
  latched_ = true;
  return true;
}

size_t RtpSession::drain(RecvBatch& batch, const Sink& sink,
                         const std::function<bool(uint8_t)>& audio) {
  size_t accepted = 0;
  for (;;) {
    auto got = batch.read(sockets_.rtp.get());
    for (const Datagram& d : got) {
      RtpParseError why;
      auto v = d.truncated ? std::nullopt : parseRtp(d.data, &why);
      if (!v) {
        ++counters_.malformed;
        continue;
      }
      if (!acceptSource(d.from)) {
        ++counters_.wrongSource;
        continue;
      }
      if (!have_remote_ssrc_ || v->header.ssrc != remote_ssrc_) {
        // A new stream from the same (accepted) source: the far end
        // restarted or was transferred. Statistics start over.
        if (have_remote_ssrc_) ++counters_.ssrcChanges;
        have_remote_ssrc_ = true;
        remote_ssrc_ = v->header.ssrc;
        stats_ = RtpReceiveStats();
      }
      if (!stats_.onSequence(v->header.sequence)) continue;  // duplicate or stray
      if (audio(v->header.payloadType)) stats_.onTiming(v->header.timestamp, unitsAt(d.arrival));
      ++counters_.packetsReceived;
      counters_.octetsReceived += v->payload.size();
      last_rx_ = d.arrival;
      ++accepted;
      sink(*v, d.arrival);
    }
    if (got.size() < RecvBatch::kBatch) break;
  }
  return accepted;
}

std::optional<RtcpSummary> RtpSession::readRtcp(RecvBatch& batch, core::TimePoint now) {
  std::optional<RtcpSummary> result;
  for (;;) {
    auto got = batch.read(sockets_.rtcp.get());
    for (const Datagram& d : got) {
      // RTCP comes from the far end's address only (its port may be NAT'd).
      bool fromPeer = (dest_.valid() && d.from.sameAddress(dest_)) ||
                      (sdp_rtcp_.valid() && d.from.sameAddress(sdp_rtcp_));
      if (!fromPeer || d.truncated) {
        ++counters_.wrongSource;
        continue;
      }
      auto r = parseRtcp(d.data);
      if (!r) {
        ++counters_.rtcpMalformed;
        continue;
      }
      ++counters_.rtcpReceived;
      avg_rtcp_size_ = avg_rtcp_size_ * 15 / 16 + static_cast<double>(d.data.size() + 28) / 16;
      if (!rtcp_latched_ && config_.latching != Latching::kOff) {
        rtcp_dest_ = d.from;
        rtcp_latched_ = true;
      }
      if (r->sender) {
        last_sr_middle_ = ntpMiddle(r->sender->ntp);
        last_sr_at_ = d.arrival;
      }
      for (const auto& b : r->blocks) {
        if (b.ssrc != ssrc_) continue;
        summary_.remoteFractionLost = b.fractionLost;
        summary_.remoteCumulativeLost = b.cumulativeLost;
        summary_.remoteJitter = b.jitter;
        if (auto rtt = roundTrip(b, ntpAt(d.arrival))) summary_.roundTrip = rtt;
      }
      summary_.bye = summary_.bye || r->bye;
      result = summary_;
    }
    if (got.size() < RecvBatch::kBatch) break;
  }
  (void)now;
  return result;
}

void RtpSession::sendReport(core::TimePoint now, bool bye) {
  next_rtcp_ = now + rtcpInterval(config_.rtcpInterval, false, avg_rtcp_size_, 64000 * 2, rng_);
  if (!rtcp_dest_.valid()) return;
  std::optional<SenderInfo> sender;
  if (sent_since_report_) {
    SenderInfo s;
    s.ntp = ntpAt(now);
    // The RTP time that corresponds to "now" on the sending clock.
    auto since = std::chrono::duration_cast<std::chrono::nanoseconds>(now - last_sent_at_).count();
    s.rtpTimestamp = last_sent_ts_ + static_cast<uint32_t>(since / 125000);
    s.packetCount = static_cast<uint32_t>(counters_.packetsSent);
    s.octetCount = static_cast<uint32_t>(counters_.octetsSent);
    sender = s;
  }
  std::vector<ReportBlock> blocks;
  if (stats_.started()) {
    uint32_t dlsr = 0;
    if (last_sr_middle_ != 0) {
      auto held = std::chrono::duration_cast<std::chrono::microseconds>(now - last_sr_at_).count();
      dlsr = static_cast<uint32_t>(held * 65536 / 1000000);
    }
    blocks.push_back(stats_.makeBlock(remote_ssrc_, last_sr_middle_, dlsr));
  }
  auto buf = rtcp_out_.next();
  size_t n = writeRtcp(buf, ssrc_, sender, blocks, config_.cname, bye);
  if (n == 0) return;
  rtcp_out_.commit(n, rtcp_dest_);
  rtcp_out_.flush(sockets_.rtcp.get());
  ++counters_.rtcpSent;
  avg_rtcp_size_ = avg_rtcp_size_ * 15 / 16 + static_cast<double>(n + 28) / 16;
  sent_since_report_ = false;
}

}  // namespace outpost::media
