// One PRI span's signalling: a libpri D-channel controller (CPE or network
// side, any supported switch type) running over a SpanBackend, the calls on
// the span's B-channels, RESTART and SERVICE handling, alarms, Q.921/Q.931
// timers and the D-channel capture. PriStack owns the trunks and is the only
// caller; the gateway talks to PriStack.
//
// Threads: control thread only. libpri's timers are wall-clock based
// (gettimeofday), so the EventLoop must run on a real clock.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/event_loop.hpp"
#include "core/result.hpp"
#include "tdm/backend.hpp"
#include "tdm/call.hpp"
#include "tdm/capture.hpp"
#include "tdm/span.hpp"
#include "tdm/trunk_group.hpp"

struct pri;
struct q931_call;

namespace outpost::tdm {

// Q.921 and Q.931 timers; unset ones keep libpri's defaults for the switch.
struct PriTimers {
  std::optional<core::Duration> t200;  // Q.921 retransmission
  std::optional<core::Duration> t203;  // Q.921 idle link supervision
  std::optional<int> n200;             // Q.921 retransmissions before giving up
  std::optional<core::Duration> t303;  // SETUP sent, no answer
  std::optional<core::Duration> t305;  // DISCONNECT sent, no RELEASE
  std::optional<core::Duration> t308;  // RELEASE sent, no RELEASE COMPLETE
  std::optional<core::Duration> t309;  // active calls survive a D-channel loss this long
  std::optional<core::Duration> t313;  // CONNECT sent, no CONNECT ACKNOWLEDGE (CPE)
};

struct TrunkConfig {
  int span = 1;
  std::string name;  // for logs and status; "span N" when empty
  SwitchType switch_type = SwitchType::kNi2;
  Side side = Side::kCpe;
  PriTimers timers;
  // Overlap receiving: an incomplete SETUP is acknowledged and digits are
  // collected from INFORMATION messages until the gateway says the number
  // is complete, or the inter-digit timer (Q.931 T302) runs out.
  bool overlap_receive = false;
  core::Duration overlap_timeout = std::chrono::seconds(5);
  // RESTART every idle channel when the D-channel comes up.
  bool restart_on_up = true;
  // RESTARTs go one at a time (libpri tracks one outstanding RESTART); one
  // not acknowledged in this time is sent again, twice, then the channel is
  // used anyway.
  core::Duration restart_timeout = std::chrono::seconds(1);
  std::string capture;  // D-channel pcap to start with the span, when set
};

class PriTrunk {
 public:
  // What the trunk needs from its owner (PriStack).
  class Owner {
   public:
    virtual ~Owner() = default;
    virtual TdmListener* listener() = 0;
    // A new incoming call on this trunk: its id, indexed by the owner.
    virtual CallId callStarted(PriTrunk& trunk) = 0;
    virtual void callEnded(CallId id) = 0;
    // An outgoing call lost its channel before any answer (glare, RESTART):
    // place it again elsewhere. False when that is not possible.
    virtual bool retry(CallId id, const OutgoingCall& req, const std::string& group,
                       ChannelRef failed, int attempts) = 0;
    virtual void channelFreed(int span) = 0;
    virtual void spanEvent(const SpanEvent& ev) = 0;
  };

  PriTrunk(core::EventLoop& loop, TrunkConfig config, std::unique_ptr<SpanBackend> backend,
           Owner& owner);
  ~PriTrunk();
  PriTrunk(const PriTrunk&) = delete;
  PriTrunk& operator=(const PriTrunk&) = delete;

  core::Status start();

  const TrunkConfig& config() const { return config_; }
  const Span& span() const { return span_; }
  SpanBackend& backend() { return *backend_; }
  const std::string& name() const { return name_; }

  // Calls. `group` is remembered for retries ("" for a call placed on the span).
  core::Status setup(CallId id, const OutgoingCall& req, int channel, const std::string& group,
                     int attempts);
  core::Status sendDigits(CallId id, std::string_view digits);
  core::Status waitForDigits(CallId id);
  core::Status proceed(CallId id, bool inband);
  core::Status alert(CallId id, bool inband);
  core::Status progress(CallId id, bool inband);
  core::Status answer(CallId id);
  core::Status hangup(CallId id, int cause);
  const CallInfo* call(CallId id) const;
  std::vector<CallInfo> calls() const;
  // A call that may be pre-empted for an emergency call (none: nullopt).
  std::optional<CallId> preemptionCandidate() const;

