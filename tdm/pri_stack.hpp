// PriStack: the TDM layer as the gateway (and pstn-sim) sees it. It owns the
// PRI trunks (one per span), the trunk groups over them, and one listener
// that hears every call and span event. Calls are named by CallId; every
// operation on a call is a method here, and every call ends with exactly one
// TdmListener::onReleased().
//
// Placing a call: placeCall() hunts a B-channel in a trunk group by the
// group's policy, skipping spans in alarm or with the D-channel down. An
// outgoing call that loses its channel before any answer (glare, a RESTART
// from the far end) goes again on another channel under the same CallId. An
// emergency call that finds every channel busy pre-empts the newest normal
// call of the group and takes its channel as soon as it is released.
//
// Threads: control thread only (the loop given to the constructor), except
// the BearerPorts from openBearer(), which belong to whoever services them.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/event_loop.hpp"
#include "core/result.hpp"
#include "tdm/call.hpp"
#include "tdm/pri_trunk.hpp"
#include "tdm/trunk_group.hpp"

namespace outpost::tdm {

class EmulatedSpan;

class PriStack : private PriTrunk::Owner {
 public:
  explicit PriStack(core::EventLoop& loop);
  ~PriStack() override;
  PriStack(const PriStack&) = delete;
  PriStack& operator=(const PriStack&) = delete;

  // The listener must outlive the stack, or be reset to nullptr first.
  void setListener(TdmListener* listener) { listener_ = listener; }

  // Adds and starts a span: its trunk begins bringing up the D-channel.
  core::Status addSpan(TrunkConfig config, std::unique_ptr<SpanBackend> backend);
  core::Status addGroup(TrunkGroupConfig config);

  // Calls. placeCall() fails with kInvalidArgument for a bad request (cause
  // 28 is the usual answer) and kUnavailable when the group has no usable
  // idle channel (cause 34, no circuit available).
  core::Result<CallId> placeCall(const std::string& group, const OutgoingCall& req);
  // On one span: the channel the request names, else the lowest idle one.
  core::Result<CallId> placeCallOnSpan(int span, const OutgoingCall& req);
  core::Status sendDigits(CallId id, std::string_view digits);
  core::Status waitForDigits(CallId id);
  // "Number complete": CALL PROCEEDING for an incoming call (sent already
  // when the number arrived complete; then only the in-band indication).
  core::Status proceed(CallId id, bool inband = false);
  core::Status alert(CallId id, bool inband = true);
  core::Status progress(CallId id, bool inband = true);
  core::Status answer(CallId id);
  core::Status hangup(CallId id, int cause = cause::kNormalClearing);
  std::optional<CallInfo> call(CallId id) const;
  std::vector<CallInfo> calls() const;

  // Spans.
  std::vector<int> spanNumbers() const;
  const Span* span(int number) const;
  PriTrunk* trunk(int number);
  const TrunkGroup* group(const std::string& name) const;
  std::vector<std::string> groupNames() const;
  // The bearer side of a span, for a media thread (see bearer.hpp).
  core::Result<std::unique_ptr<BearerPort>> openBearer(int span);
  // Emulated spans only (pstn-sim, tests): break the line on purpose.
  EmulatedSpan* emulated(int span);
  core::Status restartChannel(int span, int channel);
  core::Status setChannelService(int span, int channel, bool inService);
  core::Status startCapture(int span, const std::string& path);
  core::Status stopCapture(int span);

  // For outpostctl: {"spans":[...]} with each span's state and counters;
  // channels: one entry per B-channel; calls: one per call.
  nlohmann::json spansJson() const;
  nlohmann::json channelsJson(int span = 0) const;
  nlohmann::json callsJson() const;

 private:
  struct Waiting {  // an emergency call waiting for a pre-empted channel
    CallInfo info;
    OutgoingCall req;
    std::string group;
    CallId victim = 0;
    core::Timer deadline;
  };

  // PriTrunk::Owner
  TdmListener* listener() override { return listener_; }
  CallId callStarted(PriTrunk& trunk) override;
  void callEnded(CallId id) override;
  bool retry(CallId id, const OutgoingCall& req, const std::string& group, ChannelRef failed,
             int attempts) override;
  void channelFreed(int span) override;
  void spanEvent(const SpanEvent& ev) override;

  core::Status validate(const OutgoingCall& req) const;
  std::vector<const Span*> spansOf(const TrunkGroup& g) const;
  // Hunts and sets the call up; kUnavailable when no channel would take it.
  core::Status setupOnGroup(CallId id, TrunkGroup& g, const OutgoingCall& req,
                            std::set<ChannelRef> avoid, int attempts);
  core::Status preempt(CallId id, TrunkGroup& g, const OutgoingCall& req);
  void serveWaiting();
  core::Result<PriTrunk*> owning(CallId id) const;

  core::EventLoop& loop_;
  TdmListener* listener_ = nullptr;
  std::map<int, std::unique_ptr<PriTrunk>> trunks_;
  std::map<std::string, TrunkGroup> groups_;
  std::map<CallId, PriTrunk*> index_;
  std::map<CallId, Waiting> waiting_;
  CallId next_id_ = 1;
  bool serve_posted_ = false;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace outpost::tdm
