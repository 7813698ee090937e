#include "tdm/pri_trunk.hpp"

#include <sys/time.h>

#include <algorithm>
#include <cstring>
#include <mutex>

#include "core/log.hpp"
#include "core/strings.hpp"
#include "tdm/libpri.hpp"

namespace outpost::tdm {

namespace {

constexpr const char* kLog = "pri";
constexpr int kMaxAttempts = 3;  // tries of one outgoing call across glare and restarts

// libpri's messages go to our log, never to stdout (pstn-sim speaks JSON there).
void priMessage(struct pri* p, char* text) {
  auto* t = p ? static_cast<PriTrunk*>(pri_get_userdata(p)) : nullptr;
  OUTPOST_LOG(Debug, kLog) << (t ? t->name() + ": " : std::string()) << core::trim(text);
}
void priError(struct pri* p, char* text) {
  auto* t = p ? static_cast<PriTrunk*>(pri_get_userdata(p)) : nullptr;
  OUTPOST_LOG(Notice, kLog) << (t ? t->name() + ": " : std::string()) << core::trim(text);
}
void installLibpriLogging() {
  static std::once_flag once;
  std::call_once(once, [] {
    pri_set_message(priMessage);
    pri_set_error(priError);
  });
}

int switchCode(SwitchType s) {
  switch (s) {
    case SwitchType::kNi2:
      return PRI_SWITCH_NI2;
    case SwitchType::kDms100:
      return PRI_SWITCH_DMS100;
    case SwitchType::k5ess:
      return PRI_SWITCH_LUCENT5E;
    case SwitchType::k4ess:
      return PRI_SWITCH_ATT4ESS;
    case SwitchType::kEuroIsdnE1:
      return PRI_SWITCH_EUROISDN_E1;
    case SwitchType::kEuroIsdnT1:
      return PRI_SWITCH_EUROISDN_T1;
    case SwitchType::kQsig:
      return PRI_SWITCH_QSIG;
  }
  return PRI_SWITCH_NI2;
}

// SERVICE messages exist on the North American switch types only.
bool hasServiceMessages(SwitchType s) {
  return s == SwitchType::kNi2 || s == SwitchType::k4ess || s == SwitchType::k5ess;
}

int planCode(const PartyNumber& n) {
  return (static_cast<int>(n.ton) << 4) | static_cast<int>(n.plan);
}
int presentationCode(Presentation p, Screening s) {
  return (static_cast<int>(p) << 5) | static_cast<int>(s);
}

TypeOfNumber tonOf(int plan) {
  int t = (plan >> 4) & 0x7;
  switch (t) {
    case 1:
    case 2:
    case 3:
    case 4:
    case 6:
      return static_cast<TypeOfNumber>(t);
    default:
      return TypeOfNumber::kUnknown;
  }
}
NumberingPlan npiOf(int plan) {
  int p = plan & 0xF;
  switch (p) {
    case 1:
    case 3:
    case 4:
    case 8:
    case 9:
      return static_cast<NumberingPlan>(p);
    default:
      return NumberingPlan::kUnknown;
  }
}
Presentation presentationOf(int pres) {
  int p = (pres >> 5) & 0x3;
  return p == 1   ? Presentation::kRestricted
         : p == 2 ? Presentation::kUnavailable
                  : Presentation::kAllowed;
}
Screening screeningOf(int pres) {
  return static_cast<Screening>(pres & 0x3);
}

int bearerCode(Bearer b) {
  switch (b) {
    case Bearer::kSpeech:
      return PRI_TRANS_CAP_SPEECH;
    case Bearer::kAudio3k1:
      return PRI_TRANS_CAP_3_1K_AUDIO;
    case Bearer::kDigital64k:
      return PRI_TRANS_CAP_DIGITAL;
  }
  return PRI_TRANS_CAP_SPEECH;
}
Bearer bearerOf(int ctype) {
  if (ctype == PRI_TRANS_CAP_DIGITAL) return Bearer::kDigital64k;
  if (ctype == PRI_TRANS_CAP_3_1K_AUDIO) return Bearer::kAudio3k1;
  return Bearer::kSpeech;
}

// libpri's channel encoding: channel | ds1 << 8 | explicit << 16; -1 or
// 0xFF in the channel byte means "any".
int channelOf(int encoded) {
  if (encoded < 0) return -1;
  int ch = encoded & 0xFF;
  return ch == 0xFF ? -1 : ch;
}

bool validDigits(std::string_view d) {
  return std::all_of(d.begin(), d.end(),
                     [](char c) { return (c >= '0' && c <= '9') || c == '*' || c == '#'; });
}

void copyTo(char* dst, size_t size, const std::string& s) {
  std::strncpy(dst, s.c_str(), size - 1);
  dst[size - 1] = '\0';
}

}  // namespace

PriTrunk::PriTrunk(core::EventLoop& loop, TrunkConfig config, std::unique_ptr<SpanBackend> backend,
                   Owner& owner)
    : loop_(loop),
      config_(std::move(config)),
      name_(config_.name.empty() ? "span " + std::to_string(config_.span) : config_.name),
      backend_(std::move(backend)),
      owner_(owner),
      span_(config_.span, name_, backend_->layout(), backend_->law()) {}

PriTrunk::~PriTrunk() {
  pri_timer_.cancel();
  if (pri_) {
    // libpri 1.6 cannot free a controller; make sure it never calls us again.
    pri_set_userdata(pri_, nullptr);
  }
}

core::Status PriTrunk::start() {
  installLibpriLogging();
  if (auto v = span_.layout().validate(); !v) {
    return core::invalidArgument(name_ + ": " + v.message());
  }
  if (span_.layout().dchannel == 0) {
    return core::invalidArgument(name_ + ": a PRI span needs a D-channel");
  }
  if (!config_.capture.empty()) {
    if (auto s = startCapture(config_.capture); !s) return s;
  }
  auto s = backend_->start(
      loop_, {[this](std::span<const uint8_t> f) { onFrame(f); }, [this] { onLineChanged(); }});
  if (!s) return core::Error{s.code(), name_ + ": " + s.message()};
  span_.setAlarms(backend_->lineStatus().alarms);
  OUTPOST_LOG(Info, kLog) << name_ << ": PRI " << switchTypeName(config_.switch_type) << " "
                          << sideName(config_.side) << " side on " << backend_->describe();
  // Q.921 starts when the line first comes up: its first SABME then reaches
  // the far end at once instead of one T200 later.
  if (backend_->lineStatus().connected) return createController();
  return {};
}

core::Status PriTrunk::createController() {
  if (pri_) return {};
  pri_ = pri_new_cb(-1, config_.side == Side::kNetwork ? PRI_NETWORK : PRI_CPE,
                    switchCode(config_.switch_type), &PriTrunk::priRead, &PriTrunk::priWrite, this);
  if (!pri_) return core::internalError(name_ + ": libpri could not create a D-channel");
  pri_hangup_fix_enable(pri_, 1);
  pri_set_overlapdial(pri_, 1);
  pri_facility_enable(pri_);  // names travel in FACILITY on QSIG and EuroISDN
  // At trace level the log carries libpri's decode of every Q.921/Q.931 frame.
  if (core::Logger::instance().enabled(core::LogLevel::kTrace)) {
    pri_set_debug(pri_, PRI_DEBUG_Q931_DUMP | PRI_DEBUG_Q931_STATE | PRI_DEBUG_Q921_STATE);
  }
  if (hasServiceMessages(config_.switch_type)) pri_set_service_message_support(pri_, 1);
  auto ms = [](core::Duration d) {
    return static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(d).count());
  };
  const PriTimers& t = config_.timers;
  if (t.t200) pri_set_timer(pri_, PRI_TIMER_T200, ms(*t.t200));
  if (t.t203) pri_set_timer(pri_, PRI_TIMER_T203, ms(*t.t203));
  if (t.n200) pri_set_timer(pri_, PRI_TIMER_N200, *t.n200);
  if (t.t303) pri_set_timer(pri_, PRI_TIMER_T303, ms(*t.t303));
  if (t.t305) pri_set_timer(pri_, PRI_TIMER_T305, ms(*t.t305));
  if (t.t308) pri_set_timer(pri_, PRI_TIMER_T308, ms(*t.t308));
  if (t.t309) pri_set_timer(pri_, PRI_TIMER_T309, ms(*t.t309));
  if (t.t313) pri_set_timer(pri_, PRI_TIMER_T313, ms(*t.t313));
  armTimer();
  return {};
}

