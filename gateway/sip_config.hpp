// SIP settings of the daemon: the [sip] section (where Outpost listens, its
// timers and media address) and [peer NAME] sections (HQ call control, SIP
// trunks: where they are, which source addresses may call us as them, and
// the credentials for calls we send them). Built on the control thread from
// a checked configuration.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/cidr.hpp"
#include "core/clock.hpp"
#include "core/config.hpp"
#include "core/result.hpp"

namespace outpost::gateway {

enum class SipTransport { kUdp, kTcp, kTls };
const char* transportName(SipTransport t);

struct SipPeer {
  std::string name;
  core::HostPort address;  // where we send calls for this peer
  SipTransport transport = SipTransport::kUdp;
  std::vector<core::Cidr> allow_from;  // sources that may call us as this peer
  std::string context;                 // dial plan context of calls from it
  std::string username;                // digest credentials for calls we send it
  std::string password;
  int max_calls = 0;  // 0: no per-peer limit

  // sip:USER@host:port;transport=...
  std::string uri(const std::string& user) const;
};

struct SipSettings {
  core::HostPort listen{"127.0.0.1", 5060};
  bool udp = true, tcp = true, tls = false;
  int tls_port = 5061;
  std::string certificate_dir;  // agent.pem + cafile.pem (Sofia's layout)
  std::string user_agent = "Outpost";
  std::string domain;  // host part of our From/P-Asserted-Identity; default: listen host
  core::Duration session_expires = std::chrono::seconds(1800);
  core::Duration min_se = std::chrono::seconds(90);
  // Kernel receive buffer for the SIP UDP socket. The default (about 200 KB)
  // fills in tens of milliseconds of a call burst, and every datagram the
  // kernel drops comes back as a retransmission half a second later.
  int udp_receive_buffer_kb = 4096;  // 0: the system's default
};

struct SipConfig {
  SipSettings settings;
  std::vector<SipPeer> peers;
  // The peer a source address belongs to, if any (first match in file order).
  const SipPeer* peerForSource(const core::IpAddress& source) const;
  const SipPeer* peer(const std::string& name) const;
};

std::vector<core::SectionSpec> sipSectionSpecs();
core::Result<SipConfig> readSipConfig(const core::ConfigFile& file);

}  // namespace outpost::gateway
