#include "media/config.hpp"

#include "core/strings.hpp"

namespace outpost::media {

using namespace std::chrono_literals;

core::SectionSpec mediaSectionSpec() {
  core::SectionSpec s;
  s.type = "media";
  s.help = "RTP, codecs, jitter buffer and DTMF";
  s.keys = {
      core::stringKey("rtp_address",
                      "local IP address RTP binds to and our SDP announces (127.0.0.1)"),
      core::intKey("rtp_port_min", 1024, 65534, "first RTP port (even; RTCP is RTP + 1) (20000)"),
      core::intKey("rtp_port_max", 1025, 65535, "last RTP port (29999)"),
      core::intKey("threads", 1, 64, "media threads (2)"),
      core::intKey("realtime_priority", 0, 99,
                   "SCHED_FIFO priority of media threads, 0 for normal (0)"),
      core::stringKey("codecs", "codecs to offer and accept, in preference order: pcmu,pcma"),
      core::intKey("ptime", 10, 40, "packet time we ask to receive, ms (20)"),
      core::boolKey("telephone_event", "offer and accept RFC 4733 DTMF (yes)"),
      core::intKey("telephone_event_pt", 96, 127,
                   "payload type we offer for telephone-event (101)"),
      core::durationKey("jitter_initial", "jitter buffer delay at the start of a stream (40ms)"),
      core::durationKey("jitter_min", "spare delay the jitter buffer keeps (0ms)"),
      core::durationKey("jitter_max", "hard maximum of the jitter buffer, at most 400ms (200ms)"),
      core::durationKey("media_timeout",
                        "end a call after this long without RTP; 0 turns it off (30s)"),
      core::durationKey("rtcp_interval", "minimum RTCP report interval (5s, the RFC 3550 value)"),
      core::choiceKey(
          "symmetric_rtp", {"off", "address", "any"},
          "latch the RTP destination: off, onto the SDP address (address), onto any source (any)"),
      core::durationKey(
          "dtmf_holdback",
          "delay RTP audio this much so DTMF is removed from the first sample, 0-60ms (0ms)"),
      core::intKey("dtmf_level", -30, -3,
                   "level of DTMF tones played to the line, dBm0 per tone (-10)"),
  };
  return s;
}

core::Result<MediaSettings> readMediaSettings(const core::ConfigFile& file) {
  MediaSettings m;
  const core::ConfigSection* s = file.find("media");
  if (!s) return m;
  auto str = [&](const char* key, std::string& out) -> core::Status {
    auto v = s->getString(key, out);
    if (!v) return v.error();
    out = *v;
    return {};
  };
  auto num = [&](const char* key, long long fallback, long long lo, long long hi,
                 auto& out) -> core::Status {
    auto v = s->getInt(key, fallback, lo, hi);
    if (!v) return v.error();
    out = static_cast<std::remove_reference_t<decltype(out)>>(*v);
    return {};
  };
  auto ms = [&](const char* key, std::chrono::milliseconds fallback, std::chrono::milliseconds lo,
                std::chrono::milliseconds hi, std::chrono::milliseconds& out) -> core::Status {
    auto v = s->getDuration(key, fallback, 1ms);
    if (!v) return v.error();
    auto d = std::chrono::duration_cast<std::chrono::milliseconds>(*v);
    if (d < lo || d > hi)
      return s->errorAt(key, "must be between " + std::to_string(lo.count()) + "ms and " +
                                 std::to_string(hi.count()) + "ms");
    out = d;
    return {};
  };
  core::Status st;
  if (!(st = str("rtp_address", m.engine.rtpAddress))) return st.error();
  if (!Endpoint::parse(m.engine.rtpAddress, 0))
    return s->errorAt("rtp_address", "not a numeric IP address: '" + m.engine.rtpAddress + "'");
  m.bridge.rtp.cname = "outpost@" + m.engine.rtpAddress;
  if (!(st = num("rtp_port_min", 20000, 1024, 65534, m.engine.rtpPortMin))) return st.error();
  if (!(st = num("rtp_port_max", 29999, 1025, 65535, m.engine.rtpPortMax))) return st.error();
  if (m.engine.rtpPortMax < m.engine.rtpPortMin + 1)
    return s->errorAt("rtp_port_max", "the range must hold at least one even/odd pair");
  if (!(st = num("threads", 2, 1, 64, m.engine.threads))) return st.error();
  if (!(st = num("realtime_priority", 0, 0, 99, m.engine.realtimePriority))) return st.error();
  std::string codecs = "pcmu,pcma";
  if (!(st = str("codecs", codecs))) return st.error();
  m.policy.codecs.clear();
  for (const auto& c : core::split(codecs, ',')) {
    std::string name(core::trim(c));
    auto law = parseLaw(name);
    if (!law || (name != "pcmu" && name != "pcma"))
      return s->errorAt("codecs", "unknown codec '" + name + "' (we speak pcmu and pcma)");
    Codec codec = codecForLaw(*law);
    if (std::find(m.policy.codecs.begin(), m.policy.codecs.end(), codec) != m.policy.codecs.end())
      return s->errorAt("codecs", "codec '" + name + "' listed twice");
    m.policy.codecs.push_back(codec);
  }
  if (m.policy.codecs.empty()) return s->errorAt("codecs", "no codec listed");
  if (!(st = num("ptime", 20, 10, 40, m.policy.ptimeMs))) return st.error();
  auto te = s->getBool("telephone_event", true);
  if (!te) return te.error();
  m.policy.telephoneEvents = *te;
  if (!(st = num("telephone_event_pt", 101, 96, 127, m.policy.telephoneEventPt))) return st.error();
  if (!(st = ms("jitter_initial", 40ms, 0ms, 400ms, m.bridge.jitter.initialDelay)))
    return st.error();
  if (!(st = ms("jitter_min", 0ms, 0ms, 200ms, m.bridge.jitter.minDelay))) return st.error();
  if (!(st = ms("jitter_max", 200ms, 20ms, 400ms, m.bridge.jitter.maxDelay))) return st.error();
  if (!(st = ms("media_timeout", 30000ms, 0ms, std::chrono::hours(24), m.bridge.mediaTimeout)))
    return st.error();
  std::chrono::milliseconds rtcp{5000};
  if (!(st = ms("rtcp_interval", 5000ms, 500ms, 60000ms, rtcp))) return st.error();
  m.bridge.rtp.rtcpInterval = rtcp;
  auto latch = s->getChoice("symmetric_rtp", "address", {"off", "address", "any"});
  if (!latch) return latch.error();
  m.bridge.rtp.latching = *parseLatching(*latch);
  if (!(st = ms("dtmf_holdback", 0ms, 0ms, 60ms, m.bridge.dtmfHoldback))) return st.error();
  if (!(st = num("dtmf_level", -10, -30, -3, m.bridge.dtmfLevelDbm0))) return st.error();
  return m;
}

}  // namespace outpost::media
