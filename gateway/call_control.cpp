#include "gateway/call_control.hpp"

#include <algorithm>

#include "core/log.hpp"
#include "gateway/cause_map.hpp"
#include "gateway/sdp.hpp"

namespace outpost::gateway {

namespace {

const char* sideName(int s) {
  switch (s) {
    case 0:
      return "sip";
    case 1:
      return "pstn";
    default:
      return "gateway";
  }
}

tdm::TypeOfNumber toTon(dialplan::Ton t) {
  return static_cast<tdm::TypeOfNumber>(static_cast<int>(t));
}

tdm::NumberingPlan toNpi(dialplan::Npi n) {
  switch (n) {
    case dialplan::Npi::kIsdn:
      return tdm::NumberingPlan::kE164;
    case dialplan::Npi::kUnknown:
      return tdm::NumberingPlan::kUnknown;
    default:
      return static_cast<tdm::NumberingPlan>(static_cast<int>(n));
  }
}

// Digits only: what a Q.931 number IE may carry.
std::string digitsOnly(const std::string& s) {
  std::string out;
  for (char c : s) {
    if ((c >= '0' && c <= '9') || c == '*' || c == '#') out += c;
  }
  return out;
}

}  // namespace

struct CallControl::Call {
  std::string ref;
  bool from_sip = true;
  enum class State { kRouting, kSetup, kEarly, kAnswered, kEnding } state = State::kRouting;
  dialplan::PlanPtr plan;
  dialplan::Decision decision;
  std::string context;
  size_t next_target = 0;
  int current_target = -1;
  int last_cause = 0;
  int last_sip = 0;
  uint64_t leg = 0;
  tdm::CallId tdm = 0;
  int span = 0, channel = 0;
  media::BridgeId bridge = 0;
  unsigned bridge_thread = 0;
  uint16_t local_port = 0;
  media::MediaParams params;
  bool have_params = false;
  bool late_offer = false;       // the SIP caller sent no SDP: we offer in the 200
  bool awaiting_answer = false;  // we offered; the answer comes in ACK/200
  bool early_media_sent = false;
  media::Direction offered_dir = media::Direction::kSendRecv;
  uint64_t sdp_session = 0, sdp_version = 0;
  std::string last_sdp_body;
  SipIdentity caller;
  core::Timer ring_timer;
  Cdr cdr;
  bool finished = false;
  bool in_finish = false;
  bool cdr_written = false;
  int dtmf = 0;
};

CallControl::CallControl(core::EventLoop& loop, tdm::PriStack& pri, media::MediaEngine& media,
                         core::StoreWriter& store, PlanSource plan, CallSettings settings)
    : loop_(loop),
      pri_(pri),
      media_(media),
      store_(store),
      plan_(std::move(plan)),
      settings_(std::move(settings)),
      load_(settings_.overload_loop_lag) {
  mode_ = [] { return dialplan::Mode::kNormal; };
  load_.watchQueue([this] { return sip_ ? sip_->udpBacklogBytes() : 0; },
                   settings_.overload_sip_queue);
  load_.start(loop_);
  // Call ids carry the start time (base 36 seconds), so ids from different
  // runs of the daemon do not repeat: "c" + start + "-" + counter.
  uint64_t t = static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::seconds>(loop_.clock().wallNow().time_since_epoch())
          .count());
  std::string b36;
  do {
    b36.insert(b36.begin(), "0123456789abcdefghijklmnopqrstuvwxyz"[t % 36]);
    t /= 36;
  } while (t);
  ref_prefix_ = "c" + b36 + "-";
}

CallControl::~CallControl() {
  *alive_ = false;
  // Bridges and spans go with the engine; legs with the agent and stack.
  spans_.clear();
}

void CallControl::addSpanMedia(std::unique_ptr<SpanMedia> span) {
  int n = span->span();
  spans_[n] = std::move(span);
}

CallControl::Call* CallControl::byLeg(uint64_t leg) {
  auto it = by_leg_.find(leg);
  return it == by_leg_.end() ? nullptr : it->second;
}

CallControl::Call* CallControl::byTdm(tdm::CallId id) {
  auto it = by_tdm_.find(id);
  return it == by_tdm_.end() ? nullptr : it->second;
}

CallControl::Call& CallControl::newCall(bool fromSip) {
  auto c = std::make_unique<Call>();
  c->ref = ref_prefix_ + std::to_string(next_ref_++);
  c->from_sip = fromSip;
  c->sdp_session = static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::seconds>(loop_.clock().wallNow().time_since_epoch())
          .count());
  c->cdr.call_ref = c->ref;
  c->cdr.setup_at = loop_.clock().wallNow();
  Call& ref = *c;
  calls_.emplace(c->ref, std::move(c));
  recent_setups_.push_back(loop_.clock().now());
  ++in_setup_;
  return ref;
}

dialplan::Query CallControl::query(const Call& c, const std::string& called, bool complete) const {
  dialplan::Query q;
  q.context = c.context;
  q.called = called;
  q.calling = c.cdr.calling_in;
  q.time = loop_.clock().wallNow();
  q.mode = mode_();
  q.complete = complete;
  return q;
}

