#include "gateway/sip_agent.hpp"

// nua hands us its magic pointers as void*: SipAgent for the agent, SipLeg
// for each handle.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sofia-sip/msg_addr.h>
#include <sofia-sip/nua.h>
#include <sofia-sip/nua_tag.h>
#include <sofia-sip/sip_extra.h>
#include <sofia-sip/sip_header.h>
#include <sofia-sip/sip_status.h>
#include <sofia-sip/su_tag.h>

#include <dirent.h>
#include <linux/sock_diag.h>
#include <sys/socket.h>

#include <cctype>
#include <cstdlib>
#include <cstring>
#include <set>

#include "core/log.hpp"
#include "core/strings.hpp"
#include "gateway/cause_map.hpp"

namespace outpost::gateway {

namespace {

// The internet datagram sockets this process has open. Sofia opens its own
// SIP sockets and does not hand them out; comparing the set before and
// after nua_create() tells which are its.
std::set<int> datagramSockets() {
  std::set<int> out;
  DIR* dir = opendir("/proc/self/fd");
  if (!dir) return out;
  int self = dirfd(dir);
  while (dirent* e = readdir(dir)) {
    char* end = nullptr;
    long fd = std::strtol(e->d_name, &end, 10);
    if (end == e->d_name || *end || fd == self) continue;
    int type = 0, domain = 0;
    socklen_t len = sizeof type;
    if (getsockopt(static_cast<int>(fd), SOL_SOCKET, SO_TYPE, &type, &len) != 0) continue;
    len = sizeof domain;
    if (getsockopt(static_cast<int>(fd), SOL_SOCKET, SO_DOMAIN, &domain, &len) != 0) continue;
    if (type == SOCK_DGRAM && (domain == AF_INET || domain == AF_INET6)) {
      out.insert(static_cast<int>(fd));
    }
  }
  closedir(dir);
  return out;
}

// Asks for `bytes` of receive buffer. SO_RCVBUFFORCE passes the
// net.core.rmem_max cap when we may (CAP_NET_ADMIN); otherwise the kernel
// grants what the cap allows. Returns what it granted.
size_t setReceiveBuffer(int fd, size_t bytes) {
  int want = static_cast<int>(std::min<size_t>(bytes, 1u << 30));
  if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &want, sizeof want) != 0) {
    (void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &want, sizeof want);
  }
  int got = 0;
  socklen_t len = sizeof got;
  if (getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &got, &len) != 0) return 0;
  // The kernel reports twice what it charges against (its bookkeeping
  // overhead); half is the payload room we asked for.
  return static_cast<size_t>(got) / 2;
}

std::string payloadOf(const sip_t* sip) {
  if (!sip || !sip->sip_payload || !sip->sip_payload->pl_data) return "";
  if (sip->sip_content_type && sip->sip_content_type->c_type &&
      strcasecmp(sip->sip_content_type->c_type, "application/sdp") != 0) {
    return "";
  }
  return std::string(sip->sip_payload->pl_data, sip->sip_payload->pl_len);
}

std::optional<int> reasonCause(const sip_t* sip) {
  if (!sip) return std::nullopt;
  for (const sip_reason_t* r = sip->sip_reason; r; r = r->re_next) {
    if (r->re_protocol && strcasecmp(r->re_protocol, "Q.850") == 0 && r->re_cause) {
      auto v = core::parseInt(r->re_cause);
      if (v && *v >= 0 && *v <= 127) return static_cast<int>(*v);
    }
  }
  return std::nullopt;
}

std::string sourceOf(msg_t* msg, std::string* transport) {
  if (!msg) return "";
  su_addrinfo_t* ai = msg_addrinfo(msg);
  if (!ai || !ai->ai_addr) return "";
  char host[INET6_ADDRSTRLEN] = {};
  int port = 0;
  if (ai->ai_addr->sa_family == AF_INET) {
    auto* in = reinterpret_cast<sockaddr_in*>(ai->ai_addr);
    inet_ntop(AF_INET, &in->sin_addr, host, sizeof host);
    port = ntohs(in->sin_port);
  } else if (ai->ai_addr->sa_family == AF_INET6) {
    auto* in6 = reinterpret_cast<sockaddr_in6*>(ai->ai_addr);
    inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof host);
    port = ntohs(in6->sin6_port);
  }
  if (transport) {
    *transport = ai->ai_protocol == IPPROTO_TCP ? "tcp" : "udp";
    if (ai->ai_protocol == IPPROTO_TCP && ai->ai_socktype == SOCK_STREAM) *transport = "tcp";
  }
  return std::string(host) + ":" + std::to_string(port);
}

