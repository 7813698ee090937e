#include "gateway/sip_config.hpp"

#include "core/strings.hpp"

namespace outpost::gateway {

const char* transportName(SipTransport t) {
  switch (t) {
    case SipTransport::kUdp:
      return "udp";
    case SipTransport::kTcp:
      return "tcp";
    case SipTransport::kTls:
      return "tls";
  }
  return "udp";
}

std::string SipPeer::uri(const std::string& user) const {
  std::string scheme = transport == SipTransport::kTls ? "sips:" : "sip:";
  std::string u = scheme + (user.empty() ? "" : user + "@") + address.str();
  if (transport == SipTransport::kTcp) u += ";transport=tcp";
  return u;
}

const SipPeer* SipConfig::peerForSource(const core::IpAddress& source) const {
  for (const auto& p : peers) {
    for (const auto& c : p.allow_from) {
      if (c.contains(source)) return &p;
    }
  }
  return nullptr;
}

const SipPeer* SipConfig::peer(const std::string& name) const {
  for (const auto& p : peers) {
    if (p.name == name) return &p;
  }
  return nullptr;
}

std::vector<core::SectionSpec> sipSectionSpecs() {
  using namespace core;
  return {
      SectionSpec{"sip",
                  false,
                  false,
                  false,
                  "Outpost's SIP side",
                  {
                      stringKey("listen", "address:port for UDP and TCP (default 127.0.0.1:5060)"),
                      stringKey("transports", "udp, tcp and/or tls (default udp, tcp)"),
                      intKey("tls_port", 1, 65535, "port for TLS (default 5061)"),
                      pathKey("certificate_dir", "folder with agent.pem and cafile.pem for TLS"),
                      stringKey("user_agent", "User-Agent and Server header"),
                      stringKey("domain", "host part of our From and P-Asserted-Identity"),
                      durationKey("session_expires", "RFC 4028 session interval we ask for"),
                      durationKey("min_se", "smallest session interval we accept"),
                      intKey("udp_receive_buffer_kb", 0, 1048576,
                             "kernel receive buffer of the SIP UDP socket (0: system default)"),
                      durationKey("t2",
                                  "longest retransmission interval, RFC 3261 T2 "
                                  "(500ms-4s, default 500ms)"),
                      durationKey("transaction_timeout",
                                  "how long a SIP transaction waits, RFC 3261 64*T1: timers "
                                  "B, F, H and J (2s-32s, default 4s)"),
                  }},
      SectionSpec{"peer",
                  true,
                  true,
                  false,
                  "a SIP peer: HQ call control or a SIP trunk",
                  {
                      stringKey("address", "host[:port] we send its calls to", true),
                      choiceKey("transport", {"udp", "tcp", "tls"}, "transport to it"),
                      stringKey("allow_from", "addresses/prefixes that may call us as this peer"),
                      stringKey("context", "dial plan context for calls from it"),
                      stringKey("username", "digest user for calls we send it"),
                      stringKey("password", "digest password for calls we send it"),
                      intKey("max_calls", 0, 100000, "concurrent calls with it (0: no limit)"),
                  }},
  };
}

core::Result<SipConfig> readSipConfig(const core::ConfigFile& file) {
  SipConfig cfg;
  SipSettings& s = cfg.settings;
  if (const core::ConfigSection* sec = file.find("sip")) {
    auto listen = sec->getString("listen", "127.0.0.1:5060");
    if (!listen) return listen.error();
    auto hp = core::HostPort::parse(*listen, 5060);
    if (!hp || !core::IpAddress::parse(hp->host)) {
      return sec->errorAt("listen", "expected an IP address and port such as 127.0.0.1:5060");
    }
    s.listen = *hp;
    auto transports = sec->getString("transports", "udp, tcp");
    if (!transports) return transports.error();
    s.udp = s.tcp = s.tls = false;
    std::string list = *transports;
    for (char& c : list) {
      if (c == ',') c = ' ';
    }
    for (const auto& t : core::split(list, ' ')) {
      if (t == "udp") {
        s.udp = true;
      } else if (t == "tcp") {
        s.tcp = true;
      } else if (t == "tls") {
        s.tls = true;
      } else {
        return sec->errorAt("transports", "unknown transport '" + t + "' (udp, tcp, tls)");
      }
    }
    if (!s.udp && !s.tcp && !s.tls) return sec->errorAt("transports", "needs at least one");
    auto tlsPort = sec->getInt("tls_port", 5061, 1, 65535);
    auto cert = sec->getString("certificate_dir", "");
    auto ua = sec->getString("user_agent", s.user_agent);
    auto domain = sec->getString("domain", "");
    auto se = sec->getDuration("session_expires", s.session_expires);
    auto minSe = sec->getDuration("min_se", s.min_se);
    auto rcvbuf = sec->getInt("udp_receive_buffer_kb", s.udp_receive_buffer_kb, 0, 1048576);
    auto t2 = sec->getDuration("t2", s.t2);
    auto lifetime = sec->getDuration("transaction_timeout", s.transaction_timeout);
    for (const core::Status& st :
         {tlsPort.status(), cert.status(), ua.status(), domain.status(), se.status(),
          minSe.status(), rcvbuf.status(), t2.status(), lifetime.status()}) {
      if (!st) return st.error();
    }
    s.tls_port = static_cast<int>(*tlsPort);
    s.certificate_dir = *cert;
    if (s.tls && s.certificate_dir.empty()) {
      return sec->errorAt("transports", "tls needs certificate_dir");
    }
    s.user_agent = *ua;
    s.domain = *domain;
    s.session_expires = *se;
    s.min_se = *minSe;
    s.udp_receive_buffer_kb = static_cast<int>(*rcvbuf);
    if (*t2 < std::chrono::milliseconds(500) || *t2 > std::chrono::seconds(4)) {
      return sec->errorAt("t2", "must be 500ms (T1) to 4s");
    }
    if (*lifetime < std::chrono::seconds(2) || *lifetime > std::chrono::seconds(32)) {
      return sec->errorAt("transaction_timeout", "must be 2s to 32s");
    }
    s.t2 = *t2;
    s.transaction_timeout = *lifetime;
    if (s.session_expires < s.min_se || s.min_se < std::chrono::seconds(90)) {
      return sec->errorAt("min_se",
                          "must be at least 90s and not above session_expires (RFC 4028)");
    }
  }
  if (s.domain.empty()) s.domain = s.listen.host;

  for (const core::ConfigSection* sec : file.all("peer")) {
    SipPeer p;
    p.name = sec->name();
    auto address = sec->getString("address", "");
    auto transport = sec->getChoice("transport", "udp", {"udp", "tcp", "tls"});
    auto allow = sec->getString("allow_from", "");
    auto context = sec->getString("context", p.name);
    auto user = sec->getString("username", "");
    auto pass = sec->getString("password", "");
    auto maxCalls = sec->getInt("max_calls", 0, 0, 100000);
    for (const core::Status& st :
         {address.status(), transport.status(), allow.status(), context.status(), user.status(),
          pass.status(), maxCalls.status()}) {
      if (!st) return st.error();
    }
    p.transport = *transport == "tcp"   ? SipTransport::kTcp
                  : *transport == "tls" ? SipTransport::kTls
                                        : SipTransport::kUdp;
    auto hp = core::HostPort::parse(*address, p.transport == SipTransport::kTls ? 5061 : 5060);
    if (!hp) return sec->errorAt("address", "expected host[:port], got '" + *address + "'");
    p.address = *hp;
    // By default a peer may call us from the address we send its calls to.
    std::string allowText = allow->empty() ? p.address.host : *allow;
    std::string bad;
    auto cidrs = core::parseCidrList(allowText, &bad);
    if (!cidrs) {
      return sec->errorAt(allow->empty() ? "address" : "allow_from",
                          "'" + bad + "' is not an IP address or prefix such as 10.0.0.0/8" +
                              (allow->empty() ? " (set allow_from when address is a name)" : ""));
    }
    p.allow_from = *cidrs;
    p.context = *context;
    p.username = *user;
    p.password = *pass;
    if (!p.username.empty() && p.password.empty()) {
      return sec->errorAt("password", "username is set, so password is needed too");
    }
    p.max_calls = static_cast<int>(*maxCalls);
    cfg.peers.push_back(std::move(p));
  }
  return cfg;
}

}  // namespace outpost::gateway
