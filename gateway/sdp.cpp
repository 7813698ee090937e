#include "gateway/sdp.hpp"

#include <sofia-sip/sdp.h>
#include <sofia-sip/su_alloc.h>

#include <cstring>

#include "core/strings.hpp"

namespace outpost::gateway {

core::Result<media::RemoteMedia> parseAudioSdp(const std::string& sdp) {
  auto* home = static_cast<su_home_t*>(su_home_new(sizeof(su_home_t)));
  if (!home) return core::internalError("out of memory");
  struct HomeGuard {
    su_home_t* h;
    ~HomeGuard() { su_home_unref(h); }
  } guard{home};
  sdp_parser_t* parser = sdp_parse(home, sdp.data(), static_cast<issize_t>(sdp.size()), 0);
  struct ParserGuard {
    sdp_parser_t* p;
    ~ParserGuard() {
      if (p) sdp_parser_free(p);
    }
  } pguard{parser};
  if (!parser) return core::invalidArgument("malformed SDP: cannot parse");
  if (const char* err = sdp_parsing_error(parser)) {
    return core::invalidArgument(std::string("malformed SDP: ") + err);
  }
  sdp_session_t* s = sdp_session(parser);
  if (!s) return core::invalidArgument("malformed SDP: no session");
  const sdp_media_t* m = s->sdp_media;
  for (; m; m = m->m_next) {
    if (m->m_type == sdp_media_audio) break;
  }
  if (!m) return core::invalidArgument("no audio stream in SDP");
  if (m->m_proto != sdp_proto_rtp) {
    return core::invalidArgument(std::string("audio stream uses ") +
                                 (m->m_proto_name ? m->m_proto_name : "an unknown transport") +
                                 ", not RTP/AVP");
  }
  media::RemoteMedia out;
  const sdp_connection_t* c = m->m_connections ? m->m_connections : s->sdp_connection;
  if (!c || !c->c_address) return core::invalidArgument("SDP has no connection address (c=)");
  out.address = c->c_address;
  if (m->m_port > 65535) return core::invalidArgument("SDP audio port out of range");
  out.port = static_cast<uint16_t>(m->m_port);
  // Sofia lists an RTP stream's formats as rtpmaps in m= line order, with
  // entries of its own for static payload types that have no a=rtpmap.
  for (const sdp_rtpmap_t* rm = m->m_rtpmaps; rm; rm = rm->rm_next) {
    media::SdpFormat fmt;
    fmt.payloadType = static_cast<int>(rm->rm_pt);
    if (rm->rm_encoding) fmt.encoding = rm->rm_encoding;
    fmt.clockRate = static_cast<int>(rm->rm_rate);
    if (rm->rm_params) {
      auto ch = core::parseInt(rm->rm_params);
      if (ch) fmt.channels = static_cast<int>(*ch);
    }
    if (rm->rm_fmtp) fmt.fmtp = rm->rm_fmtp;
    out.formats.push_back(fmt);
  }
  if (out.formats.empty() && out.port != 0) {
    return core::invalidArgument("SDP audio stream lists no payload formats");
  }
  if (const sdp_attribute_t* a = sdp_attribute_find(m->m_attributes, "ptime")) {
    auto p = core::parseInt(a->a_value ? a->a_value : "");
    if (p && *p > 0 && *p <= 1000) out.ptimeMs = static_cast<int>(*p);
  }
  if (const sdp_attribute_t* a = sdp_attribute_find(m->m_attributes, "rtcp")) {
    auto words = core::split(a->a_value ? a->a_value : "", ' ');
    if (!words.empty()) {
      auto p = core::parseInt(words[0]);
      if (p && *p > 0 && *p <= 65535) out.rtcpPort = static_cast<uint16_t>(*p);
    }
  }
  switch (m->m_mode) {
    case sdp_inactive:
      out.direction = media::Direction::kInactive;
      break;
    case sdp_sendonly:
      out.direction = media::Direction::kSendOnly;
      break;
    case sdp_recvonly:
      out.direction = media::Direction::kRecvOnly;
      break;
    default:
      out.direction = media::Direction::kSendRecv;
      break;
  }
  return out;
}

std::string buildSdp(const LocalSdp& l) {
  std::string ipv = l.address.find(':') != std::string::npos ? "IP6" : "IP4";
  std::string s = "v=0\r\n";
  s += "o=outpost " + std::to_string(l.session_id) + " " + std::to_string(l.version) + " IN " +
       ipv + " " + l.address + "\r\n";
  s += "s=Outpost\r\n";
  s += "c=IN " + ipv + " " + l.address + "\r\n";
  s += "t=0 0\r\n";
  s += "m=audio " + std::to_string(l.port) + " RTP/AVP";
  for (const auto& f : l.formats)
    s += " " + std::to_string(f.payloadType);
  s += "\r\n";
  for (const auto& f : l.formats) {
    if (f.encoding.empty()) continue;
    s += "a=rtpmap:" + std::to_string(f.payloadType) + " " + f.encoding + "/" +
         std::to_string(f.clockRate ? f.clockRate : 8000) + "\r\n";
    if (!f.fmtp.empty()) s += "a=fmtp:" + std::to_string(f.payloadType) + " " + f.fmtp + "\r\n";
  }
  s += "a=ptime:" + std::to_string(l.ptime_ms) + "\r\n";
  s += std::string("a=") + media::directionName(l.direction) + "\r\n";
  return s;
}

}  // namespace outpost::gateway
