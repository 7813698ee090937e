// CallControl: a call is a SIP leg, a TDM leg and a media bridge. This is the
// one place that knows it. It routes every new call through the live dial
// plan (calls keep the plan they started with), places and answers the legs,
// maps progress and release both ways (Q.850 <-> SIP, Reason headers), fails
// over along the plan's route list on the causes the plan names, moves audio
// through a media bridge attached to the B-channel, sheds load with 503 when
// it must (never an emergency call), and writes exactly one CDR per call.
//
// Lives on the control thread; every method and callback runs there.
#pragma once

#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <unordered_map>

#include "core/clock.hpp"
#include "core/event_loop.hpp"
#include "core/store.hpp"
#include "dialplan/plan.hpp"
#include "gateway/cdr.hpp"
#include "gateway/load_monitor.hpp"
#include "gateway/sip_agent.hpp"
#include "gateway/span_media.hpp"
#include "media/media_engine.hpp"
#include "tdm/pri_stack.hpp"

namespace outpost::gateway {

struct CallSettings {
  std::string pstn_context = "pstn";  // dial plan context of calls from the PRI
  // Ringing longer than this ends the call with cause 19 (no answer).
  core::Duration ring_timeout = std::chrono::seconds(120);
  // Overload: new non-emergency calls get 503 + Retry-After beyond these.
  int max_calls = 2000;
  int max_in_setup = 400;  // calls not yet answered
  int max_setup_rate = 0;  // per second; 0: no limit
  // Smoothed lateness of the control loop's heartbeat above which new calls
  // are shed (LoadMonitor); 0 turns it off.
  core::Duration overload_loop_lag = std::chrono::milliseconds(50);
  // Bytes of SIP requests waiting unread in the kernel above which new calls
  // are shed (LoadMonitor); 0 does not watch the queue. 512 KB is a few
  // hundred requests: tens of milliseconds of work at the gateway's peak.
  size_t overload_sip_queue = 512 * 1024;
  core::Duration retry_after = std::chrono::seconds(5);
  media::MediaPolicy media_policy;
  media::BridgeConfig bridge;  // template: jitter, timeouts, DTMF level
  bool echo_cancel = true;     // switch the line's canceller on for each call
};

class CallControl final : public SipListener, public tdm::TdmListener {
 public:
  using PlanSource = std::function<dialplan::PlanPtr()>;
  using ModeSource = std::function<dialplan::Mode()>;

  CallControl(core::EventLoop& loop, tdm::PriStack& pri, media::MediaEngine& media,
              core::StoreWriter& store, PlanSource plan, CallSettings settings);
  ~CallControl() override;

  // Wiring, once, before traffic: the SIP agent (built with this object as
  // its listener) and the media of every span.
  void setSipAgent(SipAgent* agent) { sip_ = agent; }
  void setModeSource(ModeSource mode) { mode_ = std::move(mode); }
  void addSpanMedia(std::unique_ptr<SpanMedia> span);

  // Admin.
  nlohmann::json callsJson() const;
  core::Status hangup(const std::string& ref, int cause);
  // Ends every call (shutdown); `done` when all CDRs are queued.
  void endAll(int cause, std::function<void()> done);
  size_t activeCalls() const { return calls_.size(); }
  struct Stats {
    uint64_t sip_to_pstn = 0, pstn_to_sip = 0, answered = 0, failed = 0, shed_503 = 0,
             emergency = 0, failovers = 0, cdrs = 0, cdr_errors = 0;
  };
  const Stats& stats() const { return stats_; }
  nlohmann::json statsJson() const;

  // SipListener
  void onInvite(SipLeg& leg, const IncomingCall& call) override;
  void onProgress(SipLeg& leg, int status, const std::string& sdp) override;
  void onAnswered(SipLeg& leg, const std::string& sdp) override;
  void onRejected(SipLeg& leg, int status, std::optional<int> q850) override;
  void onHangup(SipLeg& leg, const SipHangup& why) override;
  std::optional<std::string> onReoffer(SipLeg& leg, const std::string& sdp) override;
  void onAckSdp(SipLeg& leg, const std::string& sdp) override;
  void onInfoDtmf(SipLeg& leg, char digit, int durationMs) override;
  void onLegGone(SipLeg& leg) override;

  // TdmListener
  void onIncomingCall(const tdm::CallInfo& call) override;
  void onDigits(const tdm::CallInfo& call, const tdm::DigitsEvent& ev) override;
  void onProceeding(const tdm::CallInfo& call) override;
  void onAlerting(const tdm::CallInfo& call, bool inband) override;
  void onProgress(const tdm::CallInfo& call, bool inband) override;
  void onConnected(const tdm::CallInfo& call) override;
  void onReleased(const tdm::CallInfo& call, const tdm::ReleaseInfo& why) override;
  void onSpanEvent(const tdm::SpanEvent& ev) override;

 private:
  struct Call;
  enum class Side { kSip, kPstn, kGateway };

  Call* byLeg(uint64_t leg);
  Call* byTdm(tdm::CallId id);
  Call& newCall(bool fromSip);
  dialplan::Query query(const Call& c, const std::string& called, bool complete) const;
  // Why the next new SIP call must be refused with 503 (the setting or
  // "load"), or nullptr to take it.
  const char* overloadReason();

  // SIP -> PSTN
  void routeSipCall(Call& c, SipLeg& leg, const IncomingCall& in);
  void tryTarget(Call& c);
  void placeOnTrunk(Call& c, const dialplan::RouteTarget& t);
  void placeOnPeer(Call& c, const dialplan::RouteTarget& t);
  void targetFailed(Call& c, int cause, int sipStatus, bool down);
  // PSTN -> SIP
  void routePstnCall(Call& c, const tdm::CallInfo& info, bool complete);

  // Media.
  core::Status ensureBridge(Call& c);
  void attachChannel(Call& c, int span, int channel);
  std::string localSdp(Call& c, bool offer);
  core::Status applyRemoteSdp(Call& c, const std::string& sdp, bool isAnswer);
  void onBridgeEvent(const std::string& ref, const media::BridgeEvent& ev);

  // Ending.
  void finish(Call& c, Side by, int cause, int sipStatus = 0);
  void markAnswered(Call& c);
  void maybeErase(Call& c);
  void writeCdr(Call& c);

  core::EventLoop& loop_;
  tdm::PriStack& pri_;
  media::MediaEngine& media_;
  core::StoreWriter& store_;
  PlanSource plan_;
  ModeSource mode_;
  CallSettings settings_;
  SipAgent* sip_ = nullptr;
  std::map<int, std::unique_ptr<SpanMedia>> spans_;
  std::map<std::string, std::unique_ptr<Call>> calls_;
  std::unordered_map<uint64_t, Call*> by_leg_;
  std::unordered_map<tdm::CallId, Call*> by_tdm_;
  std::string ref_prefix_;
  uint64_t next_ref_ = 1;
  Stats stats_;
  // Setup-rate limiter: starts of the last second.
  std::deque<core::TimePoint> recent_setups_;
  // Calls neither answered nor finished: kept as a count because the
  // overload check reads it on every new INVITE.
  int in_setup_ = 0;
  // Calls refused with 503, by overloadReason() (for `outpostctl status`).
  std::map<std::string, uint64_t> shed_by_;
  // Unanswered calls by the Q.850 cause they ended with.
  std::map<int, uint64_t> failed_by_cause_;
  LoadMonitor load_;
  std::function<void()> all_ended_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace outpost::gateway