std::string hostOf(const std::string& source) {
  size_t colon = source.rfind(':');
  return colon == std::string::npos ? source : source.substr(0, colon);
}

SipIdentity identityOf(const sip_t* sip) {
  SipIdentity id;
  if (!sip) return id;
  const sip_p_asserted_identity_t* pai = sip_p_asserted_identity(sip);
  if (pai && pai->paid_url->url_user) {
    id.user = pai->paid_url->url_user;
    if (pai->paid_display) id.display = pai->paid_display;
  } else if (sip->sip_from) {
    if (sip->sip_from->a_url->url_user) id.user = sip->sip_from->a_url->url_user;
    if (sip->sip_from->a_display) id.display = sip->sip_from->a_display;
  }
  // Display names arrive quoted.
  if (id.display.size() >= 2 && id.display.front() == '"' && id.display.back() == '"') {
    id.display = id.display.substr(1, id.display.size() - 2);
  }
  if (sip->sip_privacy && sip->sip_privacy->priv_values) {
    for (const msg_param_t* v = sip->sip_privacy->priv_values; *v; ++v) {
      if (strcasecmp(*v, "id") == 0 || strcasecmp(*v, "header") == 0) id.restricted = true;
    }
  }
  return id;
}

// Quotes a display name for a From header.
std::string quoteDisplay(const std::string& d) {
  std::string out = "\"";
  for (char c : d) {
    if (c == '"' || c == '\\') out += '\\';
    if (c != '\r' && c != '\n') out += c;
  }
  return out + "\"";
}

bool safeUser(const std::string& u) {
  if (u.empty()) return false;
  for (char c : u) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || std::strchr("+-_.!~*'()&=$,;?/", c))) {
      return false;
    }
  }
  return true;
}

// Reason phrases live for the life of the process (there are few of them).
const char* internPhrase(const std::string& phrase) {
  static std::set<std::string> phrases;
  return phrases.insert(phrase).first->c_str();
}

std::string joinHeaders(const std::vector<std::string>& headers) {
  std::string out;
  for (const auto& h : headers) {
    if (!out.empty()) out += "\r\n";
    out += h;
  }
  return out;
}

}  // namespace

std::optional<std::pair<char, int>> parseDtmfInfo(const std::string& contentType,
                                                  const std::string& body) {
  auto valid = [](char c) { return std::strchr("0123456789*#ABCDabcd", c) != nullptr && c; };
  std::string type = core::toLower(core::trim(contentType));
  if (type == "application/dtmf") {
    std::string b(core::trim(body));
    if (b.size() == 1 && valid(b[0])) {
      return std::make_pair(static_cast<char>(std::toupper(static_cast<unsigned char>(b[0]))), 250);
    }
    return std::nullopt;
  }
  if (type != "application/dtmf-relay") return std::nullopt;
  char digit = 0;
  int duration = 250;
  for (const auto& line : core::split(body, '\n')) {
    size_t eq = line.find('=');
    if (eq == std::string::npos) continue;
    std::string key = core::toLower(core::trim(line.substr(0, eq)));
    std::string val(core::trim(line.substr(eq + 1)));
    if (key == "signal" && val.size() == 1 && valid(val[0])) {
      digit = static_cast<char>(std::toupper(static_cast<unsigned char>(val[0])));
    } else if (key == "duration") {
      auto d = core::parseInt(val);
      if (d && *d > 0 && *d <= 10000) duration = static_cast<int>(*d);
    }
  }
  if (!digit) return std::nullopt;
  return std::make_pair(digit, duration);
}

SipAgent::SipAgent(core::EventLoop& loop, SipConfig config, SipListener& listener)
    : loop_(loop), config_(std::move(config)), listener_(listener) {}