// ---- libpri I/O -----------------------------------------------------------

int PriTrunk::priRead(struct pri* p, void* buf, int len) {
  auto* t = static_cast<PriTrunk*>(pri_get_userdata(p));
  return t ? t->onPriRead(buf, len) : -1;
}

int PriTrunk::priWrite(struct pri* p, void* buf, int len) {
  auto* t = static_cast<PriTrunk*>(pri_get_userdata(p));
  return t ? t->onPriWrite(buf, len) : len;
}

int PriTrunk::onPriRead(void* buf, int len) {
  // libpri reads one HDLC frame with its two FCS bytes and drops them.
  if (!rx_pending_) return -1;
  rx_pending_ = false;
  size_t n = rx_frame_.size();
  if (static_cast<int>(n + 2) > len) return -1;
  std::memcpy(buf, rx_frame_.data(), n);
  static_cast<uint8_t*>(buf)[n] = 0;
  static_cast<uint8_t*>(buf)[n + 1] = 0;
  return static_cast<int>(n + 2);
}

int PriTrunk::onPriWrite(void* buf, int len) {
  // libpri writes frame + 2 FCS bytes for the line driver to fill in.
  if (len <= 2) return len;
  std::span<const uint8_t> frame(static_cast<const uint8_t*>(buf), static_cast<size_t>(len - 2));
  if (capture_) capture_->record(frame, true, loop_.clock().wallNow());
  backend_->sendFrame(frame);
  return len;
}

void PriTrunk::onFrame(std::span<const uint8_t> frame) {
  if (capture_) capture_->record(frame, false, loop_.clock().wallNow());
  if (!pri_) return;
  rx_frame_.assign(frame.begin(), frame.end());
  rx_pending_ = true;
  pri_event* e = pri_check_event(pri_);
  rx_pending_ = false;
  if (e) {
    pri_event copy;
    std::memcpy(&copy, e, sizeof copy);
    handle(&copy);
  }
  armTimer();
}

void PriTrunk::armTimer() {
  if (!pri_ || handling_) return;
  timeval* next = pri_schedule_next(pri_);
  if (!next) {
    pri_timer_.cancel();
    return;
  }
  timeval now;
  gettimeofday(&now, nullptr);
  int64_t us = (int64_t(next->tv_sec) - now.tv_sec) * 1'000'000 + (next->tv_usec - now.tv_usec);
  pri_timer_ =
      loop_.after(std::chrono::microseconds(std::max<int64_t>(us, 0)), [this] { onTimer(); });
}

void PriTrunk::onTimer() {
  if (!pri_) return;
  // Several libpri timers may be due together; each run may produce an event.
  for (int i = 0; i < 64; ++i) {
    timeval* next = pri_schedule_next(pri_);
    if (!next) break;
    timeval now;
    gettimeofday(&now, nullptr);
    if (timercmp(next, &now, >)) break;
    pri_event* e = pri_schedule_run(pri_);
    if (e) {
      pri_event copy;
      std::memcpy(&copy, e, sizeof copy);
      handle(&copy);
    }
  }
  armTimer();
}

// ---- line -----------------------------------------------------------------

