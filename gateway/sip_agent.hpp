// SipAgent: Outpost's SIP user agent (Sofia nua) seen as dialogs ("legs") and
// plain events. It listens where [sip] says, accepts requests only from the
// source addresses of configured peers (everyone else gets 403 and a log
// line), answers OPTIONS, and turns INVITE/18x/200/BYE/CANCEL/re-INVITE/
// UPDATE/INFO into SipListener calls; SDP travels as text (the gateway
// decides the media). Lives on the control thread's loop; every method must
// be called on that thread.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/event_loop.hpp"
#include "core/result.hpp"
#include "gateway/sip_config.hpp"

struct nua_s;
struct nua_handle_s;

namespace outpost::gateway {

struct SipIdentity {
  std::string user;         // number or name, as in the URI user part
  std::string display;      // display name
  bool restricted = false;  // Privacy: id (or header)
};

struct IncomingCall {
  const SipPeer* peer = nullptr;  // always set: untrusted sources never get here
  std::string call_id;
  std::string request_user;         // the number dialled (Request-URI user)
  SipIdentity caller;               // P-Asserted-Identity when present, else From
  std::string sdp;                  // the offer; empty for a late offer
  std::string source;               // ip:port the INVITE came from
  std::string transport;            // udp, tcp, tls
  bool emergency_priority = false;  // Priority: emergency
};

struct OutgoingCall {
  const SipPeer* peer = nullptr;
  std::string to_user;  // Request-URI and To user
  SipIdentity caller;
  std::string sdp;                   // our offer
  std::vector<std::string> headers;  // extra "Name: value" lines
};

struct SipHangup {
  enum class Kind { kBye, kCancel, kTimeout, kTransportError } kind = Kind::kBye;
  std::optional<int> q850;  // from a Reason: Q.850 header
  int status = 0;           // SIP status for errors (408, 481, ...)
};

class SipLeg {
 public:
  uint64_t id() const { return id_; }
  bool incoming() const { return incoming_; }
  const std::string& callId() const { return call_id_; }
  const SipPeer* peer() const { return peer_; }
  bool answered() const { return answered_; }
  bool ended() const { return ended_; }
  // Sofia's name for the dialog state, for `outpostctl calls`.
  const std::string& state() const { return state_; }

 private:
  friend class SipAgent;
  uint64_t id_ = 0;
  bool incoming_ = false;
  bool answered_ = false;
  bool final_sent_ = false;
  bool ended_ = false;
  bool reoffer_pending_ = false;
  std::string call_id_;
  std::string state_ = "init";
  const SipPeer* peer_ = nullptr;
  nua_handle_s* nh_ = nullptr;
};

class SipListener {
 public:
  virtual ~SipListener() = default;
  // A new INVITE from a trusted peer. Respond (now or later) with
  // SipAgent::respond, or hang up.
  virtual void onInvite(SipLeg& leg, const IncomingCall& call) = 0;
  // Our INVITE: a provisional response (180/183, SDP may be empty).
  virtual void onProgress(SipLeg& leg, int status, const std::string& sdp) = 0;
  // Our INVITE: 200 OK (ACK is sent for us).
  virtual void onAnswered(SipLeg& leg, const std::string& sdp) = 0;
  // Our INVITE: final failure. `q850` from the Reason header when present.
  virtual void onRejected(SipLeg& leg, int status, std::optional<int> q850) = 0;
  // The far end ended the dialog (BYE, CANCEL, session timer, transport).
  virtual void onHangup(SipLeg& leg, const SipHangup& why) = 0;
  // re-INVITE or UPDATE with an offer (hold, resume, refresh): return the
  // answer, or nullopt to refuse it with 488 (the call stays as it was).
  virtual std::optional<std::string> onReoffer(SipLeg& leg, const std::string& sdp) = 0;
  // The answer to our late-offer 200 OK, from the ACK.
  virtual void onAckSdp(SipLeg& leg, const std::string& sdp) = 0;
  // DTMF by SIP INFO (application/dtmf-relay or application/dtmf).
  virtual void onInfoDtmf(SipLeg& leg, char digit, int durationMs) = 0;
  // The leg is gone; the reference must not be used after this returns.
  virtual void onLegGone(SipLeg& leg) = 0;
};

class SipAgent {
 public:
  SipAgent(core::EventLoop& loop, SipConfig config, SipListener& listener);
  ~SipAgent();
  SipAgent(const SipAgent&) = delete;
  SipAgent& operator=(const SipAgent&) = delete;

  core::Status start();
  // Ends every dialog (BYE/CANCEL) and stops listening; `done` runs when nua
  // has finished (or after `limit`).
  void shutdown(std::function<void()> done, core::Duration limit = std::chrono::seconds(5));

  SipLeg* invite(const OutgoingCall& call);
  // Provisional or final response to an incoming INVITE. `sdp` may be empty.
  void respond(SipLeg& leg, int status, const std::string& phrase, const std::string& sdp = "",
               const std::vector<std::string>& headers = {});
  // Ends a leg whatever its state: BYE once answered, CANCEL for our
  // unanswered INVITE, a final error response for an unanswered incoming one.
  // `q850` goes out in a Reason header.
  void hangup(SipLeg& leg, int q850, int statusIfUnanswered = 0);
  // Sends INFO with application/dtmf-relay on an answered leg.
  void sendInfoDtmf(SipLeg& leg, char digit, int durationMs);

  const SipConfig& config() const { return config_; }
  SipLeg* leg(uint64_t id);
  size_t legCount() const { return legs_.size(); }

  struct Stats {
    uint64_t invites_in = 0, invites_out = 0, forbidden = 0, options = 0, overload_503 = 0;
  };
  const Stats& stats() const { return stats_; }
  void countOverload() { ++stats_.overload_503; }
  // Bytes waiting in the kernel's receive queues of our SIP UDP sockets:
  // requests that arrived and that the control thread has not read yet. A
  // busy loop can still run its timers on time while this queue grows, so
  // it is the overload guard's second measure (0 without UDP).
  size_t udpBacklogBytes() const;
  // The receive buffer the kernel granted the SIP UDP socket(s), in bytes.
  size_t udpReceiveBuffer() const { return udp_rcvbuf_; }

 private:
  void handle(int event, int status, const char* phrase, nua_handle_s* nh, SipLeg* leg,
              const void* sip, void* tags);
  void handleIncomingRequest(int event, nua_handle_s* nh, SipLeg* leg, const void* sip);
  SipLeg* newLeg(nua_handle_s* nh, bool incoming, const SipPeer* peer);
  void destroyLeg(SipLeg* leg);

  core::EventLoop& loop_;
  SipConfig config_;
  SipListener& listener_;
  nua_s* nua_ = nullptr;
  uint64_t next_leg_ = 1;
  std::map<uint64_t, std::unique_ptr<SipLeg>> legs_;
  bool shutting_down_ = false;
  std::function<void()> shutdown_done_;
  core::Timer shutdown_timer_;
  Stats stats_;
  std::vector<int> udp_fds_;  // Sofia's UDP sockets (owned by Sofia)
  size_t udp_rcvbuf_ = 0;
};

// "Signal=5\r\nDuration=160" or "5": the digit and duration (ms), if valid.
std::optional<std::pair<char, int>> parseDtmfInfo(const std::string& contentType,
                                                  const std::string& body);

}  // namespace outpost::gateway