SipAgent::~SipAgent() {
  if (nua_) {
    // nua refuses to be destroyed before its shutdown completes; give it a
    // bounded moment on the loop if nobody shut it down yet.
    if (!shutting_down_) {
      bool done = false;
      shutdown([&done] { done = true; }, std::chrono::seconds(3));
      loop_.runUntil([&done] { return done; }, std::chrono::seconds(4));
    }
  }
  for (auto& [id, leg] : legs_) {
    if (leg->nh_) {
      nua_handle_bind(leg->nh_, nullptr);
      nua_handle_destroy(leg->nh_);
    }
  }
  legs_.clear();
  if (nua_) nua_destroy(nua_);
}

core::Status SipAgent::start() {
  const SipSettings& s = config_.settings;
  std::string host =
      s.listen.host.find(':') != std::string::npos ? "[" + s.listen.host + "]" : s.listen.host;
  std::string url = "sip:" + host + ":" + std::to_string(s.listen.port);
  if (s.udp && !s.tcp) url += ";transport=udp";
  if (!s.udp && s.tcp) url += ";transport=tcp";
  std::string sipsUrl = "sips:" + host + ":" + std::to_string(s.tls_port);
  bool plain = s.udp || s.tcp;
  auto cb = [](nua_event_t event, int status, char const* phrase, nua_t* nua, nua_magic_t* magic,
               nua_handle_t* nh, nua_hmagic_t* hmagic, sip_t const* sip, tagi_t tags[]) {
    (void)nua;
    auto* self = static_cast<SipAgent*>(magic);
    self->handle(event, status, phrase, nh, static_cast<SipLeg*>(hmagic), sip, tags);
  };
  std::string allow = "INVITE, ACK, BYE, CANCEL, OPTIONS, PRACK, UPDATE, INFO";
  std::set<int> before = datagramSockets();
  nua_ = nua_create(loop_.suRoot(), cb, this, TAG_IF(plain, NUTAG_URL(url.c_str())),
                    TAG_IF(!plain, NUTAG_URL("sip:127.0.0.1:0;transport=udp;maddr=127.0.0.1")),
                    TAG_IF(s.tls, NUTAG_SIPS_URL(sipsUrl.c_str())),
                    TAG_IF(s.tls, NUTAG_CERTIFICATE_DIR(s.certificate_dir.c_str())),
                    SIPTAG_USER_AGENT_STR(s.user_agent.c_str()),
                    SIPTAG_SERVER_STR(s.user_agent.c_str()), TAG_END());
  if (!nua_) {
    return core::unavailable("cannot start SIP on " + url +
                             (s.tls ? " and " + sipsUrl : std::string()) +
                             " (address in use or not local?)");
  }
  for (int fd : datagramSockets()) {
    if (!before.count(fd)) udp_fds_.push_back(fd);
  }
  if (s.udp && s.udp_receive_buffer_kb > 0) {
    size_t want = static_cast<size_t>(s.udp_receive_buffer_kb) * 1024;
    // Report the smallest grant: the socket that got least drops first.
    for (size_t i = 0; i < udp_fds_.size(); ++i) {
      size_t got = setReceiveBuffer(udp_fds_[i], want);
      udp_rcvbuf_ = i == 0 ? got : std::min(udp_rcvbuf_, got);
    }
    if (udp_rcvbuf_ < want) {
      OUTPOST_LOG(Warning, "sip") << "SIP UDP receive buffer is " << udp_rcvbuf_ / 1024
                                  << " KB, not the " << s.udp_receive_buffer_kb
                                  << " KB configured: raise net.core.rmem_max or run with "
                                     "CAP_NET_ADMIN, or bursts will be dropped and retransmitted";
    }
  }
  long se = std::chrono::duration_cast<std::chrono::seconds>(s.session_expires).count();
  long minSe = std::chrono::duration_cast<std::chrono::seconds>(s.min_se).count();
  auto ms = [](core::Duration d) {
    return static_cast<unsigned>(std::chrono::duration_cast<std::chrono::milliseconds>(d).count());
  };
  // We answer and offer SDP ourselves (the gateway owns media), so nua's
  // offer/answer engine is off; re-INVITEs come to us for an answer. T2 and
  // the transaction lifetime: see SipSettings for why they are not the RFC's
  // 4 s and 32 s.
  nua_set_params(
      nua_, NUTAG_MEDIA_ENABLE(0), NUTAG_AUTOANSWER(0), NUTAG_AUTOALERT(0), NUTAG_AUTOACK(1),
      NUTAG_ENABLEMESSAGE(0), NUTAG_EARLY_MEDIA(1), NUTAG_ONLY183_100REL(1),
      NUTAG_APPL_METHOD("OPTIONS"), NUTAG_APPL_METHOD("INFO"), NUTAG_APPL_METHOD("UPDATE"),
      NUTAG_ALLOW(allow.c_str()), SIPTAG_SUPPORTED_STR("timer, 100rel"),
      NUTAG_SESSION_TIMER(static_cast<unsigned>(se)), NUTAG_MIN_SE(static_cast<unsigned>(minSe)),
      NUTAG_SESSION_REFRESHER(nua_any_refresher), NUTAG_UPDATE_REFRESH(0),
      NUTAG_REFRESH_WITHOUT_SDP(1), NTATAG_SIP_T2(ms(s.t2)),
      NTATAG_SIP_T1X64(ms(s.transaction_timeout)), TAG_END());
  OUTPOST_LOG(Notice, "sip") << "listening on " << url << (s.tls ? " and " + sipsUrl : "")
                             << " with " << config_.peers.size() << " peer(s)";
  return core::Status::ok();
}