void PriTrunk::onLineChanged() {
  LineStatus ls = backend_->lineStatus();
  if (ls.connected && !pri_) {
    if (auto s = createController(); !s) {
      OUTPOST_LOG(Error, kLog) << s.message();
    }
  }
  Alarms before = span_.alarms();
  span_.setAlarms(ls.alarms);
  if (ls.alarms == before) return;
  if (ls.alarms.any()) {
    OUTPOST_LOG(Warning, kLog) << name_ << ": alarms " << alarmsName(ls.alarms) << " (" << ls.detail
                               << ")";
  } else {
    OUTPOST_LOG(Info, kLog) << name_ << ": alarms cleared (" << ls.detail << ")";
  }
  notify(SpanEvent::Kind::kAlarm, 0, true, ls.detail);
  // Red or blue: no audio can pass, so every call on the span ends now.
  if (ls.alarms.severe())
    endAllCalls(cause::kNetworkOutOfOrder, "span in " + alarmsName(ls.alarms) + " alarm");
}

void PriTrunk::endAllCalls(int cause, const std::string& reason) {
  std::vector<CallId> ids;
  for (auto& [id, r] : calls_)
    ids.push_back(id);
  for (CallId id : ids) {
    Record* r = byId(id);
    if (!r) continue;
    reportRelease(*r, {cause, false, reason});
    if (r = byId(id); !r) continue;
    if (r->pcall) {
      by_pri_.erase(r->pcall);
      pri_destroycall(pri_, r->pcall);
      r->pcall = nullptr;
    }
    finish(id);
  }
}

// ---- events ---------------------------------------------------------------

void PriTrunk::handle(const void* event) {
  const pri_event& ev = *static_cast<const pri_event*>(event);
  handling_ = true;
  switch (ev.e) {
    case PRI_EVENT_DCHAN_UP:
      onDchannel(true);
      break;
    case PRI_EVENT_DCHAN_DOWN:
      onDchannel(false);
      break;
    case PRI_EVENT_RESTART:
      onRestart(channelOf(ev.restart.channel));
      break;
    case PRI_EVENT_RESTART_ACK:
      onRestartAck(channelOf(ev.restartack.channel));
      break;
    case PRI_EVENT_SERVICE:
      onService(channelOf(ev.service.channel), ev.service.changestatus);
      break;
    case PRI_EVENT_SERVICE_ACK:
      OUTPOST_LOG(Info, kLog) << name_ << ": SERVICE ACKNOWLEDGE for channel "
                              << channelOf(ev.service_ack.channel);
      break;
    case PRI_EVENT_RING:
      onRing(&ev);
      break;
    case PRI_EVENT_INFO_RECEIVED:
      onInfo(&ev);
      break;
    case PRI_EVENT_KEYPAD_DIGIT:
      if (Record* r = byPri(ev.digit.call)) {
        CallInfo info = r->info;
        if (auto* l = listener()) l->onKeypad(info, ev.digit.digits);
      }
      break;
    case PRI_EVENT_SETUP_ACK:
      if (Record* r = byPri(ev.setup_ack.call)) {
        r->setup_acked = true;
        r->info.state = CallState::kOverlap;
        std::string queued = std::move(r->queued_digits);
        r->queued_digits.clear();
        for (char d : queued)
          pri_information(pri_, r->pcall, d);
        CallInfo info = r->info;
        if (auto* l = listener()) l->onSetupAcknowledged(info);
      }
      break;
    case PRI_EVENT_PROCEEDING:
      if (Record* r = byPri(ev.proceeding.call); r && !r->glared) {
        r->info.state = CallState::kProceeding;
        r->info.inband = r->info.inband || (ev.proceeding.progressmask & PRI_PROG_INBAND_AVAILABLE);
        r->queued_digits.clear();
        CallInfo info = r->info;
        if (auto* l = listener()) l->onProceeding(info);
      }
      break;
    case PRI_EVENT_PROGRESS:
      if (Record* r = byPri(ev.proceeding.call); r && !r->glared) {
        bool inband = ev.proceeding.progressmask & PRI_PROG_INBAND_AVAILABLE;
        r->info.inband = r->info.inband || inband;
        CallInfo info = r->info;
        if (auto* l = listener()) l->onProgress(info, inband);
      }
      break;
    case PRI_EVENT_RINGING:
      if (Record* r = byPri(ev.ringing.call); r && !r->glared) {
        bool inband = ev.ringing.progressmask & PRI_PROG_INBAND_AVAILABLE;
        r->info.state = CallState::kAlerting;
        r->alerted = true;
        r->info.inband = r->info.inband || inband;
        CallInfo info = r->info;
        if (auto* l = listener()) l->onAlerting(info, inband);
      }
      break;
    case PRI_EVENT_ANSWER:
      if (Record* r = byPri(ev.answer.call)) {
        if (r->glared) {
          // The far end answered the call whose channel we gave away: it
          // cannot have a channel, so it ends here.
          pri_hangup(pri_, r->pcall, cause::kRequestedChannelUnavailable);
          r->hangup_sent = true;
          break;
        }
        r->info.state = CallState::kConnected;
        r->alerted = true;
        r->info.answered = loop_.clock().now();
        CallInfo info = r->info;
        if (auto* l = listener()) l->onConnected(info);
      }
      break;
    case PRI_EVENT_HANGUP_REQ:
      if (Record* r = byPri(ev.hangup.call)) onHangupReq(*r, ev.hangup.cause);
      break;
    case PRI_EVENT_HANGUP:
      if (Record* r = byPri(ev.hangup.call)) {
        onHangup(*r, ev.hangup.cause, false);
      } else {
        pri_hangup(pri_, ev.hangup.call, ev.hangup.cause);  // a call we never took: let it go
      }
      break;
    case PRI_EVENT_HANGUP_ACK:
      if (Record* r = byPri(ev.hangup.call)) onHangup(*r, ev.hangup.cause, true);
      break;
    case PRI_EVENT_CONFIG_ERR:
      OUTPOST_LOG(Warning, kLog) << name_ << ": " << core::trim(ev.err.err);
      break;
    default:
      OUTPOST_LOG(Debug, kLog) << name_ << ": " << pri_event2str(ev.e);
      break;
  }
  handling_ = false;
}

