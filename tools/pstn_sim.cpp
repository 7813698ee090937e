#include "tools/pstn_sim.hpp"

#include <algorithm>
#include <filesystem>
#include <random>

#include "core/log.hpp"
#include "core/strings.hpp"

namespace outpost::tools {

namespace {

constexpr const char* kLog = "pstn-sim";
constexpr auto kOverlapDigitGap = std::chrono::milliseconds(100);

media::Law mediaLaw(tdm::Law l) {
  return l == tdm::Law::kMulaw ? media::Law::kMuLaw : media::Law::kALaw;
}

core::ControlReply fail(const std::string& msg) {
  return core::ControlReply::failure(msg);
}
core::ControlReply fail(const core::Status& s) {
  return core::ControlReply::failure(s.message());
}

bool dialable(std::string_view d) {
  return std::all_of(d.begin(), d.end(),
                     [](char c) { return (c >= '0' && c <= '9') || c == '*' || c == '#'; });
}

// One "--NAME VALUE" option of `call` through a parser, or an error listing
// what it takes.
template <typename T>
core::Status parsedOption(const core::ControlRequest& r, const std::string& name,
                          std::optional<T> (*parse)(std::string_view),
                          const std::vector<std::string>& names, T& out) {
  auto v = r.option(name);
  if (!v) return {};
  auto parsed = parse(*v);
  if (!parsed)
    return core::invalidArgument("--" + name + " " + *v + ": expected " + core::join(names, ", "));
  out = *parsed;
  return {};
}

// "--ton national" style options of `call` into a PartyNumber.
core::Status partyOptions(const core::ControlRequest& r, const std::string& prefix,
                          tdm::PartyNumber& n) {
  if (auto s =
          parsedOption(r, prefix + "ton", &tdm::parseTypeOfNumber, tdm::typeOfNumberNames(), n.ton);
      !s) {
    return s;
  }
  return parsedOption(r, prefix + "plan", &tdm::parseNumberingPlan, tdm::numberingPlanNames(),
                      n.plan);
}

}  // namespace

PstnSim::PstnSim(core::EventLoop& loop, PstnSimOptions options, Emit emit)
    : loop_(loop),
      options_(std::move(options)),
      emit_(std::move(emit)),
      rules_(RuleSet::defaults()),
      stack_(loop),
      control_(loop) {
  stack_.setListener(this);
  addCommands();
}

PstnSim::~PstnSim() {
  stack_.setListener(nullptr);
  port_watches_.clear();
  ports_.clear();
  for (auto& [id, c] : calls_)
    if (c.audio) c.audio->finish();
}

core::Status PstnSim::start() {
  if (options_.sockets.empty())
    return core::invalidArgument("pstn-sim needs at least one --socket");
  if (!options_.rules_path.empty()) {
    auto r = RuleSet::load(options_.rules_path);
    if (!r) return r.status();
    rules_ = std::move(*r);
  }
  int span = 0;
  for (const auto& path : options_.sockets) {
    ++span;
    tdm::EmulatedOptions e;
    e.socket_path = path;
    e.mode = options_.mode;
    tdm::Law law = options_.law.value_or(tdm::defaultLaw(options_.line));
    auto backend = std::make_unique<tdm::EmulatedSpan>(options_.name + "-" + std::to_string(span),
                                                       tdm::SpanLayout::standard(options_.line),
                                                       law, options_.side, e);
    tdm::TrunkConfig t;
    t.span = span;
    t.name = "span " + std::to_string(span);
    t.switch_type = options_.switch_type;
    t.side = options_.side;
    t.timers = options_.timers;
    t.overlap_receive = options_.overlap;
    t.overlap_timeout = options_.overlap_timeout;
    if (!options_.capture_path.empty()) {
      t.capture =
          span == 1 ? options_.capture_path : options_.capture_path + "-" + std::to_string(span);
    }
    if (auto s = stack_.addSpan(t, std::move(backend)); !s) return s;
    auto port = stack_.openBearer(span);
    if (!port) return port.status();
    tdm::BearerPort* raw = port->get();
    raw->setHandler([this, span](tdm::BearerFrame& f) { onTick(span, f); });
    port_watches_[span] =
        loop_.watchFd(raw->fd(), core::kReadable, [raw](unsigned) { raw->service(); });
    ports_[span] = std::move(*port);
  }
  if (!options_.control_path.empty()) {
    if (auto s = control_.listen(options_.control_path); !s) return s;
  }
  nlohmann::json spans = nlohmann::json::array();
  for (int n : stack_.spanNumbers())
    spans.push_back(n);
  event("ready", {{"spans", spans},
                  {"side", tdm::sideName(options_.side)},
                  {"switchtype", tdm::switchTypeName(options_.switch_type)},
                  {"line", tdm::lineTypeName(options_.line)},
                  {"rules", rules_.source()},
                  {"control", options_.control_path}});
  return {};
}

void PstnSim::event(const std::string& name, nlohmann::json fields) {
  nlohmann::json j = {{"event", name}, {"at", core::formatUtc(loop_.clock().wallNow())}};
  for (auto& [k, v] : fields.items())
    j[k] = v;
  if (emit_) emit_(j);
}

nlohmann::json PstnSim::callJson(const tdm::CallInfo& c) const {
  nlohmann::json j = {{"call", c.id}, {"span", c.span}, {"channel", c.channel}};
  return j;
}

PstnSim::SimCall* PstnSim::find(tdm::CallId id) {
  auto it = calls_.find(id);
  return it == calls_.end() ? nullptr : &it->second;
}

std::string PstnSim::recordPath(const SimCall& c) const {
  for (const auto& a : c.media)
    if (a.kind == MediaAction::Kind::kRecord && !a.arg.empty()) {
      return a.arg[0] == '/' ? a.arg
                             : (std::filesystem::path(options_.record_dir) / a.arg).string();
    }
  std::string who =
      c.info.direction == tdm::Direction::kIncoming ? c.info.called.digits : c.info.calling.digits;
  return (std::filesystem::path(options_.record_dir) /
          ("call-" + std::to_string(c.info.id) + "-" + (who.empty() ? "unknown" : who) + ".wav"))
      .string();
}

// ---- the network's side of calls -----------------------------------------

PstnSim::SimCall& PstnSim::addCall(const tdm::CallInfo& info) {
  SimCall& c = calls_[info.id];
  c.info = info;
  auto& list = on_span_[info.span];
  if (std::find(list.begin(), list.end(), &c) == list.end()) list.push_back(&c);
  return c;
}

void PstnSim::eraseCall(tdm::CallId id) {
  SimCall* c = find(id);
  if (!c) return;
  auto& list = on_span_[c->info.span];
  list.erase(std::remove(list.begin(), list.end(), c), list.end());
  calls_.erase(id);
}

// The network may choose another channel than the one asked for: the first
// answer that names one fixes it for the call's audio.
void PstnSim::noteChannel(const tdm::CallInfo& info) {
  if (SimCall* c = find(info.id); c && info.channel > 0) c->info.channel = info.channel;
}

void PstnSim::onIncomingCall(const tdm::CallInfo& info) {
  SimCall& c = addCall(info);
  const tdm::Span* sp = stack_.span(info.span);
  tdm::Law law = sp ? sp->law() : tdm::Law::kMulaw;
  tdm::CallId id = info.id;
  c.audio = std::make_unique<CallMedia>(mediaLaw(law), [this, id](char d) {
    event("dtmf", {{"call", id}, {"digit", std::string(1, d)}});
  });
  nlohmann::json j = callJson(info);
  j["direction"] = "in";
  j["called"] = info.called.digits;
  j["called_ton"] = tdm::typeOfNumberName(info.called.ton);
  j["called_plan"] = tdm::numberingPlanName(info.called.plan);
  j["calling"] = info.calling.digits;
  j["calling_ton"] = tdm::typeOfNumberName(info.calling.ton);
  j["calling_plan"] = tdm::numberingPlanName(info.calling.plan);
  j["presentation"] = tdm::presentationName(info.calling.presentation);
  j["screening"] = tdm::screeningName(info.calling.screening);
  if (!info.calling_name.empty()) j["name"] = info.calling_name;
  j["complete"] = info.sending_complete;
  j["bearer"] = tdm::bearerName(info.bearer);
  event("setup", j);
  if (info.sending_complete) {
    numberComplete(id);
    return;
  }
  switch (rules_.completeness(info.called.digits)) {
    case RuleSet::Completeness::kComplete:
      (void)stack_.proceed(id);
      numberComplete(id);
      break;
    case RuleSet::Completeness::kNoMatch:
      if (!info.called.digits.empty()) (void)stack_.hangup(id, tdm::cause::kUnallocated);
      break;
    case RuleSet::Completeness::kIncomplete:
      break;  // SETUP ACKNOWLEDGE went out; digits will follow
  }
}

void PstnSim::onDigits(const tdm::CallInfo& info, const tdm::DigitsEvent& ev) {
  if (SimCall* c = find(info.id)) c->info = info;
  event("digits", {{"call", info.id},
                   {"digits", ev.digits},
                   {"number", ev.number},
                   {"timed_out", ev.timed_out}});
  if (ev.timed_out) {
    if (rules_.match(ev.number)) {
      (void)stack_.proceed(info.id);
      numberComplete(info.id);
    }
    return;  // otherwise the stack clears it with cause 28
  }
  switch (rules_.completeness(ev.number)) {
    case RuleSet::Completeness::kComplete:
      (void)stack_.proceed(info.id);
      numberComplete(info.id);
      break;
    case RuleSet::Completeness::kNoMatch:
      (void)stack_.hangup(info.id, tdm::cause::kUnallocated);
      break;
    case RuleSet::Completeness::kIncomplete:
      if (ev.complete) {
        (void)stack_.proceed(info.id);
        numberComplete(info.id);
      }
      break;
  }
}

void PstnSim::numberComplete(tdm::CallId id) {
  SimCall* c = find(id);
  if (!c) return;
  const Rule* rule = rules_.match(c->info.called.digits);
  if (!rule) {
    event("rule", {{"call", id}, {"rule", nullptr}, {"action", "reject"}, {"cause", 1}});
    (void)stack_.hangup(id, tdm::cause::kUnallocated);
    return;
  }
  c->rule = *rule;
  c->media = rule->media;
  event("rule", {{"call", id},
                 {"rule", rules_.source() + ":" + std::to_string(rule->line) + ": " + rule->text},
                 {"action", ruleActionName(rule->action)}});
  if (rule->action == Rule::Action::kPsap) {
    PsapRecord rec;
    rec.index = static_cast<int>(psap_.size()) + 1;
    rec.call = id;
    rec.at = core::formatUtc(loop_.clock().wallNow());
    rec.span = c->info.span;
    rec.called = c->info.called.digits;
    rec.calling = c->info.calling;
    rec.calling_name = c->info.calling_name;
    rec.callback_from = rule->callback_from.empty() ? c->info.called.digits : rule->callback_from;
    psap_.push_back(rec);
    nlohmann::json j = {{"record", rec.index},
                        {"call", id},
                        {"called", rec.called},
                        {"calling", rec.calling.digits},
                        {"calling_ton", tdm::typeOfNumberName(rec.calling.ton)},
                        {"calling_plan", tdm::numberingPlanName(rec.calling.plan)},
                        {"presentation", tdm::presentationName(rec.calling.presentation)},
                        {"screening", tdm::screeningName(rec.calling.screening)}};
    if (!rec.calling_name.empty()) j["name"] = rec.calling_name;
    event("psap", j);
  }
  // In-band progress first, then alerting, then the action after its delay.
  if (rule->progress) {
    (void)stack_.progress(id, true);
    c->audio->playEarly(toneFromText(*rule->progress));
  }
  if (rule->action != Rule::Action::kReject && rule->alert) {
    (void)stack_.alert(id, rule->inband);
    if (rule->inband && !rule->progress) c->audio->playEarly(media::tones::ringback());
  }
  if (rule->action == Rule::Action::kRing) return;
  if (rule->after > core::Duration(0)) {
    c->action = loop_.after(rule->after, [this, id] { apply(id); });
  } else {
    apply(id);
  }
}

void PstnSim::apply(tdm::CallId id) {
  SimCall* c = find(id);
  if (!c || !c->rule) return;
  if (c->rule->action == Rule::Action::kReject) {
    (void)stack_.hangup(id, c->rule->cause);
    return;
  }
  answerNow(id);
}

void PstnSim::answerNow(tdm::CallId id) {
  SimCall* c = find(id);
  if (!c) return;
  if (auto s = stack_.answer(id); !s) {
    OUTPOST_LOG(Warning, kLog) << "answer call " << id << ": " << s.message();
    return;
  }
  c->answered = true;
  startMedia(*c);
  event("connect", {{"call", id}, {"media", c->audio->describe()}});
  if (c->rule && c->rule->hangup_after > core::Duration(0)) {
    c->hangup = loop_.after(c->rule->hangup_after,
                            [this, id] { (void)stack_.hangup(id, tdm::cause::kNormalClearing); });
  }
}

void PstnSim::startMedia(SimCall& c) {
  if (auto s = c.audio->start(c.media, recordPath(c)); !s) {
    event("error", {{"call", c.info.id}, {"message", s.message()}});
  }
  if (c.audio->recording()) {
    event("recording", {{"call", c.info.id}, {"file", c.audio->recordPath()}});
  }
}

// ---- our own calls ---------------------------------------------------------

void PstnSim::onSetupAcknowledged(const tdm::CallInfo& info) {
  event("setup_ack", {{"call", info.id}});
  sendNextOverlapDigit(info.id);
}

void PstnSim::sendNextOverlapDigit(tdm::CallId id) {
  SimCall* c = find(id);
  if (!c || c->overlap_rest.empty()) return;
  std::string d(1, c->overlap_rest.front());
  c->overlap_rest.erase(0, 1);
  if (auto s = stack_.sendDigits(id, d); !s) return;
  if (!c->overlap_rest.empty()) {
    c->overlap_timer = loop_.after(kOverlapDigitGap, [this, id] { sendNextOverlapDigit(id); });
  }
}

void PstnSim::onProceeding(const tdm::CallInfo& info) {
  if (SimCall* c = find(info.id)) c->overlap_rest.clear();
  noteChannel(info);
  event("proceeding", {{"call", info.id}, {"channel", info.channel}});
}

void PstnSim::onAlerting(const tdm::CallInfo& info, bool inband) {
  noteChannel(info);
  event("alerting", {{"call", info.id}, {"inband", inband}});
}

void PstnSim::onProgress(const tdm::CallInfo& info, bool inband) {
  noteChannel(info);
  event("progress", {{"call", info.id}, {"inband", inband}});
}

void PstnSim::onConnected(const tdm::CallInfo& info) {
  SimCall* c = find(info.id);
  if (!c) return;
  c->info = info;
  c->answered = true;
  startMedia(*c);
  event("connect", {{"call", info.id}, {"channel", info.channel}, {"media", c->audio->describe()}});
}

void PstnSim::onKeypad(const tdm::CallInfo& info, const std::string& digits) {
  event("keypad", {{"call", info.id}, {"digits", digits}});
}

void PstnSim::onReleased(const tdm::CallInfo& info, const tdm::ReleaseInfo& why) {
  nlohmann::json j = {{"call", info.id},
                      {"cause", why.cause},
                      {"cause_text", why.reason},
                      {"by", why.by_far_end ? "far_end" : "us"}};
  std::string recorded;
  double seconds = 0;
  if (SimCall* c = find(info.id); c && c->audio) {
    recorded = c->audio->recordPath();
    seconds = c->audio->finish();
  }
  eraseCall(info.id);
  event("disconnect", j);
  if (!recorded.empty())
    event("recorded", {{"call", info.id}, {"file", recorded}, {"seconds", seconds}});
}

void PstnSim::onSpanEvent(const tdm::SpanEvent& ev) {
  using K = tdm::SpanEvent::Kind;
  switch (ev.kind) {
    case K::kAlarm:
      event("alarm",
            {{"span", ev.span}, {"alarms", tdm::alarmsName(ev.alarms)}, {"detail", ev.detail}});
      break;
    case K::kDchannelUp:
    case K::kDchannelDown:
      event("dchannel", {{"span", ev.span}, {"state", ev.kind == K::kDchannelUp ? "up" : "down"}});
      break;
    case K::kRestart:
      event("restart", {{"span", ev.span}, {"channel", ev.channel}});
      break;
    case K::kService:
      event("service", {{"span", ev.span}, {"channel", ev.channel}, {"in_service", ev.in_service}});
      break;
    case K::kRestarted:
      break;  // our own restarts: routine, not worth a line each
  }
}

void PstnSim::onTick(int span, tdm::BearerFrame& frame) {
  auto it = on_span_.find(span);
  if (it == on_span_.end()) return;
  for (SimCall* c : it->second) {
    if (!c->audio) continue;
    if (c->info.channel <= 0) {
      if (auto live = stack_.call(c->info.id)) c->info.channel = live->channel;
    }
    int ch = c->info.channel;
    if (ch <= 0 || !frame.layout().isBearer(ch)) continue;
    c->audio->onFrame(frame.rx(ch), frame.tx(ch));
  }
}

// ---- commands --------------------------------------------------------------

core::ControlReply PstnSim::command(const std::string& line) {
  return control_.dispatch(line);
}

core::Result<int> PstnSim::spanArg(const core::ControlRequest& r) const {
  auto v = r.option("span");
  if (!v) return 1;
  auto n = core::parseInt(*v);
  if (!n || !stack_.span(static_cast<int>(*n))) {
    return core::invalidArgument("--span " + *v + ": no such span");
  }
  return static_cast<int>(*n);
}

core::Result<tdm::CallId> PstnSim::pickCall(const core::ControlRequest& r, bool incomingOnly) {
  auto pos = r.positional({"span", "cause", "media"});
  if (!pos.empty()) {
    auto n = core::parseInt(pos[0]);
    if (n && find(static_cast<tdm::CallId>(*n))) return static_cast<tdm::CallId>(*n);
    if (n) return core::notFound("no call " + pos[0]);
  }
  std::vector<tdm::CallId> candidates;
  for (auto& [id, c] : calls_) {
    if (incomingOnly && (c.info.direction != tdm::Direction::kIncoming || c.answered)) continue;
    candidates.push_back(id);
  }
  if (candidates.size() == 1) return candidates.front();
  if (candidates.empty()) return core::notFound("no call to act on");
  std::vector<std::string> ids;
  for (auto id : candidates)
    ids.push_back(std::to_string(id));
  return core::invalidArgument("which call? " + core::join(ids, ", "));
}

void PstnSim::addCommands() {
  auto add = [this](const std::string& name, const std::string& usage, const std::string& help,
                    core::ControlReply (PstnSim::*fn)(const core::ControlRequest&)) {
    control_.addCommand(name, usage, help,
                        [this, fn](const core::ControlRequest& r) { return (this->*fn)(r); });
  };
  add("call",
      "call FROM TO [--ton T] [--plan P] [--from-ton T] [--from-plan P] [--pres P] "
      "[--screen S] [--name NAME] [--overlap[=N]] [--span N] [--channel N] "
      "[--bearer B] [--media A,B]",
      "place a call (FROM '-' for no calling number)", &PstnSim::cmdCall);
  add("answer", "answer [CALL]", "answer a ringing incoming call", &PstnSim::cmdAnswer);
  add("alert", "alert [CALL] [--inband]", "send ALERTING", &PstnSim::cmdAlert);
  add("progress", "progress [CALL]", "send PROGRESS with in-band information",
      &PstnSim::cmdProgress);
  add("hangup", "hangup [CALL] [CAUSE]", "clear a call with a Q.850 cause (default 16)",
      &PstnSim::cmdHangup);
  add("dtmf", "dtmf [CALL] DIGITS", "play DTMF in-band on a call", &PstnSim::cmdDtmf);
  add("media", "media [CALL] ACTION[,ACTION]", "change what a call's audio does",
      &PstnSim::cmdMedia);
  add("alarm", "alarm red|yellow|blue|clear [--span N]",
      "break the line: the far end sees red, yellow or blue", &PstnSim::cmdAlarm);
  add("dchannel", "dchannel down|up [--span N]",
      "drop D-channel frames both ways (Q.921 notices by its timers)", &PstnSim::cmdDchannel);
  add("junk", "junk COUNT [--span N] [--seed S]",
      "send COUNT malformed D-channel frames (random bytes, bad Q.931 in UI and I frames)",
      &PstnSim::cmdJunk);
  add("service", "service CHANNELS in|out [--span N]",
      "take channels out of (or back into) service", &PstnSim::cmdService);
  add("restart", "restart CHANNELS [--span N]", "send RESTART for channels", &PstnSim::cmdRestart);
  add("show", "show", "spans, channels in use, calls", &PstnSim::cmdShow);
  add("calls", "calls", "the calls", &PstnSim::cmdShow);
  add("psap", "psap", "the emergency calls the PSAP took", &PstnSim::cmdPsap);
  add("callback", "callback [RECORD] [--from NUMBER] [--span N]",
      "the PSAP calls an emergency caller back", &PstnSim::cmdCallback);
  add("capture", "capture start FILE [--span N] | capture stop [--span N]",
      "D-channel capture to pcap", &PstnSim::cmdCapture);
  add("rules", "rules [reload]", "show (or re-read) the rules file", &PstnSim::cmdRules);
  control_.addCommand("quit", "quit", "stop pstn-sim", [this](const core::ControlRequest&) {
    quit_ = true;
    loop_.stop();
    return core::ControlReply::success();
  });
}

core::ControlReply PstnSim::cmdCall(const core::ControlRequest& r) {
  static const std::vector<std::string> valued = {"ton",     "plan",   "from-ton", "from-plan",
                                                  "pres",    "screen", "name",     "span",
                                                  "channel", "bearer", "media",    "name-pres"};
  auto pos = r.positional(valued);
  if (pos.size() != 2) return fail("usage: call FROM TO [options]; 'help' lists them");
  tdm::OutgoingCall req;
  std::string from = pos[0] == "-" ? "" : pos[0];
  if (!dialable(from) || !dialable(pos[1]) || pos[1].empty()) {
    return fail("numbers are digits, * and # only");
  }
  req.called.digits = pos[1];
  req.calling.digits = from;
  if (auto s = partyOptions(r, "", req.called); !s) return fail(s);
  if (auto s = partyOptions(r, "from-", req.calling); !s) return fail(s);
  const std::vector<std::string> screenings = {"user_not_screened", "user_passed", "user_failed",
                                               "network_provided"};
  for (auto st :
       {parsedOption(r, "pres", &tdm::parsePresentation, tdm::presentationNames(),
                     req.calling.presentation),
        parsedOption(r, "screen", &tdm::parseScreening, screenings, req.calling.screening),
        parsedOption(r, "name-pres", &tdm::parsePresentation, tdm::presentationNames(),
                     req.name_presentation),
        parsedOption(r, "bearer", &tdm::parseBearer, {"speech", "audio", "digital"}, req.bearer)}) {
    if (!st) return fail(st);
  }
  if (auto v = r.option("name")) req.calling_name = *v;
  if (auto v = r.option("channel")) {
    auto n = core::parseInt(*v);
    if (!n) return fail("--channel " + *v + ": not a number");
    req.channel = static_cast<int>(*n);
  }
  std::string rest;
  for (const auto& a : r.args) {
    if (a == "--overlap" || core::startsWith(a, "--overlap=")) {
      size_t first = 0;
      if (a.size() > 10) {
        auto n = core::parseInt(a.substr(10));
        if (!n || *n < 0) return fail(a + ": expected --overlap or --overlap=N");
        first = static_cast<size_t>(*n);
      }
      first = std::min(first, req.called.digits.size());
      rest = req.called.digits.substr(first);
      req.called.digits.resize(first);
      req.overlap = true;
      req.sending_complete = false;
    }
  }
  if (r.flag("incomplete")) req.sending_complete = false;
  std::vector<MediaAction> media = {{MediaAction::Kind::kEcho, ""},
                                    {MediaAction::Kind::kDetect, ""}};
  if (auto v = r.option("media")) {
    media.clear();
    for (const auto& part : core::split(*v, ',')) {
      auto m = parseMediaAction(core::trim(part));
      if (!m) return fail(m.status());
      media.push_back(*m);
    }
  }
  auto span = spanArg(r);
  if (!span) return fail(span.status());
  auto id = stack_.placeCallOnSpan(*span, req);
  if (!id) return fail(id.status());
  SimCall& c = addCall(*stack_.call(*id));
  c.info.called.digits = req.called.digits + rest;
  c.media = media;
  c.overlap_rest = rest;
  tdm::CallId cid = *id;
  const tdm::Span* sp = stack_.span(*span);
  c.audio = std::make_unique<CallMedia>(mediaLaw(sp->law()), [this, cid](char d) {
    event("dtmf", {{"call", cid}, {"digit", std::string(1, d)}});
  });
  nlohmann::json j = callJson(c.info);
  j["direction"] = "out";
  j["called"] = c.info.called.digits;
  j["calling"] = from;
  j["overlap"] = req.overlap;
  event("setup", j);
  return core::ControlReply::success({{"call", *id}, {"span", *span}, {"channel", c.info.channel}});
}

core::ControlReply PstnSim::cmdAnswer(const core::ControlRequest& r) {
  auto id = pickCall(r, true);
  if (!id) return fail(id.status());
  SimCall* c = find(*id);
  if (c->answered) return fail("call " + std::to_string(*id) + " is already answered");
  c->action.cancel();
  if (c->media.empty())
    c->media = {{MediaAction::Kind::kEcho, ""}, {MediaAction::Kind::kDetect, ""}};
  answerNow(*id);
  if (!c->answered) return fail("call " + std::to_string(*id) + " could not be answered");
  return core::ControlReply::success({{"call", *id}});
}

core::ControlReply PstnSim::cmdAlert(const core::ControlRequest& r) {
  auto id = pickCall(r, true);
  if (!id) return fail(id.status());
  if (auto s = stack_.alert(*id, r.flag("inband")); !s) return fail(s);
  return core::ControlReply::success({{"call", *id}});
}

core::ControlReply PstnSim::cmdProgress(const core::ControlRequest& r) {
  auto id = pickCall(r, true);
  if (!id) return fail(id.status());
  if (auto s = stack_.progress(*id, true); !s) return fail(s);
  return core::ControlReply::success({{"call", *id}});
}

core::ControlReply PstnSim::cmdHangup(const core::ControlRequest& r) {
  // hangup | hangup CALL | hangup CAUSE-NAME | hangup CALL CAUSE
  auto pos = r.positional({"span"});
  if (pos.size() > 2) return fail("usage: hangup [CALL] [CAUSE]");
  int cause = tdm::cause::kNormalClearing;
  core::ControlRequest which = r;
  which.args.clear();
  std::string causeWord;
  if (pos.size() == 2) {
    which.args.push_back(pos[0]);
    causeWord = pos[1];
  } else if (pos.size() == 1) {
    if (core::parseInt(pos[0])) {
      which.args.push_back(pos[0]);
    } else {
      causeWord = pos[0];
    }
  }
  if (!causeWord.empty()) {
    auto c = tdm::parseCause(causeWord);
    if (!c) return fail("'" + causeWord + "' is not a Q.850 cause (1-127 or a name such as busy)");
    cause = *c;
  }
  auto id = pickCall(which, false);
  if (!id) return fail(id.status());
  if (auto s = stack_.hangup(*id, cause); !s) return fail(s);
  return core::ControlReply::success({{"call", *id}, {"cause", cause}});
}

core::ControlReply PstnSim::cmdDtmf(const core::ControlRequest& r) {
  auto pos = r.positional();
  if (pos.empty()) return fail("usage: dtmf [CALL] DIGITS");
  std::string digits = pos.back();
  core::ControlRequest which = r;
  which.args.clear();
  if (pos.size() == 2) which.args.push_back(pos[0]);
  auto id = pickCall(which, false);
  if (!id) return fail(id.status());
  SimCall* c = find(*id);
  if (!c->answered) return fail("call " + std::to_string(*id) + " is not answered");
  if (auto s = c->audio->sendDtmf(digits); !s) return fail(s);
  return core::ControlReply::success({{"call", *id}, {"digits", digits}});
}

core::ControlReply PstnSim::cmdMedia(const core::ControlRequest& r) {
  auto pos = r.positional();
  if (pos.empty()) return fail("usage: media [CALL] ACTION[,ACTION]");
  std::vector<MediaAction> media;
  for (const auto& part : core::split(pos.back(), ',')) {
    auto m = parseMediaAction(core::trim(part));
    if (!m) return fail(m.status());
    media.push_back(*m);
  }
  core::ControlRequest which = r;
  which.args.clear();
  if (pos.size() == 2) which.args.push_back(pos[0]);
  auto id = pickCall(which, false);
  if (!id) return fail(id.status());
  SimCall* c = find(*id);
  c->media = media;
  if (c->answered) {
    if (auto s = c->audio->change(media, recordPath(*c)); !s) return fail(s);
  }
  return core::ControlReply::success({{"call", *id}, {"media", c->audio->describe()}});
}

core::ControlReply PstnSim::cmdAlarm(const core::ControlRequest& r) {
  auto pos = r.positional({"span"});
  if (pos.size() != 1) return fail("usage: alarm red|yellow|blue|clear [--span N]");
  auto a = tdm::parseSimulatedAlarm(pos[0]);
  if (!a) return fail("'" + pos[0] + "': expected red, yellow, blue or clear");
  auto span = spanArg(r);
  if (!span) return fail(span.status());
  stack_.emulated(*span)->simulateAlarm(*a);
  event("alarm_sent", {{"span", *span}, {"alarm", tdm::simulatedAlarmName(*a)}});
  return core::ControlReply::success({{"span", *span}, {"alarm", tdm::simulatedAlarmName(*a)}});
}

core::ControlReply PstnSim::cmdDchannel(const core::ControlRequest& r) {
  auto pos = r.positional({"span"});
  if (pos.size() != 1 || (pos[0] != "down" && pos[0] != "up")) {
    return fail("usage: dchannel down|up [--span N]");
  }
  auto span = spanArg(r);
  if (!span) return fail(span.status());
  stack_.emulated(*span)->setDchannelBlocked(pos[0] == "down");
  return core::ControlReply::success({{"span", *span}, {"dchannel_blocked", pos[0] == "down"}});
}

// A robustness tool: frames a broken or hostile far end might send. A third
// are random bytes (mostly bad Q.921 addresses), a third UI frames for SAPI 0
// whose Q.931 content is random after a plausible start, a third I-frames
// with random sequence numbers and payload.
core::ControlReply PstnSim::cmdJunk(const core::ControlRequest& r) {
  auto pos = r.positional({"span", "seed"});
  auto count = pos.size() == 1 ? core::parseInt(pos[0]) : std::nullopt;
  if (!count || *count < 1 || *count > 100000) {
    return fail("usage: junk COUNT [--span N] [--seed S] (COUNT 1 to 100000)");
  }
  auto span = spanArg(r);
  if (!span) return fail(span.status());
  uint32_t seed = 1;
  if (auto v = r.option("seed")) {
    auto n = core::parseInt(*v);
    if (!n) return fail("--seed " + *v + ": not a number");
    seed = static_cast<uint32_t>(*n);
  }
  tdm::EmulatedSpan* line = stack_.emulated(*span);
  std::mt19937 rng(seed);
  auto byte = [&] { return static_cast<uint8_t>(rng()); };
  int sent = 0;
  for (int64_t i = 0; i < *count; ++i) {
    std::vector<uint8_t> f;
    switch (i % 3) {
      case 0:
        f.resize(1 + rng() % 300);
        for (auto& b : f)
          b = byte();
        break;
      case 1:
        // SAPI 0, C/R set (network command), TEI 0, UI; Q.931 discriminator,
        // a call reference of random length, then random message and IEs.
        f = {0x02, 0x01, 0x03, 0x08, static_cast<uint8_t>(rng() % 16)};
        for (size_t n = rng() % 40; n > 0; --n)
          f.push_back(byte());
        break;
      default:
        f = {0x02, 0x01, static_cast<uint8_t>(byte() & 0xfe), byte()};
        for (size_t n = rng() % 60; n > 0; --n)
          f.push_back(byte());
        break;
    }
    // A real D-channel delivers a burst at line rate; here the socket fills
    // faster than the far end reads, so wait (bounded) for room rather than
    // count a frame the other side never had the chance to see.
    line->waitLineWritable(2000);
    if (line->sendFrame(f)) ++sent;
  }
  // What the socket still refused after the wait counts as dropped.
  return core::ControlReply::success({{"span", *span}, {"sent", sent}, {"dropped", *count - sent}});
}

core::ControlReply PstnSim::cmdService(const core::ControlRequest& r) {
  auto pos = r.positional({"span"});
  if (pos.size() != 2 || (pos[1] != "in" && pos[1] != "out")) {
    return fail("usage: service CHANNELS in|out [--span N]");
  }
  auto list = tdm::parseChannelList(pos[0]);
  if (!list) return fail(list.status());
  auto span = spanArg(r);
  if (!span) return fail(span.status());
  for (int ts : *list)
    if (auto s = stack_.setChannelService(*span, ts, pos[1] == "in"); !s) return fail(s);
  return core::ControlReply::success({{"span", *span}, {"channels", pos[0]}, {"service", pos[1]}});
}

core::ControlReply PstnSim::cmdRestart(const core::ControlRequest& r) {
  auto pos = r.positional({"span"});
  if (pos.size() != 1) return fail("usage: restart CHANNELS [--span N]");
  auto list = tdm::parseChannelList(pos[0]);
  if (!list) return fail(list.status());
  auto span = spanArg(r);
  if (!span) return fail(span.status());
  for (int ts : *list)
    if (auto s = stack_.restartChannel(*span, ts); !s) return fail(s);
  return core::ControlReply::success({{"span", *span}, {"channels", pos[0]}});
}

core::ControlReply PstnSim::cmdShow(const core::ControlRequest&) {
  nlohmann::json spans = nlohmann::json::array();
  for (int n : stack_.spanNumbers()) {
    const tdm::Span* s = stack_.span(n);
    nlohmann::json j = s->summaryJson();
    auto* e = stack_.emulated(n);
    if (e) {
      j["simulated_alarm"] = tdm::simulatedAlarmName(e->simulatedAlarm());
      j["dchannel_blocked"] = e->dchannelBlocked();
    }
    spans.push_back(j);
  }
  nlohmann::json calls = nlohmann::json::array();
  for (const auto& c : stack_.calls()) {
    nlohmann::json j = c.toJson();
    if (SimCall* sc = find(c.id); sc && sc->audio) j["media"] = sc->audio->describe();
    calls.push_back(j);
  }
  return core::ControlReply::success(
      {{"spans", spans}, {"calls", calls}, {"psap_records", psap_.size()}});
}

core::ControlReply PstnSim::cmdPsap(const core::ControlRequest&) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& p : psap_) {
    out.push_back({{"record", p.index},
                   {"call", p.call},
                   {"at", p.at},
                   {"span", p.span},
                   {"called", p.called},
                   {"calling", p.calling.digits},
                   {"calling_ton", tdm::typeOfNumberName(p.calling.ton)},
                   {"calling_plan", tdm::numberingPlanName(p.calling.plan)},
                   {"presentation", tdm::presentationName(p.calling.presentation)},
                   {"screening", tdm::screeningName(p.calling.screening)},
                   {"name", p.calling_name}});
  }
  return core::ControlReply::success({{"records", out}});
}