void SipAgent::shutdown(std::function<void()> done, core::Duration limit) {
  if (!nua_) {
    if (done) done();
    return;
  }
  shutting_down_ = true;
  shutdown_done_ = std::move(done);
  shutdown_timer_ = loop_.after(limit, [this] {
    OUTPOST_LOG(Warning, "sip") << "SIP shutdown did not finish in time";
    if (auto d = std::move(shutdown_done_)) d();
  });
  nua_shutdown(nua_);
}

SipLeg* SipAgent::newLeg(nua_handle_s* nh, bool incoming, const SipPeer* peer) {
  auto leg = std::make_unique<SipLeg>();
  leg->id_ = next_leg_++;
  leg->incoming_ = incoming;
  leg->peer_ = peer;
  leg->nh_ = nh;
  SipLeg* raw = leg.get();
  legs_.emplace(raw->id_, std::move(leg));
  return raw;
}

SipLeg* SipAgent::leg(uint64_t id) {
  auto it = legs_.find(id);
  return it == legs_.end() ? nullptr : it->second.get();
}

void SipAgent::destroyLeg(SipLeg* leg) {
  auto it = legs_.find(leg->id_);
  if (it == legs_.end()) return;
  auto owned = std::move(it->second);
  legs_.erase(it);
  listener_.onLegGone(*owned);
  if (owned->nh_) {
    nua_handle_bind(owned->nh_, nullptr);
    nua_handle_destroy(owned->nh_);
  }
}

SipLeg* SipAgent::invite(const OutgoingCall& call) {
  if (!nua_ || shutting_down_ || !call.peer) return nullptr;
  const SipSettings& s = config_.settings;
  std::string fromUser = safeUser(call.caller.user) ? call.caller.user : "anonymous";
  std::string from;
  if (call.caller.restricted) {
    from = "\"Anonymous\" <sip:anonymous@anonymous.invalid>";
  } else {
    from = (call.caller.display.empty() ? "" : quoteDisplay(call.caller.display) + " ") +
           "<sip:" + fromUser + "@" + s.domain + ">";
  }
  std::string toUser = safeUser(call.to_user) ? call.to_user : "invalid";
  std::string uri = call.peer->uri(toUser);
  std::string to = "<" + uri + ">";
  std::vector<std::string> headers = call.headers;
  if (safeUser(call.caller.user)) {
    headers.push_back("P-Asserted-Identity: " +
                      (call.caller.display.empty() ? "" : quoteDisplay(call.caller.display) + " ") +
                      "<sip:" + call.caller.user + "@" + s.domain + ">");
  }
  if (call.caller.restricted) headers.push_back("Privacy: id");
  std::string extra = joinHeaders(headers);

  SipLeg* leg = newLeg(nullptr, false, call.peer);
  nua_handle_t* nh =
      nua_handle(nua_, leg, SIPTAG_TO_STR(to.c_str()), SIPTAG_FROM_STR(from.c_str()), TAG_END());
  if (!nh) {
    legs_.erase(leg->id_);
    return nullptr;
  }
  leg->nh_ = nh;
  nua_invite(nh, NUTAG_URL(uri.c_str()),
             TAG_IF(!call.sdp.empty(), SIPTAG_CONTENT_TYPE_STR("application/sdp")),
             TAG_IF(!call.sdp.empty(), SIPTAG_PAYLOAD_STR(call.sdp.c_str())),
             TAG_IF(!extra.empty(), SIPTAG_HEADER_STR(extra.c_str())), TAG_END());
  ++stats_.invites_out;
  return leg;
}