void PriTrunk::onDchannel(bool up) {
  if (span_.dchannelUp() == up) return;
  span_.setDchannelUp(up);
  if (up) {
    OUTPOST_LOG(Info, kLog) << name_ << ": D-channel up";
    notify(SpanEvent::Kind::kDchannelUp);
    if (config_.restart_on_up) {
      for (int ts : span_.bchannels())
        if (!span_.callOn(ts) && span_.inService(ts)) (void)restartChannel(ts);  // up: cannot fail
    }
    owner_.channelFreed(span_.number());
  } else {
    ++counters_.dchannel_downs;
    OUTPOST_LOG(Warning, kLog) << name_ << ": D-channel down; calls not yet answered end now, "
                               << "answered calls when T309 runs out";
    notify(SpanEvent::Kind::kDchannelDown);
    // Restarts in flight are lost with the link; they start over when it returns.
    for (int ts : span_.bchannels())
      span_.setRestarting(ts, false);
    restart_queue_.clear();
    restart_pending_ = 0;
    restart_timer_.cancel();
  }
}

int PriTrunk::pickIncomingChannel(int requested, bool flexible, int* cause) {
  auto freeHere = [&](int ts) { return span_.isBearer(ts) && span_.isIdle(ts); };
  if (requested > 0 && freeHere(requested)) return requested;
  if (requested > 0 && !flexible) {
    *cause = span_.isBearer(requested) ? cause::kRequestedChannelUnavailable
                                       : cause::kIdentifiedChannelDoesNotExist;
    return 0;
  }
  for (int ts : span_.bchannels())
    if (freeHere(ts)) return ts;
  *cause = cause::kNoCircuitAvailable;
  return 0;
}

void PriTrunk::onRing(const void* event) {
  const pri_event& ev = *static_cast<const pri_event*>(event);
  const pri_event_ring& ring = ev.ring;
  int requested = channelOf(ring.channel);
  bool flexible = ring.flexible != 0 || requested < 0;
  int cause = 0;
  int ts = 0;

  // Glare: the far end chose the channel our own SETUP holds. Q.931 gives
  // the network's call the channel: as network we refuse theirs (or move it
  // when they allowed another); as CPE we yield, and our call goes again on
  // another channel once the network has released it.
  if (requested > 0 && span_.isBearer(requested)) {
    if (CallId holder = span_.callOn(requested)) {
      Record* mine = byId(holder);
      bool early = mine && mine->info.direction == Direction::kOutgoing &&
                   mine->info.state == CallState::kSetup && !mine->glared;
      if (early) {
        ++counters_.glares;
        if (config_.side == Side::kCpe) {
          OUTPOST_LOG(Notice, kLog) << name_ << ": glare on channel " << requested
                                    << ": the network's call takes it; ours will go again";
          mine->glared = true;
          mine->info.channel = 0;
          span_.release(requested, loop_.clock().now());
          ts = requested;
        } else {
          OUTPOST_LOG(Notice, kLog)
              << name_ << ": glare on channel " << requested << ": our call keeps it";
        }
      }
    }
  }
  if (ts == 0) ts = pickIncomingChannel(requested, flexible, &cause);
  if (ts && !span_.usable()) {
    ts = 0;
    cause = cause::kNetworkOutOfOrder;
  }
  if (!ts) {
    ++counters_.rejected_in;
    OUTPOST_LOG(Notice, kLog) << name_ << ": refusing SETUP for channel " << requested << ": "
                              << causeText(cause);
    // Refused with CALL PROCEEDING then DISCONNECT: libpri sends nothing at
    // all for a hangup of a SETUP it has not yet answered.
    pri_proceeding(pri_, ring.call, 0, 0);
    pri_hangup(pri_, ring.call, cause);
    return;
  }

  ++counters_.calls_in;
  CallId id = owner_.callStarted(*this);
  Record& r = calls_[id];
  r.pcall = ring.call;
  by_pri_[ring.call] = id;
  CallInfo& c = r.info;
  c.id = id;
  c.direction = Direction::kIncoming;
  c.state = CallState::kSetup;
  c.span = span_.number();
  c.channel = ts;
  c.called.digits = ring.callednum;
  c.called.ton = tonOf(ring.calledplan);
  c.called.plan = npiOf(ring.calledplan);
  if (ring.calling.number.valid) {
    c.calling.digits = ring.calling.number.str;
    c.calling.ton = tonOf(ring.calling.number.plan);
    c.calling.plan = npiOf(ring.calling.number.plan);
    c.calling.presentation = presentationOf(ring.calling.number.presentation);
    c.calling.screening = screeningOf(ring.calling.number.presentation);
  } else {
    c.calling.digits = ring.callingnum;
    c.calling.ton = tonOf(ring.callingplan);
    c.calling.plan = npiOf(ring.callingplan);
    c.calling.presentation = presentationOf(ring.callingpres);
    c.calling.screening = screeningOf(ring.callingpres);
  }
  if (ring.calling.name.valid) {
    c.calling_name = ring.calling.name.str;
    c.name_presentation = presentationOf(ring.calling.name.presentation);
  } else {
    c.calling_name = ring.callingname;
  }
  c.redirecting = ring.redirectingnum;
  c.bearer = bearerOf(ring.ctype);
  c.inband = ring.progressmask & PRI_PROG_INBAND_AVAILABLE;
  // Without overlap receiving every SETUP is en bloc: the number is whole.
  c.sending_complete = !config_.overlap_receive || ring.complete;
  c.started = loop_.clock().now();
  span_.assign(ts, id);

  // Answer the SETUP at once: it stops the far end's T303 and makes the call
  // known to libpri, which otherwise drops a call that is cleared before the
  // upper layer has said anything. Complete numbers get CALL PROCEEDING,
  // incomplete ones SETUP ACKNOWLEDGE and the inter-digit timer.
  r.responded = true;
  if (c.sending_complete) {
    pri_proceeding(pri_, r.pcall, ts, 0);
    r.proceeding_sent = true;
    c.state = CallState::kProceeding;
  } else {
    pri_setup_ack(pri_, r.pcall, ts, 0, 0);
    c.state = CallState::kOverlap;
    startDigitTimer(r);
  }
  OUTPOST_LOG(Info, kLog) << name_ << ": incoming call " << id << " on channel " << ts << " to "
                          << (c.called.digits.empty() ? "(no digits yet)" : c.called.digits)
                          << " from " << (c.calling.digits.empty() ? "(none)" : c.calling.digits)
                          << (c.sending_complete ? "" : " (overlap)");
  CallInfo info = c;
  if (auto* l = listener()) l->onIncomingCall(info);
}