const char* CallControl::overloadReason() {
  auto now = loop_.clock().now();
  auto cutoff = now - std::chrono::seconds(1);
  // Setups arrive in time order, so the old ones are at the front: this runs
  // on every INVITE and must not walk the whole second at a high rate.
  while (!recent_setups_.empty() && recent_setups_.front() < cutoff)
    recent_setups_.pop_front();
  if (static_cast<int>(calls_.size()) > settings_.max_calls) return "max_calls";
  if (!load_.admitNext()) return "load";
  if (in_setup_ > settings_.max_in_setup) return "max_in_setup";
  if (settings_.max_setup_rate > 0 &&
      static_cast<int>(recent_setups_.size()) > settings_.max_setup_rate) {
    return "max_setup_rate";
  }
  return nullptr;
}

// ---------------------------------------------------------------- SIP -> PSTN

void CallControl::onInvite(SipLeg& leg, const IncomingCall& in) {
  Call& c = newCall(true);
  core::LogContext lc("call", c.ref);
  c.leg = leg.id();
  by_leg_[leg.id()] = &c;
  c.context = in.peer->context;
  c.caller = in.caller;
  c.cdr.direction = "sip-to-pstn";
  c.cdr.context = c.context;
  c.cdr.calling_in = in.caller.user;
  c.cdr.called_in = in.request_user;
  c.cdr.sip_call_id = in.call_id;
  c.cdr.sip_peer = in.peer->name;
  ++stats_.sip_to_pstn;
  OUTPOST_LOG(Info, "call") << "INVITE from " << in.peer->name << " (" << in.source << ") "
                            << in.caller.user << " -> " << in.request_user;
  routeSipCall(c, leg, in);
}

void CallControl::routeSipCall(Call& c, SipLeg& leg, const IncomingCall& in) {
  c.plan = plan_ ? plan_() : nullptr;
  if (!c.plan) {
    OUTPOST_LOG(Error, "call") << "no dial plan is loaded; refusing the call";
    finish(c, Side::kGateway, q850::kTemporaryFailure);
    return;
  }
  c.decision = c.plan->evaluate(query(c, in.request_user, true));
  const dialplan::Decision& d = c.decision;
  c.cdr.emergency = d.emergency && !d.emergency_test;
  if (d.emergency) {
    ++stats_.emergency;
    OUTPOST_LOG(Notice, "call") << (d.emergency_test ? "emergency test call " : "EMERGENCY call ")
                                << d.called << " from " << in.caller.user;
  } else if (const char* why = overloadReason()) {
    ++stats_.shed_503;
    ++shed_by_[why];
    if (sip_) sip_->countOverload();
    long retry = std::chrono::duration_cast<std::chrono::seconds>(settings_.retry_after).count();
    sip_->respond(leg, 503, "Service Unavailable", "",
                  {"Retry-After: " + std::to_string(retry),
                   "Reason: " + reasonHeaderValue(q850::kSwitchingCongestion)});
    finish(c, Side::kGateway, q850::kSwitchingCongestion, 503);
    return;
  }
  switch (d.outcome) {
    case dialplan::Outcome::kNoMatch:
    case dialplan::Outcome::kRefused:
      OUTPOST_LOG(Info, "call") << "dial plan: " << dialplan::outcomeName(d.outcome) << " ("
                                << d.reason << "), cause " << d.cause;
      finish(c, Side::kGateway, d.cause ? d.cause : q850::kUnallocatedNumber);
      return;
    case dialplan::Outcome::kNeedMoreDigits:
      finish(c, Side::kGateway, q850::kInvalidNumberFormat);
      return;
    case dialplan::Outcome::kRoute:
      break;
  }
  c.late_offer = in.sdp.empty();
  if (!c.late_offer) {
    auto remote = parseAudioSdp(in.sdp);
    core::Result<media::MediaParams> params =
        remote ? media::answerOffer(*remote, settings_.media_policy)
               : core::Result<media::MediaParams>(remote.error());
    if (!params) {
      OUTPOST_LOG(Warning, "call") << "offer refused: " << params.error().message;
      sip_->respond(leg, 488, "Not Acceptable Here", "",
                    {"Warning: 304 outpost \"" + params.error().message + "\"",
                     "Reason: " + reasonHeaderValue(q850::kBearerCapabilityNotImplemented)});
      finish(c, Side::kGateway, q850::kBearerCapabilityNotImplemented, 488);
      return;
    }
    c.params = *params;
    c.have_params = true;
  }
  c.cdr.called_out = d.called;
  c.cdr.calling_out = d.calling;
  c.ring_timer = loop_.after(settings_.ring_timeout, [this, ref = c.ref] {
    auto it = calls_.find(ref);
    if (it == calls_.end() || it->second->state == Call::State::kAnswered) return;
    core::LogContext lc("call", ref);
    OUTPOST_LOG(Info, "call") << "no answer within the ring timeout";
    finish(*it->second, Side::kGateway, q850::kNoAnswer);
  });
  tryTarget(c);
}