void SipAgent::respond(SipLeg& leg, int status, const std::string& phrase, const std::string& sdp,
                       const std::vector<std::string>& headers) {
  if (!leg.nh_ || leg.final_sent_ || !leg.incoming_) return;
  std::string extra = joinHeaders(headers);
  // nua_respond() keeps the phrase pointer past this call: it must be static.
  const char* stable = sip_status_phrase(status);
  if (!stable || !*stable || phrase != stable) stable = internPhrase(phrase);
  nua_respond(leg.nh_, status, stable,
              TAG_IF(!sdp.empty(), SIPTAG_CONTENT_TYPE_STR("application/sdp")),
              TAG_IF(!sdp.empty(), SIPTAG_PAYLOAD_STR(sdp.c_str())),
              TAG_IF(!extra.empty(), SIPTAG_HEADER_STR(extra.c_str())), TAG_END());
  if (status >= 200) {
    leg.final_sent_ = true;
    if (status < 300) leg.answered_ = true;
  }
}

void SipAgent::hangup(SipLeg& leg, int q850, int statusIfUnanswered) {
  if (!leg.nh_ || leg.ended_) return;
  leg.ended_ = true;
  std::string reason = reasonHeaderValue(q850);
  if (leg.incoming_) {
    if (!leg.final_sent_) {
      SipStatus st =
          statusIfUnanswered ? SipStatus{statusIfUnanswered, "Error"} : sipStatusForCause(q850);
      const char* known = sip_status_phrase(st.code);
      std::string phrase = known && *known ? known : st.phrase;
      respond(leg, st.code, phrase, "", {"Reason: " + reason});
    } else if (leg.answered_) {
      nua_bye(leg.nh_, SIPTAG_REASON_STR(reason.c_str()), TAG_END());
    }
    // else: already refused with a final response; nothing more to send.
  } else if (!leg.answered_) {
    nua_cancel(leg.nh_, SIPTAG_REASON_STR(reason.c_str()), TAG_END());
  } else {
    nua_bye(leg.nh_, SIPTAG_REASON_STR(reason.c_str()), TAG_END());
  }
}

void SipAgent::sendInfoDtmf(SipLeg& leg, char digit, int durationMs) {
  if (!leg.nh_ || !leg.answered_ || leg.ended_) return;
  std::string body =
      std::string("Signal=") + digit + "\r\nDuration=" + std::to_string(durationMs) + "\r\n";
  nua_info(leg.nh_, SIPTAG_CONTENT_TYPE_STR("application/dtmf-relay"),
           SIPTAG_PAYLOAD_STR(body.c_str()), TAG_END());
}

