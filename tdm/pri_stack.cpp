#include "tdm/pri_stack.hpp"

#include <algorithm>

#include "core/log.hpp"
#include "core/strings.hpp"
#include "tdm/emulated_span.hpp"

namespace outpost::tdm {

namespace {
constexpr const char* kLog = "pri";
constexpr auto kPreemptWait = std::chrono::seconds(2);

bool validDigits(std::string_view d) {
  return std::all_of(d.begin(), d.end(),
                     [](char c) { return (c >= '0' && c <= '9') || c == '*' || c == '#'; });
}
}  // namespace

PriStack::PriStack(core::EventLoop& loop) : loop_(loop) {}

PriStack::~PriStack() {
  *alive_ = false;
  listener_ = nullptr;
  waiting_.clear();
  trunks_.clear();
}

core::Status PriStack::addSpan(TrunkConfig config, std::unique_ptr<SpanBackend> backend) {
  int n = config.span;
  if (n < 1) return core::invalidArgument("span numbers start at 1");
  if (trunks_.count(n)) {
    return core::Error{core::ErrorCode::kAlreadyExists, "span " + std::to_string(n) + " exists"};
  }
  PriTrunk::Owner& owner = *this;
  auto t = std::make_unique<PriTrunk>(loop_, std::move(config), std::move(backend), owner);
  PriTrunk* raw = t.get();
  trunks_[n] = std::move(t);
  if (auto s = raw->start(); !s) {
    trunks_.erase(n);
    return s;
  }
  return {};
}

core::Status PriStack::addGroup(TrunkGroupConfig config) {
  if (config.name.empty()) return core::invalidArgument("a trunk group needs a name");
  if (groups_.count(config.name)) {
    return core::Error{core::ErrorCode::kAlreadyExists, "trunk group '" + config.name + "' exists"};
  }
  if (config.spans.empty()) {
    return core::invalidArgument("trunk group '" + config.name + "' has no spans");
  }
  for (int s : config.spans) {
    if (!trunks_.count(s)) {
      return core::invalidArgument("trunk group '" + config.name + "' names span " +
                                   std::to_string(s) + ", which is not configured");
    }
  }
  std::string name = config.name;
  groups_.emplace(name, TrunkGroup(std::move(config)));
  return {};
}

// ---- placing calls --------------------------------------------------------

core::Status PriStack::validate(const OutgoingCall& req) const {
  if (req.called.digits.empty() && !req.overlap) {
    return core::invalidArgument("no called number");
  }
  if (!validDigits(req.called.digits)) {
    return core::invalidArgument("called number '" + req.called.digits +
                                 "' has characters other than 0-9, * and #");
  }
  if (!validDigits(req.calling.digits)) {
    return core::invalidArgument("calling number '" + req.calling.digits +
                                 "' has characters other than 0-9, * and #");
  }
  if (req.called.digits.size() > 32 || req.calling.digits.size() > 32) {
    return core::invalidArgument("numbers are at most 32 digits");
  }
  if (req.calling_name.size() > 50) {
    return core::invalidArgument("calling names are at most 50 characters");
  }
  return {};
}

std::vector<const Span*> PriStack::spansOf(const TrunkGroup& g) const {
  std::vector<const Span*> out;
  for (int n : g.config().spans) {
    auto it = trunks_.find(n);
    out.push_back(it == trunks_.end() ? nullptr : &it->second->span());
  }
  return out;
}

core::Status PriStack::setupOnGroup(CallId id, TrunkGroup& g, const OutgoingCall& req,
                                    std::set<ChannelRef> avoid, int attempts) {
  for (int tries = 0; tries < 8; ++tries) {
    auto ref = g.hunt(spansOf(g), avoid);
    if (!ref) break;
    PriTrunk& t = *trunks_.at(ref->span);
    if (auto s = t.setup(id, req, ref->channel, g.name(), attempts); s) {
      g.noteUsed(*ref);
      index_[id] = &t;
      return {};
    } else if (s.code() != core::ErrorCode::kUnavailable) {
      return s;
    }
    avoid.insert(*ref);
  }
  bool anyUsable = false;
  for (const Span* s : spansOf(g))
    if (s && s->usable()) anyUsable = true;
  return core::unavailable(anyUsable ? "no idle B-channel in trunk group '" + g.name() + "'"
                                     : "no span of trunk group '" + g.name() +
                                           "' is usable (alarm or D-channel down)");
}

core::Result<CallId> PriStack::placeCall(const std::string& group, const OutgoingCall& req) {
  if (auto s = validate(req); !s) return s.error();
  auto it = groups_.find(group);
  if (it == groups_.end()) {
    std::string msg = "no trunk group '" + group + "'";
    if (auto sg = core::suggest(group, groupNames())) msg += " (did you mean '" + *sg + "'?)";
    return core::notFound(msg);
  }
  if (req.channel) return core::invalidArgument("a trunk group hunts its own channel");
  CallId id = next_id_++;
  auto s = setupOnGroup(id, it->second, req, {}, 0);
  if (s) return id;
  if (s.code() == core::ErrorCode::kUnavailable && req.emergency) {
    if (auto p = preempt(id, it->second, req); p) return id;
  }
  return s.error();
}

core::Result<CallId> PriStack::placeCallOnSpan(int span, const OutgoingCall& req) {
  if (auto s = validate(req); !s) return s.error();
  auto it = trunks_.find(span);
  if (it == trunks_.end()) return core::notFound("no span " + std::to_string(span));
  PriTrunk& t = *it->second;
  int ch = req.channel;
  if (!ch) {
    for (int ts : t.span().bchannels())
      if (t.span().isIdle(ts)) {
        ch = ts;
        break;
      }
  }
  if (!ch) {
    return core::unavailable(t.span().usable() ? "no idle B-channel on " + t.name()
                                               : t.name() + " is not usable");
  }
  CallId id = next_id_++;
  if (auto s = t.setup(id, req, ch, "", 0); !s) return s.error();
  index_[id] = &t;
  return id;
}

core::Status PriStack::preempt(CallId id, TrunkGroup& g, const OutgoingCall& req) {
  // The newest normal call on a usable span of the group gives way.
  std::optional<CallId> victim;
  PriTrunk* where = nullptr;
  for (int n : g.config().spans) {
    PriTrunk& t = *trunks_.at(n);
    if (!t.span().usable()) continue;
    auto c = t.preemptionCandidate();
    if (!c) continue;
    const CallInfo* ci = t.call(*c);
    const CallInfo* best = victim ? where->call(*victim) : nullptr;
    if (!best || (ci && ci->started > best->started)) {
      victim = c;
      where = &t;
    }
  }
  if (!victim) return core::unavailable("no call in trunk group '" + g.name() + "' to pre-empt");
  OUTPOST_LOG(Warning, kLog) << "emergency call " << id << ": every channel of '" << g.name()
                             << "' is busy; pre-empting call " << *victim;
  Waiting w;
  w.info.id = id;
  w.info.direction = Direction::kOutgoing;
  w.info.called = req.called;
  w.info.calling = req.calling;
  w.info.calling_name = req.calling_name;
  w.info.emergency = true;
  w.info.started = loop_.clock().now();
  w.req = req;
  w.group = g.name();
  w.victim = *victim;
  std::weak_ptr<bool> alive = alive_;
  w.deadline = loop_.after(kPreemptWait, [this, id, alive] {
    if (alive.expired()) return;
    auto it = waiting_.find(id);
    if (it == waiting_.end()) return;
    // The victim's channel did not come free in time: try another victim.
    auto gi = groups_.find(it->second.group);
    Waiting gone = std::move(it->second);
    waiting_.erase(it);
    if (gi != groups_.end()) {
      if (auto s = setupOnGroup(id, gi->second, gone.req, {}, 0); s) return;
      if (auto p = preempt(id, gi->second, gone.req); p) return;
    }
    if (listener_) {
      listener_->onReleased(gone.info, {cause::kNoCircuitAvailable, false,
                                        "no channel came free for the emergency call"});
    }
  });
  waiting_.emplace(id, std::move(w));
  if (auto s = where->hangup(*victim, cause::kPreemption); !s) {
    waiting_.erase(id);
    return s;
  }
  return {};
}

void PriStack::serveWaiting() {
  serve_posted_ = false;
  std::vector<CallId> ids;
  for (auto& [id, w] : waiting_)
    ids.push_back(id);
  for (CallId id : ids) {
    auto it = waiting_.find(id);
    if (it == waiting_.end()) continue;
    auto gi = groups_.find(it->second.group);
    if (gi == groups_.end()) continue;
    OutgoingCall req = it->second.req;
    if (setupOnGroup(id, gi->second, req, {}, 0)) waiting_.erase(id);
  }
}

// ---- operations on calls --------------------------------------------------

core::Result<PriTrunk*> PriStack::owning(CallId id) const {
  auto it = index_.find(id);
  if (it == index_.end()) return core::notFound("no call " + std::to_string(id));
  return it->second;
}

core::Status PriStack::sendDigits(CallId id, std::string_view digits) {
  auto t = owning(id);
  return t ? (*t)->sendDigits(id, digits) : t.status();
}
core::Status PriStack::waitForDigits(CallId id) {
  auto t = owning(id);
  return t ? (*t)->waitForDigits(id) : t.status();
}
core::Status PriStack::proceed(CallId id, bool inband) {
  auto t = owning(id);
  return t ? (*t)->proceed(id, inband) : t.status();
}
core::Status PriStack::alert(CallId id, bool inband) {
  auto t = owning(id);
  return t ? (*t)->alert(id, inband) : t.status();
}
core::Status PriStack::progress(CallId id, bool inband) {
  auto t = owning(id);
  return t ? (*t)->progress(id, inband) : t.status();
}
core::Status PriStack::answer(CallId id) {
  auto t = owning(id);
  return t ? (*t)->answer(id) : t.status();
}

core::Status PriStack::hangup(CallId id, int cause) {
  if (auto w = waiting_.find(id); w != waiting_.end()) {
    CallInfo info = w->second.info;
    waiting_.erase(w);
    if (listener_) listener_->onReleased(info, {cause, false, causeText(cause)});
    return {};
  }
  auto t = owning(id);
  return t ? (*t)->hangup(id, cause) : t.status();
}

std::optional<CallInfo> PriStack::call(CallId id) const {
  if (auto w = waiting_.find(id); w != waiting_.end()) return w->second.info;
  auto t = owning(id);
  if (!t) return std::nullopt;
  const CallInfo* c = (*t)->call(id);
  return c ? std::optional<CallInfo>(*c) : std::nullopt;
}

std::vector<CallInfo> PriStack::calls() const {
  std::vector<CallInfo> out;
  for (const auto& [n, t] : trunks_)
    for (auto& c : t->calls())
      out.push_back(c);
  for (const auto& [id, w] : waiting_)
    out.push_back(w.info);
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.id < b.id; });
  return out;
}