void CallControl::tryTarget(Call& c) {
  const auto& targets = c.decision.targets;
  while (c.next_target < targets.size()) {
    size_t i = c.next_target++;
    const dialplan::RouteTarget& t = targets[i];
    c.current_target = static_cast<int>(i);
    ++c.cdr.routes_tried;
    if (t.kind == dialplan::TargetKind::kTrunkGroup && c.from_sip) {
      placeOnTrunk(c, t);
      return;
    }
    if (t.kind == dialplan::TargetKind::kSipPeer && !c.from_sip) {
      placeOnPeer(c, t);
      return;
    }
    // SIP-to-SIP and PRI-to-PRI (tandem) routes, and local users, are not
    // bridged by this gateway: skip to the next target, as for a target down.
    OUTPOST_LOG(Warning, "call") << "route target " << t.name << " ("
                                 << dialplan::targetKindName(t.kind)
                                 << ") cannot carry a call from "
                                 << (c.from_sip ? "SIP" : "the PRI") << "; trying the next one";
    c.last_cause = q850::kNoRouteToDestination;
  }
  int cause = c.last_cause ? c.last_cause : q850::kNoRouteToDestination;
  finish(c, c.from_sip ? Side::kPstn : Side::kSip, cause, c.last_sip);
}

void CallControl::placeOnTrunk(Call& c, const dialplan::RouteTarget& t) {
  tdm::OutgoingCall req;
  req.called.digits = digitsOnly(t.called);
  req.called.ton = toTon(t.called_ton);
  req.called.plan = toNpi(t.called_npi);
  req.calling.digits = digitsOnly(t.calling);
  req.calling.ton = toTon(t.calling_ton);
  req.calling.plan = toNpi(t.calling_npi);
  bool emergency = c.decision.emergency;
  // An emergency call always presents its number (the PSAP needs it),
  // whatever the caller asked for.
  req.calling.presentation = c.caller.restricted && !emergency ? tdm::Presentation::kRestricted
                                                               : tdm::Presentation::kAllowed;
  req.calling_name = c.caller.display;
  req.name_presentation = req.calling.presentation;
  req.sending_complete = true;
  req.emergency = emergency && !c.decision.emergency_test;
  c.cdr.route = t.name;
  c.cdr.called_out = req.called.digits;
  c.cdr.calling_out = req.calling.digits;
  auto r = pri_.placeCall(t.address, req);
  if (!r) {
    bool down = false;
    int cause = q850::kNoCircuitAvailable;
    if (r.error().code == core::ErrorCode::kInvalidArgument) {
      cause = q850::kInvalidNumberFormat;
    } else if (const tdm::TrunkGroup* g = pri_.group(t.address); !g) {
      cause = q850::kNoRouteToDestination;
      down = true;
    } else {
      // Every span of the group unusable (alarm, D-channel down) is a
      // network failure, not a busy group.
      down = true;
      for (int s : g->config().spans) {
        const tdm::Span* sp = pri_.span(s);
        if (sp && sp->usable()) down = false;
      }
      if (down) cause = q850::kNetworkOutOfOrder;
    }
    OUTPOST_LOG(Info, "call") << "trunk group " << t.address << ": " << r.error().message
                              << " (cause " << cause << ")";
    targetFailed(c, cause, 0, down);
    return;
  }
  c.tdm = *r;
  by_tdm_[c.tdm] = &c;
  c.state = Call::State::kSetup;
  OUTPOST_LOG(Info, "call") << "SETUP on trunk group " << t.address << " to " << req.called.digits
                            << (req.emergency ? " (emergency)" : "");
}

void CallControl::targetFailed(Call& c, int cause, int sipStatus, bool down) {
  c.last_cause = cause;
  c.last_sip = sipStatus;
  if (c.finished) return;
  const auto& targets = c.decision.targets;
  if (c.current_target >= 0 && static_cast<size_t>(c.current_target) < targets.size()) {
    const dialplan::RouteTarget& t = targets[static_cast<size_t>(c.current_target)];
    bool failover = (cause && t.failover.onQ850(cause)) ||
                    (sipStatus && t.failover.onSip(sipStatus)) || (down && t.failover.target_down);
    if (failover && c.next_target < targets.size()) {
      ++stats_.failovers;
      OUTPOST_LOG(Info, "call") << "route " << t.name << " failed (cause " << cause
                                << (sipStatus ? ", SIP " + std::to_string(sipStatus) : "")
                                << "); failing over";
      tryTarget(c);
      return;
    }
  }
  finish(c, c.from_sip ? Side::kPstn : Side::kSip, cause, sipStatus);
}

// ---------------------------------------------------------------- PSTN -> SIP