void SipAgent::handleIncomingRequest(int event, nua_handle_s* nh, SipLeg* leg, const void* sipv) {
  auto* sip = static_cast<const sip_t*>(sipv);
  std::string transport;
  std::string source = sourceOf(nua_current_request(nua_), &transport);
  auto ip = core::IpAddress::parse(hostOf(source));
  const SipPeer* peer = ip ? config_.peerForSource(*ip) : nullptr;

  if (event == nua_i_options) {
    ++stats_.options;
    if (!peer) {
      ++stats_.forbidden;
      OUTPOST_LOG(Warning, "sip") << "refused OPTIONS from " << source
                                  << " (not a configured peer)";
      nua_respond(nh, SIP_403_FORBIDDEN, NUTAG_WITH_THIS(nua_), TAG_END());
    } else {
      nua_respond(nh, SIP_200_OK, NUTAG_WITH_THIS(nua_), TAG_END());
    }
    if (!leg) nua_handle_destroy(nh);
    return;
  }

  if (event == nua_i_invite && leg) {
    // re-INVITE in an existing dialog: hold, resume, session refresh.
    std::string sdp = payloadOf(sip);
    if (sdp.empty()) {
      // An offerless re-INVITE: we must offer; the listener's answer to an
      // empty offer is our current SDP.
      auto answer = listener_.onReoffer(*leg, "");
      nua_respond(nh, SIP_200_OK,
                  TAG_IF(answer && !answer->empty(), SIPTAG_CONTENT_TYPE_STR("application/sdp")),
                  TAG_IF(answer && !answer->empty(), SIPTAG_PAYLOAD_STR(answer->c_str())),
                  TAG_END());
      return;
    }
    auto answer = listener_.onReoffer(*leg, sdp);
    if (!answer) {
      nua_respond(nh, SIP_488_NOT_ACCEPTABLE, TAG_END());
    } else {
      nua_respond(nh, SIP_200_OK, SIPTAG_CONTENT_TYPE_STR("application/sdp"),
                  SIPTAG_PAYLOAD_STR(answer->c_str()), TAG_END());
    }
    return;
  }

  if (event == nua_i_update) {
    std::string sdp = payloadOf(sip);
    if (!leg || sdp.empty()) {
      nua_respond(nh, SIP_200_OK, NUTAG_WITH_THIS(nua_), TAG_END());
      return;
    }
    auto answer = listener_.onReoffer(*leg, sdp);
    if (!answer) {
      nua_respond(nh, SIP_488_NOT_ACCEPTABLE, NUTAG_WITH_THIS(nua_), TAG_END());
    } else {
      nua_respond(nh, SIP_200_OK, NUTAG_WITH_THIS(nua_), SIPTAG_CONTENT_TYPE_STR("application/sdp"),
                  SIPTAG_PAYLOAD_STR(answer->c_str()), TAG_END());
    }
    return;
  }

  if (event == nua_i_info) {
    std::string type = sip && sip->sip_content_type && sip->sip_content_type->c_type
                           ? sip->sip_content_type->c_type
                           : "";
    std::string body = sip && sip->sip_payload && sip->sip_payload->pl_data
                           ? std::string(sip->sip_payload->pl_data, sip->sip_payload->pl_len)
                           : "";
    auto dtmf = parseDtmfInfo(type, body);
    if (!leg) {
      nua_respond(nh, SIP_481_NO_TRANSACTION, NUTAG_WITH_THIS(nua_), TAG_END());
      nua_handle_destroy(nh);
      return;
    }
    if (!dtmf) {
      nua_respond(nh, SIP_415_UNSUPPORTED_MEDIA, NUTAG_WITH_THIS(nua_),
                  SIPTAG_ACCEPT_STR("application/dtmf-relay, application/dtmf"), TAG_END());
      return;
    }
    nua_respond(nh, SIP_200_OK, NUTAG_WITH_THIS(nua_), TAG_END());
    listener_.onInfoDtmf(*leg, dtmf->first, dtmf->second);
    return;
  }

  // A new INVITE.
  if (!peer) {
    ++stats_.forbidden;
    OUTPOST_LOG(Warning, "sip") << "refused INVITE from " << source << " (not a configured peer)";
    nua_respond(nh, SIP_403_FORBIDDEN, NUTAG_WITH_THIS(nua_), TAG_END());
    nua_handle_destroy(nh);
    return;
  }
  if (shutting_down_) {
    nua_respond(nh, SIP_503_SERVICE_UNAVAILABLE, NUTAG_WITH_THIS(nua_), TAG_END());
    nua_handle_destroy(nh);
    return;
  }
  ++stats_.invites_in;
  SipLeg* fresh = newLeg(nh, true, peer);
  nua_handle_bind(nh, fresh);
  IncomingCall call;
  call.peer = peer;
  call.call_id = sip && sip->sip_call_id && sip->sip_call_id->i_id ? sip->sip_call_id->i_id : "";
  fresh->call_id_ = call.call_id;
  if (sip && sip->sip_request && sip->sip_request->rq_url->url_user) {
    call.request_user = sip->sip_request->rq_url->url_user;
  }
  call.caller = identityOf(sip);
  call.sdp = payloadOf(sip);
  call.source = source;
  call.transport = transport;
  call.emergency_priority = sip && sip->sip_priority && sip->sip_priority->g_string &&
                            strcasecmp(sip->sip_priority->g_string, "emergency") == 0;
  fresh->state_ = "received";
  listener_.onInvite(*fresh, call);
}

