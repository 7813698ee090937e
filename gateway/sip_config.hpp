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
  // RFC 3261's T2 and 64*T1 (how long a transaction lives: timers B, F, H
  // and J), shorter than the RFC's 4 s and 32 s. Why: Sofia keeps every
  // final response to an INVITE over UDP on one list sorted by its next
  // retransmission, and an insertion walks the list from the head whenever
  // the new entry is due before the last one. With T2 above T1 that is
  // nearly every new response, so under a flood of calls whose callers gave
  // up (unacknowledged 503s) each refusal cost more than the one before;
  // after a 15 s stall at twice the peak the stack thread stayed at a whole
  // core with 66 % of it in that walk, and the gateway never recovered. With
  // T2 = T1 every entry is due after the last one (appended, O(1)); with a
  // 4 s lifetime an unanswered response is sent 8 times, not 11 over 32 s.
  // 4 s without even a 100 Trying also fails a route over sooner.
  core::Duration t2 = std::chrono::milliseconds(500);
  core::Duration transaction_timeout = std::chrono::seconds(4);
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