void CallControl::onIncomingCall(const tdm::CallInfo& info) {
  Call& c = newCall(false);
  core::LogContext lc("call", c.ref);
  c.tdm = info.id;
  by_tdm_[info.id] = &c;
  c.context = settings_.pstn_context;
  c.cdr.direction = "pstn-to-sip";
  c.cdr.context = c.context;
  c.cdr.calling_in = info.calling.digits;
  c.cdr.called_in = info.called.digits;
  c.cdr.span = info.span;
  c.cdr.channel = info.channel;
  c.caller.user = info.calling.digits;
  c.caller.display = info.name_presentation == tdm::Presentation::kAllowed ? info.calling_name : "";
  c.caller.restricted = info.calling.presentation == tdm::Presentation::kRestricted;
  ++stats_.pstn_to_sip;
  OUTPOST_LOG(Info, "call") << "SETUP on span " << info.span << " channel " << info.channel << " "
                            << info.calling.digits << " -> " << info.called.digits
                            << (info.sending_complete ? "" : " (overlap)");
  c.plan = plan_ ? plan_() : nullptr;
  if (!c.plan) {
    OUTPOST_LOG(Error, "call") << "no dial plan is loaded; refusing the call";
    finish(c, Side::kGateway, q850::kTemporaryFailure);
    return;
  }
  c.ring_timer = loop_.after(settings_.ring_timeout, [this, ref = c.ref] {
    auto it = calls_.find(ref);
    if (it == calls_.end() || it->second->state == Call::State::kAnswered) return;
    core::LogContext lc2("call", ref);
    OUTPOST_LOG(Info, "call") << "no answer within the ring timeout";
    finish(*it->second, Side::kGateway, q850::kNoAnswer);
  });
  routePstnCall(c, info, info.sending_complete);
}

void CallControl::onDigits(const tdm::CallInfo& info, const tdm::DigitsEvent& ev) {
  Call* c = byTdm(info.id);
  if (!c || c->finished || c->state != Call::State::kRouting) return;
  core::LogContext lc("call", c->ref);
  c->cdr.called_in = ev.number;
  routePstnCall(*c, info, ev.complete || ev.timed_out);
}

void CallControl::routePstnCall(Call& c, const tdm::CallInfo& info, bool complete) {
  c.decision = c.plan->evaluate(query(c, c.cdr.called_in, complete));
  const dialplan::Decision& d = c.decision;
  switch (d.outcome) {
    case dialplan::Outcome::kNeedMoreDigits:
      if (complete) {
        finish(c, Side::kGateway, q850::kInvalidNumberFormat);
      } else {
        (void)pri_.waitForDigits(c.tdm);
      }
      return;
    case dialplan::Outcome::kNoMatch:
    case dialplan::Outcome::kRefused:
      OUTPOST_LOG(Info, "call") << "dial plan: " << dialplan::outcomeName(d.outcome) << " ("
                                << d.reason << "), cause " << d.cause;
      finish(c, Side::kGateway, d.cause ? d.cause : q850::kUnallocatedNumber);
      return;
    case dialplan::Outcome::kRoute:
      break;
  }
  c.cdr.emergency = d.emergency && !d.emergency_test;
  if (!d.emergency && static_cast<int>(calls_.size()) > settings_.max_calls) {
    ++stats_.shed_503;
    ++shed_by_["max_calls"];
    finish(c, Side::kGateway, q850::kSwitchingCongestion);
    return;
  }
  (void)pri_.proceed(c.tdm);
  c.state = Call::State::kSetup;
  attachChannel(c, info.span, info.channel);
  if (!c.bridge) {
    finish(c, Side::kGateway, q850::kResourceUnavailable);
    return;
  }
  tryTarget(c);
}

void CallControl::placeOnPeer(Call& c, const dialplan::RouteTarget& t) {
  const SipPeer* peer = sip_ ? sip_->config().peer(t.address) : nullptr;
  if (!peer) {
    OUTPOST_LOG(Warning, "call") << "route target " << t.name << " names SIP peer '" << t.address
                                 << "', which is not configured";
    targetFailed(c, q850::kNoRouteToDestination, 0, true);
    return;
  }
  OutgoingCall out;
  out.peer = peer;
  out.to_user = t.called;
  out.caller.user = t.calling.empty() ? c.caller.user : t.calling;
  out.caller.display = c.caller.display;
  out.caller.restricted = c.caller.restricted;
  out.sdp = localSdp(c, true);
  if (c.decision.emergency) out.headers.push_back("Priority: emergency");
  SipLeg* leg = sip_->invite(out);
  if (!leg) {
    targetFailed(c, q850::kTemporaryFailure, 0, true);
    return;
  }
  c.awaiting_answer = true;
  c.leg = leg->id();
  by_leg_[c.leg] = &c;
  c.cdr.route = t.name;
  c.cdr.sip_peer = peer->name;
  c.cdr.called_out = t.called;
  c.cdr.calling_out = out.caller.user;
  OUTPOST_LOG(Info, "call") << "INVITE to " << peer->name << " for " << t.called;
}

// ---------------------------------------------------------------- media