size_t SipAgent::udpBacklogBytes() const {
  if (shutting_down_) return 0;
  size_t total = 0;
  for (int fd : udp_fds_) {
    uint32_t info[SK_MEMINFO_VARS] = {};
    socklen_t len = sizeof info;
    if (getsockopt(fd, SOL_SOCKET, SO_MEMINFO, info, &len) == 0) {
      total += info[SK_MEMINFO_RMEM_ALLOC];
    }
  }
  return total;
}

void SipAgent::handle(int event, int status, const char* phrase, nua_handle_s* nh, SipLeg* leg,
                      const void* sipv, void* tagsv) {
  auto* sip = static_cast<const sip_t*>(sipv);
  auto* tags = static_cast<tagi_t*>(tagsv);
  switch (event) {
    case nua_i_invite:
    case nua_i_options:
    case nua_i_info:
    case nua_i_update:
      handleIncomingRequest(event, nh, leg, sipv);
      return;
    case nua_r_shutdown:
      if (status >= 200) {
        shutdown_timer_.cancel();
        if (auto d = std::move(shutdown_done_)) d();
      }
      return;
    default:
      break;
  }
  if (!leg) {
    // Events for handles we do not own (stray requests nua created handles
    // for): make sure they do not leak.
    if (nh && nua_event_is_incoming_request(static_cast<nua_event_t>(event))) {
      nua_handle_destroy(nh);
    }
    return;
  }
  switch (event) {
    case nua_r_invite: {
      if (leg->call_id_.empty() && sip && sip->sip_call_id && sip->sip_call_id->i_id) {
        leg->call_id_ = sip->sip_call_id->i_id;
      }
      if ((status == 401 || status == 407) && sip && leg->peer_ && !leg->peer_->username.empty() &&
          !leg->ended_) {
        const msg_auth_t* challenge =
            status == 401 ? sip->sip_www_authenticate : sip->sip_proxy_authenticate;
        const char* realm = challenge ? msg_params_find(challenge->au_params, "realm=") : nullptr;
        if (realm && leg->state_ != "authenticating") {
          leg->state_ = "authenticating";
          std::string cred = std::string("Digest:") + realm + ":" + leg->peer_->username + ":" +
                             leg->peer_->password;
          nua_authenticate(nh, NUTAG_AUTH(cred.c_str()), TAG_END());
          return;
        }
      }
      if (status >= 100 && status < 200 && status != 100) {
        leg->state_ = "early";
        if (!leg->ended_) listener_.onProgress(*leg, status, payloadOf(sip));
      } else if (status >= 200 && status < 300) {
        leg->answered_ = true;
        leg->state_ = "answered";
        if (!leg->ended_) listener_.onAnswered(*leg, payloadOf(sip));
      } else if (status >= 300) {
        leg->final_sent_ = true;
        if (!leg->ended_) {
          leg->ended_ = true;
          listener_.onRejected(*leg, status, reasonCause(sip));
        }
      }
      return;
    }
    case nua_i_ack: {
      std::string sdp = payloadOf(sip);
      if (!sdp.empty()) listener_.onAckSdp(*leg, sdp);
      return;
    }
    case nua_i_cancel:
      if (!leg->ended_) {
        leg->ended_ = true;
        listener_.onHangup(*leg, SipHangup{SipHangup::Kind::kCancel, reasonCause(sip), 0});
      }
      return;
    case nua_i_bye:
      if (!leg->ended_) {
        leg->ended_ = true;
        listener_.onHangup(*leg, SipHangup{SipHangup::Kind::kBye, reasonCause(sip), 0});
      }
      return;
    case nua_i_state: {
      int callstate = nua_callstate_init;
      tl_gets(tags, NUTAG_CALLSTATE_REF(callstate), TAG_END());
      leg->state_ = nua_callstate_name(static_cast<nua_callstate>(callstate));
      if (callstate == nua_callstate_ready) leg->answered_ = true;
      if (callstate == nua_callstate_terminated) {
        if (!leg->ended_) {
          // Ended under us: session timer, no ACK, transport failure.
          leg->ended_ = true;
          SipHangup why{SipHangup::Kind::kTimeout, std::nullopt, status};
          if (status == 503 || status == 0) why.kind = SipHangup::Kind::kTransportError;
          listener_.onHangup(*leg, why);
        }
        destroyLeg(leg);
      }
      return;
    }
    case nua_i_terminated:
      destroyLeg(leg);
      return;
    default:
      (void)phrase;
      return;
  }
}

}  // namespace outpost::gateway