// ---- PriTrunk::Owner ------------------------------------------------------

CallId PriStack::callStarted(PriTrunk& trunk) {
  CallId id = next_id_++;
  index_[id] = &trunk;
  return id;
}

void PriStack::callEnded(CallId id) {
  index_.erase(id);
}

bool PriStack::retry(CallId id, const OutgoingCall& req, const std::string& group,
                     ChannelRef failed, int attempts) {
  index_.erase(id);
  if (!group.empty()) {
    auto it = groups_.find(group);
    if (it == groups_.end()) return false;
    return setupOnGroup(id, it->second, req, {failed}, attempts).isOk();
  }
  auto it = trunks_.find(failed.span);
  if (it == trunks_.end()) return false;
  PriTrunk& t = *it->second;
  for (int ts : t.span().bchannels()) {
    if (ts == failed.channel || !t.span().isIdle(ts)) continue;
    OutgoingCall again = req;
    again.channel = ts;
    if (t.setup(id, again, ts, "", attempts)) {
      index_[id] = &t;
      return true;
    }
  }
  return false;
}

void PriStack::channelFreed(int) {
  if (waiting_.empty() || serve_posted_) return;
  serve_posted_ = true;
  std::weak_ptr<bool> alive = alive_;
  loop_.post([this, alive] {
    if (!alive.expired()) serveWaiting();
  });
}