core::Status CallControl::ensureBridge(Call& c) {
  auto it = spans_.find(c.span);
  if (it == spans_.end()) return core::notFound("span " + std::to_string(c.span) + " has no media");
  unsigned thread = it->second->thread();
  if (c.bridge && c.bridge_thread == thread) return core::Status::ok();
  if (c.bridge) {
    // Failed over to a span on another media thread: the bridge moves too.
    media_.destroyBridge(c.bridge);
    c.bridge = 0;
  }
  media::BridgeConfig cfg = settings_.bridge;
  cfg.tdmLaw = it->second->law();
  cfg.label = c.ref;
  if (c.have_params) cfg.params = c.params;
  auto created = media_.createBridge(
      cfg,
      [this, ref = c.ref, alive = std::weak_ptr<bool>(alive_)](const media::BridgeEvent& ev) {
        if (alive.lock()) onBridgeEvent(ref, ev);
      },
      thread);
  if (!created) return created.status();
  c.bridge = created->id;
  c.bridge_thread = created->thread;
  c.local_port = created->localPort;
  return core::Status::ok();
}

void CallControl::attachChannel(Call& c, int span, int channel) {
  if (channel <= 0 || (c.span == span && c.channel == channel && c.bridge)) return;
  if (c.channel) {
    if (auto it = spans_.find(c.span); it != spans_.end()) it->second->detach(c.channel);
  }
  c.span = span;
  c.channel = channel;
  c.cdr.span = span;
  c.cdr.channel = channel;
  if (core::Status s = ensureBridge(c); !s) {
    OUTPOST_LOG(Error, "call") << "no media for span " << span << " channel " << channel << ": "
                               << s.message();
    return;
  }
  spans_[span]->attach(channel, c.bridge, settings_.echo_cancel);
}

std::string CallControl::localSdp(Call& c, bool offer) {
  LocalSdp l;
  l.address = media_.rtpAddress();
  l.port = c.local_port;
  media::MediaPolicy policy = settings_.media_policy;
  if (offer) {
    // Offer the span's own law first: no transcoding when the far end agrees.
    if (auto it = spans_.find(c.span); it != spans_.end()) {
      media::Codec first = media::codecForLaw(it->second->law());
      std::stable_partition(policy.codecs.begin(), policy.codecs.end(),
                            [&](media::Codec k) { return k == first; });
    }
    l.formats = media::offerFormats(policy);
    l.direction = c.offered_dir;
    l.ptime_ms = policy.ptimeMs;
  } else {
    l.formats = media::answerFormats(c.params);
    l.direction = c.params.direction;
    l.ptime_ms = c.params.recvPtimeMs;
  }
  l.session_id = c.sdp_session;
  // The version moves only when what we say changes (RFC 3264 section 8).
  l.version = c.sdp_version;
  std::string body = buildSdp(l);
  if (body != c.last_sdp_body) {
    l.version = ++c.sdp_version;
    body = buildSdp(l);
    c.last_sdp_body = body;
    // Compare against the body with the bumped version next time.
  }
  c.last_sdp_body = body;
  return body;
}

core::Status CallControl::applyRemoteSdp(Call& c, const std::string& sdp, bool isAnswer) {
  auto remote = parseAudioSdp(sdp);
  if (!remote) return remote.status();
  media::MediaPolicy policy = settings_.media_policy;
  auto params = isAnswer ? media::acceptAnswer(*remote, policy, c.offered_dir)
                         : media::answerOffer(*remote, policy);
  if (!params) return params.status();
  c.params = *params;
  c.have_params = true;
  c.cdr.codec = media::codecName(c.params.codec);
  if (c.bridge) media_.updateBridge(c.bridge, c.params);
  return core::Status::ok();
}

void CallControl::onBridgeEvent(const std::string& ref, const media::BridgeEvent& ev) {
  auto it = calls_.find(ref);
  if (it == calls_.end()) return;
  Call& c = *it->second;
  core::LogContext lc("call", ref);
  switch (ev.kind) {
    case media::BridgeEvent::Kind::kDtmf:
      ++c.dtmf;
      OUTPOST_LOG(Debug, "call") << "DTMF " << ev.digit << " (" << media::dtmfSourceName(ev.source)
                                 << ")";
      break;
    case media::BridgeEvent::Kind::kMediaTimeout:
      if (c.state == Call::State::kAnswered && !c.finished) {
        OUTPOST_LOG(Warning, "call") << "no RTP from the SIP side: ending the call";
        finish(c, Side::kGateway, q850::kRecoveryOnTimerExpiry);
      }
      break;
    default:
      break;
  }
}

// ---------------------------------------------------------------- TDM events

void CallControl::onProceeding(const tdm::CallInfo& info) {
  Call* c = byTdm(info.id);
  if (!c || c->finished) return;
  core::LogContext lc("call", c->ref);
  attachChannel(*c, info.span, info.channel);
}

void CallControl::onAlerting(const tdm::CallInfo& info, bool inband) {
  Call* c = byTdm(info.id);
  if (!c || c->finished || !c->from_sip) return;
  core::LogContext lc("call", c->ref);
  attachChannel(*c, info.span, info.channel);
  c->state = Call::State::kEarly;
  SipLeg* leg = sip_->leg(c->leg);
  if (!leg) return;
  if (inband && !c->late_offer && c->bridge) {
    sip_->respond(*leg, 183, "Session Progress", localSdp(*c, false));
    c->early_media_sent = true;
  } else {
    sip_->respond(*leg, 180, "Ringing");
  }
}