core::ControlReply PstnSim::cmdCallback(const core::ControlRequest& r) {
  if (psap_.empty()) return fail("no emergency call has reached the PSAP yet");
  auto pos = r.positional({"from", "span"});
  const PsapRecord* rec = &psap_.back();
  if (!pos.empty()) {
    auto n = core::parseInt(pos[0]);
    if (!n || *n < 1 || *n > static_cast<long long>(psap_.size())) {
      return fail("no PSAP record " + pos[0] + " (1-" + std::to_string(psap_.size()) + ")");
    }
    rec = &psap_[static_cast<size_t>(*n - 1)];
  }
  if (rec->calling.digits.empty())
    return fail("record " + std::to_string(rec->index) + " has no calling number to call back");
  std::string from = r.option("from").value_or(rec->callback_from);
  core::ControlRequest call;
  call.args = {from.empty() ? "-" : from,
               rec->calling.digits,
               "--ton",
               tdm::typeOfNumberName(rec->calling.ton),
               "--plan",
               tdm::numberingPlanName(rec->calling.plan),
               "--span",
               r.option("span").value_or(std::to_string(rec->span))};
  auto reply = cmdCall(call);
  if (reply.ok) reply.body["record"] = rec->index;
  return reply;
}

core::ControlReply PstnSim::cmdCapture(const core::ControlRequest& r) {
  auto pos = r.positional({"span"});
  auto span = spanArg(r);
  if (!span) return fail(span.status());
  if (pos.size() == 2 && pos[0] == "start") {
    if (auto s = stack_.startCapture(*span, pos[1]); !s) return fail(s);
    return core::ControlReply::success({{"span", *span}, {"file", pos[1]}});
  }
  if (pos.size() == 1 && pos[0] == "stop") {
    if (auto s = stack_.stopCapture(*span); !s) return fail(s);
    return core::ControlReply::success({{"span", *span}});
  }
  return fail("usage: capture start FILE [--span N] | capture stop [--span N]");
}

core::ControlReply PstnSim::cmdRules(const core::ControlRequest& r) {
  auto pos = r.positional();
  if (!pos.empty() && pos[0] == "reload") {
    if (options_.rules_path.empty()) return fail("pstn-sim was started without --rules");
    auto fresh = RuleSet::load(options_.rules_path);
    if (!fresh) return fail(fresh.status());  // the old rules stay
    rules_ = std::move(*fresh);
  } else if (!pos.empty()) {
    return fail("usage: rules [reload]");
  }
  nlohmann::json out = nlohmann::json::array();
  for (const auto& rule : rules_.rules())
    out.push_back({{"line", rule.line}, {"rule", rule.text}});
  return core::ControlReply::success({{"source", rules_.source()}, {"rules", out}});
}

}  // namespace outpost::tools