void PriTrunk::startDigitTimer(Record& r) {
  CallId id = r.info.id;
  r.digit_timer = loop_.after(config_.overlap_timeout, [this, id] {
    Record* rec = byId(id);
    if (!rec || rec->info.state != CallState::kOverlap) return;
    DigitsEvent ev;
    ev.number = rec->info.called.digits;
    ev.timed_out = true;
    CallInfo info = rec->info;
    if (auto* l = listener()) l->onDigits(info, ev);
    rec = byId(id);
    if (rec && rec->info.state == CallState::kOverlap && !rec->hangup_sent) {
      OUTPOST_LOG(Info, kLog) << name_ << ": call " << id << ": no more digits after "
                              << rec->info.called.digits << "; clearing (address incomplete)";
      (void)hangup(id, cause::kInvalidNumberFormat);  // the call exists: cannot fail
    }
    armTimer();
  });
}

void PriTrunk::onInfo(const void* event) {
  const pri_event& ev = *static_cast<const pri_event*>(event);
  Record* r = byPri(ev.ring.call);
  if (!r || r->info.direction != Direction::kIncoming) return;
  if (r->info.state != CallState::kOverlap) {
    OUTPOST_LOG(Debug, kLog) << name_ << ": call " << r->info.id
                             << ": INFORMATION after the number was complete; ignored";
    return;
  }
  std::string digits = ev.ring.callednum;
  if (!validDigits(digits)) {
    OUTPOST_LOG(Notice, kLog) << name_ << ": call " << r->info.id
                              << ": INFORMATION with invalid digits ignored";
    return;
  }
  r->info.called.digits += digits;
  if (ev.ring.complete) r->info.sending_complete = true;
  DigitsEvent d;
  d.digits = digits;
  d.number = r->info.called.digits;
  d.complete = ev.ring.complete != 0;
  startDigitTimer(*r);
  CallInfo info = r->info;
  if (auto* l = listener()) l->onDigits(info, d);
}

void PriTrunk::onRestart(int channel) {
  ++counters_.restarts_received;
  std::vector<int> affected;
  if (channel > 0) {
    affected.push_back(channel);
  } else {
    affected = span_.bchannels();
  }
  for (int ts : affected) {
    CallId id = span_.callOn(ts);
    if (Record* r = id ? byId(id) : nullptr) {
      OUTPOST_LOG(Notice, kLog) << name_ << ": the far end restarted channel " << ts << "; call "
                                << id << " ends";
      if (r->pcall) {
        by_pri_.erase(r->pcall);
        pri_destroycall(pri_, r->pcall);
        r->pcall = nullptr;
      }
      bool early = r->info.direction == Direction::kOutgoing && !r->alerted && !r->hangup_sent;
      if (early && !r->reported) {
        retryOrRelease(*r, {span_.number(), ts},
                       {cause::kTemporaryFailure, true, "far end restarted the channel"});
        notify(SpanEvent::Kind::kRestart, ts);
        continue;
      }
      reportRelease(*r, {cause::kTemporaryFailure, true, "far end restarted the channel"});
      finish(id);
    }
    notify(SpanEvent::Kind::kRestart, ts);
    // Both ends have now agreed the channel is idle: ours need not wait.
    if (span_.restarting(ts)) restartDone(ts);
  }
}

void PriTrunk::onRestartAck(int channel) {
  if (channel <= 0 || !span_.isBearer(channel)) return;
  if (span_.restarting(channel)) restartDone(channel);
}

void PriTrunk::restartDone(int ts) {
  span_.setRestarting(ts, false);
  std::erase(restart_queue_, ts);
  notify(SpanEvent::Kind::kRestarted, ts);
  if (ts == restart_pending_) {
    restart_pending_ = 0;
    restart_timer_.cancel();
    pumpRestarts();
  }
  owner_.channelFreed(span_.number());
}

void PriTrunk::pumpRestarts() {
  if (restart_pending_ || restart_queue_.empty() || !pri_ || !span_.dchannelUp()) return;
  restart_pending_ = restart_queue_.front();
  restart_queue_.erase(restart_queue_.begin());
  restart_tries_ = 1;
  int ts = restart_pending_;
  pri_reset(pri_, ts);
  armRestartTimer(ts);
}

void PriTrunk::armRestartTimer(int ts) {
  restart_timer_ = loop_.after(config_.restart_timeout, [this, ts] { onRestartTimeout(ts); });
}

void PriTrunk::onRestartTimeout(int ts) {
  if (restart_pending_ != ts) return;
  // Not acknowledged: lost (a Q.921 link reset drops queued frames), so it
  // goes again; after three tries the channel is used anyway.
  if (restart_tries_ < 3 && pri_ && span_.dchannelUp()) {
    ++restart_tries_;
    OUTPOST_LOG(Notice, kLog) << name_ << ": no RESTART ACKNOWLEDGE for channel " << ts
                              << "; sending RESTART again";
    pri_reset(pri_, ts);
    armTimer();
    armRestartTimer(ts);
    return;
  }
  OUTPOST_LOG(Warning, kLog) << name_ << ": channel " << ts
                             << " never acknowledged its RESTART; using it anyway";
  restartDone(ts);
}

void PriTrunk::onService(int channel, int changestatus) {
  // Change status: 0 in service, 1 maintenance, 2 out of service.
  bool in = changestatus == 0;
  std::vector<int> affected;
  if (channel > 0) {
    affected.push_back(channel);
  } else {
    affected = span_.bchannels();
  }
  for (int ts : affected) {
    if (!span_.isBearer(ts)) continue;
    span_.setInService(ts, in);
    OUTPOST_LOG(Notice, kLog) << name_ << ": the far end put channel " << ts
                              << (in ? " in service" : " out of service");
    notify(SpanEvent::Kind::kService, ts, in);
  }
  if (in) owner_.channelFreed(span_.number());
}