void CallControl::onProgress(const tdm::CallInfo& info, bool inband) {
  Call* c = byTdm(info.id);
  if (!c || c->finished || !c->from_sip) return;
  core::LogContext lc("call", c->ref);
  attachChannel(*c, info.span, info.channel);
  c->state = Call::State::kEarly;
  SipLeg* leg = sip_->leg(c->leg);
  if (!leg || !inband || c->late_offer || !c->bridge) return;
  sip_->respond(*leg, 183, "Session Progress", localSdp(*c, false));
  c->early_media_sent = true;
}

void CallControl::onConnected(const tdm::CallInfo& info) {
  Call* c = byTdm(info.id);
  if (!c || c->finished || !c->from_sip) return;
  core::LogContext lc("call", c->ref);
  attachChannel(*c, info.span, info.channel);
  SipLeg* leg = sip_->leg(c->leg);
  if (!leg || !c->bridge) {
    finish(*c, Side::kGateway, q850::kResourceUnavailable);
    return;
  }
  std::string sdp;
  if (c->late_offer) {
    sdp = localSdp(*c, true);
    c->awaiting_answer = true;
  } else {
    sdp = localSdp(*c, false);
  }
  sip_->respond(*leg, 200, "OK", sdp);
  markAnswered(*c);
  c->cdr.answer_at = loop_.clock().wallNow();
  if (c->have_params) c->cdr.codec = media::codecName(c->params.codec);
  c->ring_timer.cancel();
  ++stats_.answered;
  OUTPOST_LOG(Info, "call") << "answered (CONNECT), span " << info.span << " channel "
                            << info.channel;
}

void CallControl::onReleased(const tdm::CallInfo& info, const tdm::ReleaseInfo& why) {
  Call* c = byTdm(info.id);
  if (!c) return;
  core::LogContext lc("call", c->ref);
  by_tdm_.erase(info.id);
  c->tdm = 0;
  if (c->channel) {
    if (auto it = spans_.find(c->span); it != spans_.end()) it->second->detach(c->channel);
  }
  if (c->finished) {
    maybeErase(*c);
    return;
  }
  OUTPOST_LOG(Info, "call") << "PSTN released: cause " << why.cause << " (" << why.reason << ")";
  if (c->from_sip && c->state != Call::State::kAnswered) {
    c->channel = 0;
    targetFailed(*c, why.cause, 0, false);
    return;
  }
  finish(*c, why.by_far_end ? Side::kPstn : Side::kGateway, why.cause);
}

void CallControl::onSpanEvent(const tdm::SpanEvent& ev) {
  OUTPOST_LOG(Notice, "pri") << "span " << ev.span << ": " << tdm::spanEventName(ev.kind)
                             << (ev.detail.empty() ? "" : " (" + ev.detail + ")");
}

// ---------------------------------------------------------------- SIP events

void CallControl::onProgress(SipLeg& leg, int status, const std::string& sdp) {
  Call* c = byLeg(leg.id());
  if (!c || c->finished || c->from_sip) return;
  core::LogContext lc("call", c->ref);
  c->state = Call::State::kEarly;
  if (!sdp.empty()) {
    if (core::Status s = applyRemoteSdp(*c, sdp, true); s) {
      c->awaiting_answer = false;
      (void)pri_.progress(c->tdm, true);
      return;
    } else {
      OUTPOST_LOG(Warning, "call") << "early SDP unusable: " << s.message();
    }
  }
  if (status == 180) (void)pri_.alert(c->tdm, false);
}

void CallControl::onAnswered(SipLeg& leg, const std::string& sdp) {
  Call* c = byLeg(leg.id());
  if (!c || c->finished || c->from_sip) return;
  core::LogContext lc("call", c->ref);
  if (!sdp.empty() && c->awaiting_answer) {
    if (core::Status s = applyRemoteSdp(*c, sdp, true); !s) {
      OUTPOST_LOG(Warning, "call") << "answer SDP unusable: " << s.message();
      finish(*c, Side::kGateway, q850::kBearerCapabilityNotImplemented);
      return;
    }
    c->awaiting_answer = false;
  }
  (void)pri_.answer(c->tdm);
  markAnswered(*c);
  c->cdr.answer_at = loop_.clock().wallNow();
  c->ring_timer.cancel();
  ++stats_.answered;
  OUTPOST_LOG(Info, "call") << "answered (200 OK)";
}

void CallControl::onRejected(SipLeg& leg, int status, std::optional<int> q850cause) {
  Call* c = byLeg(leg.id());
  if (!c || c->finished) return;
  core::LogContext lc("call", c->ref);
  int cause = q850cause.value_or(causeForSipStatus(status));
  OUTPOST_LOG(Info, "call") << "SIP " << status << " (cause " << cause << ")";
  // This leg is over; a failover places a new one.
  by_leg_.erase(leg.id());
  c->leg = 0;
  targetFailed(*c, cause, status, status == 408 || status == 503);
}