  // Maintenance.
  core::Status restartChannel(int ts);
  core::Status setInService(int ts, bool inService);
  core::Status startCapture(const std::string& path);
  void stopCapture();
  const DchannelCapture* capture() const { return capture_.get(); }

  nlohmann::json statusJson() const;

 private:
  struct Record {
    CallInfo info;
    q931_call* pcall = nullptr;
    bool reported = false;     // the listener has had onReleased
    bool hangup_sent = false;  // we called pri_hangup on it
    bool glared = false;       // our SETUP lost its channel; waiting for its release
    bool responded = false;    // incoming: PROCEEDING or SETUP ACK sent
    bool proceeding_sent = false;
    bool setup_acked = false;   // outgoing overlap: the far end acknowledged
    bool alerted = false;       // outgoing: ALERTING or CONNECT seen (no more retries)
    std::string queued_digits;  // outgoing overlap digits waiting for SETUP ACK
    OutgoingCall request;
    std::string group;
    int attempts = 0;
    core::Timer digit_timer;
    ReleaseInfo release;
  };

  static int priRead(struct pri* p, void* buf, int len);
  static int priWrite(struct pri* p, void* buf, int len);
  int onPriRead(void* buf, int len);
  int onPriWrite(void* buf, int len);

  void onFrame(std::span<const uint8_t> frame);
  void onLineChanged();
  void armTimer();
  void onTimer();
  void handle(const void* event);  // a copied pri_event

  core::Status createController();
  void onDchannel(bool up);
  void pumpRestarts();
  void armRestartTimer(int ts);
  void onRestartTimeout(int ts);
  void restartDone(int ts);
  void onRing(const void* event);
  void onInfo(const void* event);
  void onRestart(int channel);
  void onRestartAck(int channel);
  void onService(int channel, int changestatus);
  void onHangupReq(Record& r, int cause);
  void onHangup(Record& r, int cause, bool ack);

  Record* byId(CallId id);
  const Record* byId(CallId id) const;
  Record* byPri(q931_call* c);
  core::Result<Record*> live(CallId id, const char* what);
  core::Result<Record*> liveIncoming(CallId id, const char* what);
  int pickIncomingChannel(int requested, bool flexible, int* cause);
  void reportRelease(Record& r, ReleaseInfo why);
  // The call is gone from libpri: free its channel and record. A call handed
  // on to a retry keeps its id alive in the owner.
  void finish(CallId id, bool handedOn = false);
  // An outgoing call that lost its channel before any answer goes again;
  // when it cannot, the listener hears `why`.
  void retryOrRelease(Record& r, ChannelRef failed, ReleaseInfo why);
  void endAllCalls(int cause, const std::string& reason);
  void startDigitTimer(Record& r);
  void notify(SpanEvent::Kind kind, int channel = 0, bool inService = true,
              const std::string& detail = "");
  TdmListener* listener() { return owner_.listener(); }
  int lawLayer1() const;

  core::EventLoop& loop_;
  TrunkConfig config_;
  std::string name_;
  std::unique_ptr<SpanBackend> backend_;
  Owner& owner_;
  Span span_;
  struct pri* pri_ = nullptr;
  core::Timer pri_timer_;
  std::vector<uint8_t> rx_frame_;
  bool rx_pending_ = false;
  std::unique_ptr<DchannelCapture> capture_;
  std::map<CallId, Record> calls_;
  std::map<q931_call*, CallId> by_pri_;
  std::vector<int> restart_queue_;
  int restart_pending_ = 0;
  int restart_tries_ = 0;
  core::Timer restart_timer_;
  bool handling_ = false;  // inside handle(): timer re-arming waits until it returns
  struct Counters {
    uint64_t calls_in = 0, calls_out = 0, glares = 0, restarts_sent = 0, restarts_received = 0,
             dchannel_downs = 0, rejected_in = 0;
  } counters_;
};

}  // namespace outpost::tdm