void PriTrunk::onHangupReq(Record& r, int cause) {
  if (r.glared || r.hangup_sent) {
    // Our own DISCONNECT crossed theirs, or the refusal of a call that lost
    // its channel to glare: finish it; onHangup decides what comes next.
    if (!r.hangup_sent) {
      r.release = {cause, true, causeText(cause)};
      pri_hangup(pri_, r.pcall, cause);
    }
    r.hangup_sent = true;
    return;
  }
  bool early = r.info.direction == Direction::kOutgoing && !r.alerted && !r.setup_acked;
  r.info.state = CallState::kReleasing;
  r.digit_timer.cancel();
  r.release = {cause, true, causeText(cause)};
  // RELEASE goes out now; RELEASE COMPLETE (HANGUP_ACK) ends the record.
  pri_hangup(pri_, r.pcall, cause);
  r.hangup_sent = true;
  // A call refused for its channel goes again once the channel is free
  // (onHangup); anything else is the call's end, reported now.
  if (early && cause == cause::kRequestedChannelUnavailable && r.attempts < kMaxAttempts) return;
  reportRelease(r, r.release);
}

void PriTrunk::onHangup(Record& r, int cause, bool ack) {
  CallId id = r.info.id;
  if (!ack) {
    // RELEASE or RELEASE COMPLETE arrived, or libpri cleared the call itself
    // (D-channel loss, T303): finish it on libpri's side.
    pri_hangup(pri_, r.pcall, cause);
  }
  by_pri_.erase(r.pcall);
  r.pcall = nullptr;
  bool local = r.hangup_sent && !r.release.by_far_end;
  int finalCause = r.hangup_sent && r.release.cause ? r.release.cause : cause;
  if (!r.reported) {
    bool lostChannel = r.glared || finalCause == cause::kRequestedChannelUnavailable;
    bool early = r.info.direction == Direction::kOutgoing && !r.alerted && !r.setup_acked;
    if (!local && lostChannel && early && r.attempts < kMaxAttempts) {
      retryOrRelease(r, {span_.number(), r.info.channel},
                     {cause::kRequestedChannelUnavailable, true,
                      causeText(cause::kRequestedChannelUnavailable)});
      return;
    }
    reportRelease(r, local ? r.release : ReleaseInfo{finalCause, true, causeText(finalCause)});
  }
  Record* again = byId(id);
  if (!again) return;
  // A call that ended on a timer or a protocol error may have left the far
  // end with another idea of the channel: restart it before reuse.
  int ts = again->info.channel;
  finish(id);
  if (ts && span_.dchannelUp() &&
      (finalCause == cause::kRecoveryOnTimerExpiry || finalCause == cause::kProtocolError ||
       finalCause == 101)) {
    (void)restartChannel(ts);  // a bearer channel, D-channel up: cannot fail
  }
}

void PriTrunk::retryOrRelease(Record& r, ChannelRef failed, ReleaseInfo why) {
  CallId id = r.info.id;
  CallInfo info = r.info;
  OutgoingCall req = r.request;
  std::string group = r.group;
  int attempts = r.attempts;
  if (r.pcall) {
    by_pri_.erase(r.pcall);
    pri_destroycall(pri_, r.pcall);
    r.pcall = nullptr;
  }
  finish(id, true);
  OUTPOST_LOG(Info, kLog) << name_ << ": call " << id << " lost channel " << failed.channel << " ("
                          << why.reason << "); trying again";
  if (owner_.retry(id, req, group, failed, attempts)) return;
  info.state = CallState::kReleasing;
  info.channel = 0;
  if (auto* l = listener()) l->onReleased(info, why);
  owner_.callEnded(id);
}

// ---- calls ----------------------------------------------------------------

PriTrunk::Record* PriTrunk::byId(CallId id) {
  auto it = calls_.find(id);
  return it == calls_.end() ? nullptr : &it->second;
}
const PriTrunk::Record* PriTrunk::byId(CallId id) const {
  auto it = calls_.find(id);
  return it == calls_.end() ? nullptr : &it->second;
}
PriTrunk::Record* PriTrunk::byPri(q931_call* c) {
  auto it = by_pri_.find(c);
  return it == by_pri_.end() ? nullptr : byId(it->second);
}

core::Result<PriTrunk::Record*> PriTrunk::live(CallId id, const char* what) {
  Record* r = byId(id);
  if (!r) return core::notFound("no call " + std::to_string(id) + " on " + name_);
  if (!r->pcall || r->hangup_sent || r->info.state == CallState::kReleasing) {
    return core::invalidArgument(std::string("call ") + std::to_string(id) +
                                 " is being released; cannot " + what);
  }
  return r;
}

core::Result<PriTrunk::Record*> PriTrunk::liveIncoming(CallId id, const char* what) {
  auto r = live(id, what);
  if (r && (*r)->info.direction != Direction::kIncoming) {
    return core::invalidArgument("call " + std::to_string(id) + " is outgoing; cannot " + what);
  }
  return r;
}

void PriTrunk::reportRelease(Record& r, ReleaseInfo why) {
  if (r.reported) return;
  r.reported = true;
  r.release = why;
  r.digit_timer.cancel();
  OUTPOST_LOG(Info, kLog) << name_ << ": call " << r.info.id << " released: cause " << why.cause
                          << " (" << why.reason << ")" << (why.by_far_end ? " by the far end" : "");
  CallInfo info = r.info;
  if (auto* l = listener()) l->onReleased(info, why);
}

void PriTrunk::finish(CallId id, bool handedOn) {
  auto it = calls_.find(id);
  if (it == calls_.end()) return;
  Record& r = it->second;
  if (r.pcall) by_pri_.erase(r.pcall);
  int ts = r.info.channel;
  if (ts && span_.callOn(ts) == id) span_.release(ts, loop_.clock().now());
  calls_.erase(it);
  if (!handedOn) owner_.callEnded(id);
  if (ts) owner_.channelFreed(span_.number());
}