void PriStack::spanEvent(const SpanEvent& ev) {
  if (listener_) listener_->onSpanEvent(ev);
}

// ---- spans ----------------------------------------------------------------

std::vector<int> PriStack::spanNumbers() const {
  std::vector<int> out;
  for (const auto& [n, t] : trunks_)
    out.push_back(n);
  return out;
}

const Span* PriStack::span(int number) const {
  auto it = trunks_.find(number);
  return it == trunks_.end() ? nullptr : &it->second->span();
}

PriTrunk* PriStack::trunk(int number) {
  auto it = trunks_.find(number);
  return it == trunks_.end() ? nullptr : it->second.get();
}

const TrunkGroup* PriStack::group(const std::string& name) const {
  auto it = groups_.find(name);
  return it == groups_.end() ? nullptr : &it->second;
}

std::vector<std::string> PriStack::groupNames() const {
  std::vector<std::string> out;
  for (const auto& [n, g] : groups_)
    out.push_back(n);
  return out;
}

core::Result<std::unique_ptr<BearerPort>> PriStack::openBearer(int span) {
  PriTrunk* t = trunk(span);
  if (!t) return core::notFound("no span " + std::to_string(span));
  return t->backend().openBearer();
}

EmulatedSpan* PriStack::emulated(int span) {
  PriTrunk* t = trunk(span);
  return t ? dynamic_cast<EmulatedSpan*>(&t->backend()) : nullptr;
}

core::Status PriStack::restartChannel(int span, int channel) {
  PriTrunk* t = trunk(span);
  return t ? t->restartChannel(channel) : core::notFound("no span " + std::to_string(span));
}

core::Status PriStack::setChannelService(int span, int channel, bool inService) {
  PriTrunk* t = trunk(span);
  return t ? t->setInService(channel, inService)
           : core::notFound("no span " + std::to_string(span));
}

core::Status PriStack::startCapture(int span, const std::string& path) {
  PriTrunk* t = trunk(span);
  return t ? t->startCapture(path) : core::notFound("no span " + std::to_string(span));
}

core::Status PriStack::stopCapture(int span) {
  PriTrunk* t = trunk(span);
  if (!t) return core::notFound("no span " + std::to_string(span));
  t->stopCapture();
  return {};
}

nlohmann::json PriStack::spansJson() const {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& [n, t] : trunks_)
    out.push_back(t->statusJson());
  return {{"spans", out}};
}

nlohmann::json PriStack::channelsJson(int span) const {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& [n, t] : trunks_) {
    if (span && n != span) continue;
    for (auto& c : t->span().channelsJson())
      out.push_back(c);
  }
  return {{"channels", out}};
}

nlohmann::json PriStack::callsJson() const {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& c : calls())
    out.push_back(c.toJson());
  return {{"calls", out}};
}

}  // namespace outpost::tdm