void CallControl::onHangup(SipLeg& leg, const SipHangup& why) {
  Call* c = byLeg(leg.id());
  if (!c || c->finished) return;
  core::LogContext lc("call", c->ref);
  int cause =
      why.q850.value_or(why.kind == SipHangup::Kind::kTimeout ? q850::kRecoveryOnTimerExpiry
                        : why.kind == SipHangup::Kind::kTransportError ? q850::kTemporaryFailure
                                                                       : q850::kNormalClearing);
  OUTPOST_LOG(Info, "call") << "SIP side ended the call ("
                            << (why.kind == SipHangup::Kind::kBye      ? "BYE"
                                : why.kind == SipHangup::Kind::kCancel ? "CANCEL"
                                                                       : "dialog failure")
                            << "), cause " << cause;
  finish(*c, Side::kSip, cause);
}

std::optional<std::string> CallControl::onReoffer(SipLeg& leg, const std::string& sdp) {
  Call* c = byLeg(leg.id());
  if (!c || c->finished || !c->bridge) return std::nullopt;
  core::LogContext lc("call", c->ref);
  if (sdp.empty()) {
    // Offerless re-INVITE: we offer; the answer comes in the ACK.
    c->awaiting_answer = true;
    return localSdp(*c, true);
  }
  if (core::Status s = applyRemoteSdp(*c, sdp, false); !s) {
    OUTPOST_LOG(Warning, "call") << "re-offer refused: " << s.message();
    return std::nullopt;
  }
  OUTPOST_LOG(Info, "call") << "media now " << media::directionName(c->params.direction);
  return localSdp(*c, false);
}

void CallControl::onAckSdp(SipLeg& leg, const std::string& sdp) {
  Call* c = byLeg(leg.id());
  if (!c || c->finished || !c->awaiting_answer) return;
  core::LogContext lc("call", c->ref);
  if (core::Status s = applyRemoteSdp(*c, sdp, true); !s) {
    OUTPOST_LOG(Warning, "call") << "answer in ACK unusable: " << s.message();
    finish(*c, Side::kGateway, q850::kBearerCapabilityNotImplemented);
    return;
  }
  c->awaiting_answer = false;
}

void CallControl::onInfoDtmf(SipLeg& leg, char digit, int durationMs) {
  Call* c = byLeg(leg.id());
  if (!c || c->finished || !c->bridge) return;
  ++c->dtmf;
  media_.playDigit(c->bridge, digit, std::chrono::milliseconds(std::clamp(durationMs, 40, 2000)));
}

void CallControl::onLegGone(SipLeg& leg) {
  Call* c = byLeg(leg.id());
  if (!c) return;
  by_leg_.erase(leg.id());
  if (c->leg != leg.id()) return;
  c->leg = 0;
  if (!c->finished) {
    // The dialog vanished without a hangup we heard (a transaction timeout):
    // the call cannot go on.
    finish(*c, Side::kSip, q850::kNormalUnspecified);
    return;
  }
  maybeErase(*c);
}

void CallControl::markAnswered(Call& c) {
  if (c.state != Call::State::kAnswered && !c.finished) --in_setup_;
  c.state = Call::State::kAnswered;
}

// ---------------------------------------------------------------- ending

void CallControl::finish(Call& c, Side by, int cause, int sipStatus) {
  if (c.finished) return;
  core::LogContext lc("call", c.ref);
  c.finished = true;
  c.in_finish = true;
  c.ring_timer.cancel();
  if (c.state != Call::State::kAnswered) {
    ++stats_.failed;
    ++failed_by_cause_[cause];
    --in_setup_;
  }
  c.state = Call::State::kEnding;
  c.cdr.released_by = sideName(static_cast<int>(by));
  c.cdr.q850_cause = cause;
  c.cdr.end_at = loop_.clock().wallNow();
  if (c.leg) {
    if (SipLeg* leg = sip_ ? sip_->leg(c.leg) : nullptr) {
      if (leg->incoming() && !leg->answered() && !sipStatus)
        sipStatus = sipStatusForCause(cause).code;
      if (!leg->ended()) sip_->hangup(*leg, cause, leg->incoming() ? sipStatus : 0);
    } else {
      c.leg = 0;
    }
  }
  c.cdr.sip_status = sipStatus;
  if (c.tdm) {
    if (!pri_.call(c.tdm)) {
      by_tdm_.erase(c.tdm);
      c.tdm = 0;
    } else {
      (void)pri_.hangup(c.tdm, cause);
    }
  }
  if (c.bridge) {
    if (c.channel) {
      if (auto it = spans_.find(c.span); it != spans_.end()) it->second->detach(c.channel);
    }
    media::BridgeId id = c.bridge;
    media_.destroyBridge(
        id, [this, ref = c.ref, alive = std::weak_ptr<bool>(alive_)](media::BridgeStats s) {
          if (!alive.lock()) return;
          auto it = calls_.find(ref);
          if (it == calls_.end()) return;
          Call& call = *it->second;
          call.bridge = 0;
          if (call.have_params) call.cdr.codec = media::codecName(s.codec);
          maybeErase(call);
        });
  }
  OUTPOST_LOG(Info, "call") << "ended by " << c.cdr.released_by << ", cause " << cause << " ("
                            << causeText(cause) << ")"
                            << (sipStatus ? ", SIP " + std::to_string(sipStatus) : "");
  c.in_finish = false;
  maybeErase(c);
}