int PriTrunk::lawLayer1() const {
  return span_.law() == Law::kMulaw ? PRI_LAYER_1_ULAW : PRI_LAYER_1_ALAW;
}

core::Status PriTrunk::setup(CallId id, const OutgoingCall& req, int channel,
                             const std::string& group, int attempts) {
  if (!span_.usable()) {
    return core::unavailable(name_ + " is not usable (alarms " + alarmsName(span_.alarms()) +
                             ", D-channel " + (span_.dchannelUp() ? "up" : "down") + ")");
  }
  if (!span_.isIdle(channel)) {
    return core::unavailable(name_ + ": channel " + std::to_string(channel) + " is " +
                             channelStateName(span_.state(channel)));
  }
  q931_call* c = pri_new_call(pri_);
  if (!c) return core::internalError(name_ + ": libpri has no call reference left");
  pri_sr* sr = pri_sr_new();
  pri_sr_set_channel(sr, channel, 1, 0);
  pri_sr_set_bearer(sr, bearerCode(req.bearer),
                    req.bearer == Bearer::kDigital64k ? 0 : lawLayer1());
  std::string called = req.called.digits;
  pri_sr_set_called(sr, called.data(), planCode(req.called),
                    req.overlap ? 0 : (req.sending_complete ? 1 : 0));
  pri_party_id caller;
  std::memset(&caller, 0, sizeof caller);
  if (!req.calling.digits.empty()) {
    caller.number.valid = 1;
    caller.number.presentation = presentationCode(req.calling.presentation, req.calling.screening);
    caller.number.plan = planCode(req.calling);
    copyTo(caller.number.str, sizeof caller.number.str, req.calling.digits);
  }
  if (!req.calling_name.empty()) {
    caller.name.valid = 1;
    caller.name.presentation = presentationCode(req.name_presentation, Screening::kUserNotScreened);
    caller.name.char_set = PRI_CHAR_SET_ISO8859_1;
    copyTo(caller.name.str, sizeof caller.name.str, req.calling_name);
  }
  pri_sr_set_caller_party(sr, &caller);
  int rc = pri_setup(pri_, c, sr);
  pri_sr_free(sr);
  if (rc != 0) {
    pri_destroycall(pri_, c);
    armTimer();
    return core::internalError(name_ + ": libpri refused the SETUP");
  }
  ++counters_.calls_out;
  Record& r = calls_[id];
  r.pcall = c;
  by_pri_[c] = id;
  r.request = req;
  r.group = group;
  r.attempts = attempts + 1;
  CallInfo& info = r.info;
  info.id = id;
  info.direction = Direction::kOutgoing;
  info.state = CallState::kSetup;
  info.span = span_.number();
  info.channel = channel;
  info.called = req.called;
  info.calling = req.calling;
  info.calling_name = req.calling_name;
  info.name_presentation = req.name_presentation;
  info.bearer = req.bearer;
  info.sending_complete = !req.overlap && req.sending_complete;
  info.emergency = req.emergency;
  info.started = loop_.clock().now();
  span_.assign(channel, id);
  OUTPOST_LOG(Info, kLog) << name_ << ": call " << id << " to "
                          << (called.empty() ? "(overlap)" : called) << " on channel " << channel
                          << (attempts ? " (attempt " + std::to_string(attempts + 1) + ")" : "");
  armTimer();
  return {};
}

core::Status PriTrunk::sendDigits(CallId id, std::string_view digits) {
  auto r = live(id, "send digits");
  if (!r) return r.status();
  Record& rec = **r;
  if (rec.info.direction != Direction::kOutgoing || !rec.request.overlap) {
    return core::invalidArgument("call " + std::to_string(id) +
                                 " was not placed with overlap sending");
  }
  if (!validDigits(digits)) return core::invalidArgument("digits must be 0-9, * or #");
  if (rec.info.state != CallState::kSetup && rec.info.state != CallState::kOverlap) {
    return core::invalidArgument("call " + std::to_string(id) + " is past overlap sending (" +
                                 callStateName(rec.info.state) + ")");
  }
  rec.info.called.digits += digits;
  if (!rec.setup_acked) {
    rec.queued_digits += digits;
    return {};
  }
  for (char d : digits)
    pri_information(pri_, rec.pcall, d);
  armTimer();
  return {};
}

core::Status PriTrunk::waitForDigits(CallId id) {
  auto r = live(id, "wait for digits");
  if (!r) return r.status();
  Record& rec = **r;
  if (rec.info.direction != Direction::kIncoming || rec.info.state != CallState::kOverlap) {
    return core::invalidArgument("call " + std::to_string(id) + " is not collecting digits");
  }
  startDigitTimer(rec);
  return {};
}

core::Status PriTrunk::proceed(CallId id, bool inband) {
  auto r = liveIncoming(id, "proceed");
  if (!r) return r.status();
  Record& rec = **r;
  rec.digit_timer.cancel();
  rec.info.sending_complete = true;
  if (!rec.proceeding_sent) {
    pri_proceeding(pri_, rec.pcall, rec.info.channel, inband ? 1 : 0);
    rec.proceeding_sent = true;
  } else if (inband) {
    pri_progress(pri_, rec.pcall, rec.info.channel, 1);
  }
  if (rec.info.state == CallState::kSetup || rec.info.state == CallState::kOverlap) {
    rec.info.state = CallState::kProceeding;
  }
  armTimer();
  return {};
}

core::Status PriTrunk::alert(CallId id, bool inband) {
  auto r = liveIncoming(id, "alert");
  if (!r) return r.status();
  Record& rec = **r;
  if (rec.info.state == CallState::kConnected) {
    return core::invalidArgument("call " + std::to_string(id) + " is already answered");
  }
  rec.digit_timer.cancel();
  pri_acknowledge(pri_, rec.pcall, rec.info.channel, inband ? 1 : 0);
  rec.proceeding_sent = true;
  rec.info.state = CallState::kAlerting;
  armTimer();
  return {};
}

core::Status PriTrunk::progress(CallId id, bool inband) {
  auto r = liveIncoming(id, "send progress");
  if (!r) return r.status();
  Record& rec = **r;
  rec.digit_timer.cancel();
  if (!rec.proceeding_sent) {
    pri_proceeding(pri_, rec.pcall, rec.info.channel, 0);
    rec.proceeding_sent = true;
    if (rec.info.state == CallState::kSetup || rec.info.state == CallState::kOverlap) {
      rec.info.state = CallState::kProceeding;
    }
  }
  pri_progress(pri_, rec.pcall, rec.info.channel, inband ? 1 : 0);
  armTimer();
  return {};
}

core::Status PriTrunk::answer(CallId id) {
  auto r = liveIncoming(id, "answer");
  if (!r) return r.status();
  Record& rec = **r;
  if (rec.info.state == CallState::kConnected) return {};
  rec.digit_timer.cancel();
  pri_answer(pri_, rec.pcall, rec.info.channel, 0);
  rec.info.state = CallState::kConnected;
  rec.info.answered = loop_.clock().now();
  armTimer();
  return {};
}

core::Status PriTrunk::hangup(CallId id, int cause) {
  Record* r = byId(id);
  if (!r) return core::notFound("no call " + std::to_string(id) + " on " + name_);
  if (cause < 1 || cause > 127) return core::invalidArgument("cause must be 1-127");
  if (!r->pcall || r->hangup_sent || r->info.state == CallState::kReleasing) return {};
  r->digit_timer.cancel();
  r->info.state = CallState::kReleasing;
  r->release = {cause, false, causeText(cause)};
  r->hangup_sent = true;
  pri_hangup(pri_, r->pcall, cause);
  armTimer();
  return {};
}

const CallInfo* PriTrunk::call(CallId id) const {
  const Record* r = byId(id);
  return r ? &r->info : nullptr;
}

std::vector<CallInfo> PriTrunk::calls() const {
  std::vector<CallInfo> out;
  for (const auto& [id, r] : calls_)
    if (!r.glared) out.push_back(r.info);
  return out;
}

std::optional<CallId> PriTrunk::preemptionCandidate() const {
  // The newest normal call: it has had the least of its conversation.
  std::optional<CallId> pick;
  core::TimePoint newest{};
  for (const auto& [id, r] : calls_) {
    if (r.info.emergency || r.hangup_sent || r.glared || !r.info.channel) continue;
    if (!pick || r.info.started > newest) {
      pick = id;
      newest = r.info.started;
    }
  }
  return pick;
}

// ---- maintenance ----------------------------------------------------------

core::Status PriTrunk::restartChannel(int ts) {
  if (!span_.isBearer(ts)) {
    return core::invalidArgument(name_ + ": " + std::to_string(ts) + " is not a bearer channel");
  }
  if (!pri_ || !span_.dchannelUp()) return core::unavailable(name_ + ": the D-channel is down");
  if (CallId id = span_.callOn(ts)) {
    if (Record* r = byId(id)) {
      reportRelease(*r, {cause::kTemporaryFailure, false, "channel restarted"});
      if (r->pcall) {
        by_pri_.erase(r->pcall);
        pri_destroycall(pri_, r->pcall);
        r->pcall = nullptr;
      }
      finish(id);
    }
  }
  ++counters_.restarts_sent;
  span_.setRestarting(ts, true);
  if (ts != restart_pending_ &&
      std::find(restart_queue_.begin(), restart_queue_.end(), ts) == restart_queue_.end()) {
    restart_queue_.push_back(ts);
  }
  pumpRestarts();
  armTimer();
  return {};
}

core::Status PriTrunk::setInService(int ts, bool inService) {
  if (!span_.isBearer(ts)) {
    return core::invalidArgument(name_ + ": " + std::to_string(ts) + " is not a bearer channel");
  }
  span_.setInService(ts, inService);
  if (pri_ && hasServiceMessages(config_.switch_type) && span_.dchannelUp()) {
    pri_maintenance_service(pri_, 0, ts, inService ? 0 : 2);
    armTimer();
  }
  OUTPOST_LOG(Notice, kLog) << name_ << ": channel " << ts
                            << (inService ? " back in service" : " taken out of service");
  if (inService) owner_.channelFreed(span_.number());
  return {};
}

core::Status PriTrunk::startCapture(const std::string& path) {
  auto c = DchannelCapture::open(path, config_.side == Side::kNetwork);
  if (!c) return c.status();
  capture_ = std::move(*c);
  OUTPOST_LOG(Info, kLog) << name_ << ": capturing the D-channel to " << path;
  return {};
}

void PriTrunk::stopCapture() {
  capture_.reset();
}

void PriTrunk::notify(SpanEvent::Kind kind, int channel, bool inService,
                      const std::string& detail) {
  SpanEvent ev;
  ev.kind = kind;
  ev.span = span_.number();
  ev.channel = channel;
  ev.in_service = inService;
  ev.alarms = span_.alarms();
  ev.detail = detail;
  owner_.spanEvent(ev);
}

nlohmann::json PriTrunk::statusJson() const {
  nlohmann::json j = span_.summaryJson();
  LineStatus ls = backend_->lineStatus();
  j["backend"] = backend_->kind();
  j["describe"] = backend_->describe();
  j["line"] = lineTypeName(span_.layout().line);
  j["line_detail"] = ls.detail;
  j["switchtype"] = switchTypeName(config_.switch_type);
  j["side"] = sideName(config_.side);
  j["calls"] = calls().size();
  j["capture"] = capture_ ? nlohmann::json(capture_->path()) : nlohmann::json();
  j["counters"] = {{"calls_in", counters_.calls_in},
                   {"calls_out", counters_.calls_out},
                   {"glares", counters_.glares},
                   {"restarts_sent", counters_.restarts_sent},
                   {"restarts_received", counters_.restarts_received},
                   {"dchannel_downs", counters_.dchannel_downs},
                   {"rejected_in", counters_.rejected_in}};
  j["io"] = backend_->stats();
  return j;
}

}  // namespace outpost::tdm