void CallControl::maybeErase(Call& c) {
  if (!c.finished || c.in_finish || c.leg || c.tdm || c.bridge) return;
  writeCdr(c);
  std::string ref = c.ref;
  calls_.erase(ref);  // `c` is gone
  if (calls_.empty() && all_ended_) {
    auto done = std::move(all_ended_);
    all_ended_ = nullptr;
    done();
  }
}

void CallControl::writeCdr(Call& c) {
  if (c.cdr_written) return;
  c.cdr_written = true;
  c.cdr.dtmf_count = c.dtmf;
  if (c.cdr.end_at == core::WallTime{}) c.cdr.end_at = loop_.clock().wallNow();
  ++stats_.cdrs;
  submitCdr(
      store_, c.cdr, [this, alive = std::weak_ptr<bool>(alive_), ref = c.ref](core::Status s) {
        if (s) return;
        // The writer thread: count and log; the row itself is lost only if the
        // disk refuses it, which the store's own status also shows.
        OUTPOST_LOG(Critical, "cdr") << "CDR of call " << ref << " NOT written: " << s.message();
        loop_.post([this, alive] {
          if (alive.lock()) ++stats_.cdr_errors;
        });
      });
}

// ---------------------------------------------------------------- admin

nlohmann::json CallControl::callsJson() const {
  nlohmann::json list = nlohmann::json::array();
  auto now = loop_.clock().wallNow();
  for (const auto& [ref, cp] : calls_) {
    const Call& c = *cp;
    const char* state = c.state == Call::State::kRouting    ? "routing"
                        : c.state == Call::State::kSetup    ? "setup"
                        : c.state == Call::State::kEarly    ? "early"
                        : c.state == Call::State::kAnswered ? "answered"
                                                            : "ending";
    nlohmann::json j = {
        {"id", c.ref},
        {"direction", c.cdr.direction},
        {"state", state},
        {"from", c.cdr.calling_in},
        {"to", c.cdr.called_in},
        {"route", c.cdr.route},
        {"span", c.span},
        {"channel", c.channel},
        {"codec", c.have_params ? media::codecName(c.params.codec) : ""},
        {"emergency", c.cdr.emergency},
        {"duration_s",
         std::chrono::duration_cast<std::chrono::seconds>(now - c.cdr.setup_at).count()},
    };
    if (SipLeg* leg = c.leg && sip_ ? sip_->leg(c.leg) : nullptr) {
      j["sip"] = leg->state();
      j["sip_call_id"] = leg->callId();
    } else {
      j["sip"] = "-";
    }
    if (auto info = c.tdm ? pri_.call(c.tdm) : std::nullopt) {
      j["pri"] = tdm::callStateName(info->state);
    } else {
      j["pri"] = "-";
    }
    list.push_back(std::move(j));
  }
  return list;
}

core::Status CallControl::hangup(const std::string& ref, int cause) {
  auto it = calls_.find(ref);
  if (it == calls_.end()) return core::notFound("no call " + ref + " (see 'outpostctl calls')");
  finish(*it->second, Side::kGateway, cause);
  return core::Status::ok();
}

void CallControl::endAll(int cause, std::function<void()> done) {
  std::vector<std::string> refs;
  for (const auto& [ref, c] : calls_)
    refs.push_back(ref);
  all_ended_ = std::move(done);
  for (const auto& ref : refs) {
    auto it = calls_.find(ref);
    if (it != calls_.end()) finish(*it->second, Side::kGateway, cause);
  }
  if (calls_.empty() && all_ended_) {
    auto d = std::move(all_ended_);
    all_ended_ = nullptr;
    d();
  }
}

nlohmann::json CallControl::statsJson() const {
  // JSON object keys are text: the cause numbers as strings.
  nlohmann::json byCause = nlohmann::json::object();
  for (const auto& [cause, n] : failed_by_cause_)
    byCause[std::to_string(cause)] = n;
  return {{"active", calls_.size()},
          {"in_setup", in_setup_},
          {"sip_to_pstn", stats_.sip_to_pstn},
          {"pstn_to_sip", stats_.pstn_to_sip},
          {"answered", stats_.answered},
          {"failed", stats_.failed},
          {"shed_503", stats_.shed_503},
          {"shed_by", shed_by_},
          {"failed_by_cause", byCause},
          {"overloaded", load_.overloaded()},
          {"admit_share", load_.admitShare()},
          {"loop_lag_ms", load_.lagMs()},
          {"sip_queue_kb", load_.queuedBytes() / 1024},
          {"overload_episodes", load_.episodes()},
          {"emergency", stats_.emergency},
          {"failovers", stats_.failovers},
          {"cdrs", stats_.cdrs},
          {"cdr_errors", stats_.cdr_errors}};
}

}  // namespace outpost::gateway
