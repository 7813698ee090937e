// Test support for the PRI tests: two real PriStacks (network and CPE side)
// facing each other over emulated spans in a temp dir, each with a listener
// that records what it hears and can be scripted. Both run on the test
// thread's EventLoop on the real clock (libpri's timers read gettimeofday).
#pragma once

#include <boost/test/unit_test.hpp>

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/event_loop.hpp"
#include "tdm/emulated_span.hpp"
#include "tdm/pri_stack.hpp"
#include "tests/support/process.hpp"

namespace outpost::tdm::testing {

using namespace std::chrono_literals;

struct Released {
  CallInfo call;
  ReleaseInfo why;
};

class Recorder : public TdmListener {
 public:
  std::vector<CallInfo> incoming;
  std::vector<std::pair<CallInfo, DigitsEvent>> digits;
  std::map<CallId, std::vector<std::string>> events;  // per call, in order
  std::map<CallId, Released> released;
  std::map<CallId, CallInfo> connected;
  std::vector<SpanEvent> span_events;
  int release_count = 0;

  std::function<void(const CallInfo&)> on_incoming;
  std::function<void(const CallInfo&, const DigitsEvent&)> on_digits;
  std::function<void(const CallInfo&)> on_connected;
  std::function<void(const CallInfo&)> on_alerting;

  void onIncomingCall(const CallInfo& c) override {
    incoming.push_back(c);
    events[c.id].push_back("incoming");
    if (on_incoming) on_incoming(c);
  }
  void onDigits(const CallInfo& c, const DigitsEvent& ev) override {
    digits.emplace_back(c, ev);
    events[c.id].push_back(ev.timed_out ? "digits-timeout" : "digits:" + ev.digits);
    if (on_digits) on_digits(c, ev);
  }
  void onSetupAcknowledged(const CallInfo& c) override { events[c.id].push_back("setup-ack"); }
  void onProceeding(const CallInfo& c) override { events[c.id].push_back("proceeding"); }
  void onAlerting(const CallInfo& c, bool inband) override {
    events[c.id].push_back(inband ? "alerting-inband" : "alerting");
    if (on_alerting) on_alerting(c);
  }
  void onProgress(const CallInfo& c, bool inband) override {
    events[c.id].push_back(inband ? "progress-inband" : "progress");
  }
  void onConnected(const CallInfo& c) override {
    events[c.id].push_back("connected");
    connected[c.id] = c;
    if (on_connected) on_connected(c);
  }
  void onReleased(const CallInfo& c, const ReleaseInfo& why) override {
    events[c.id].push_back("released:" + std::to_string(why.cause));
    BOOST_TEST(released.count(c.id) == 0u, "call " << c.id << " released twice");
    released[c.id] = {c, why};
    ++release_count;
  }
  void onSpanEvent(const SpanEvent& ev) override { span_events.push_back(ev); }

  bool isReleased(CallId id) const { return released.count(id) != 0; }
  bool isConnected(CallId id) const { return connected.count(id) != 0; }
  size_t spanEvents(SpanEvent::Kind k, int span = 0) const {
    size_t n = 0;
    for (const auto& e : span_events)
      if (e.kind == k && (span == 0 || e.span == span)) ++n;
    return n;
  }
};

struct SideOptions {
  SwitchType switch_type = SwitchType::kNi2;
  LineType line = LineType::kT1;
  PriTimers timers;
  bool overlap_receive = false;
  core::Duration overlap_timeout = 5s;
};

// A span's two ends: adds span `number` to both stacks over one socket.
inline void addSpanPair(PriStack& net, PriStack& cpe, const std::string& path, int number,
                        const SideOptions& o) {
  auto make = [&](Side side) {
    EmulatedOptions e;
    e.socket_path = path;
    e.retry_interval = 20ms;
    auto backend =
        std::make_unique<EmulatedSpan>(std::string(sideName(side)) + "-" + std::to_string(number),
                                       SpanLayout::standard(o.line), defaultLaw(o.line), side, e);
    TrunkConfig t;
    t.span = number;
    t.name = std::string(side == Side::kNetwork ? "net" : "cpe") + "-" + std::to_string(number);
    t.switch_type = o.switch_type;
    t.side = side;
    t.timers = o.timers;
    t.overlap_receive = o.overlap_receive;
    t.overlap_timeout = o.overlap_timeout;
    return std::make_pair(t, std::move(backend));
  };
  auto [nt, nb] = make(Side::kNetwork);
  BOOST_REQUIRE(net.addSpan(nt, std::move(nb)).isOk());
  auto [ct, cb] = make(Side::kCpe);
  BOOST_REQUIRE(cpe.addSpan(ct, std::move(cb)).isOk());
}

// No channel restarting, D-channel up, no alarm: ready for calls.
inline bool settled(const PriStack& s) {
  for (int n : s.spanNumbers()) {
    const Span* sp = s.span(n);
    if (!sp->usable()) return false;
    for (int ts : sp->bchannels())
      if (sp->restarting(ts)) return false;
  }
  return true;
}

// "net 3,5 cpe -" : the channels each side still waits to see acknowledged.
inline std::string restarting(const PriStack& s) {
  std::string out;
  for (int n : s.spanNumbers()) {
    const Span* sp = s.span(n);
    out += "span " + std::to_string(n) + (sp->dchannelUp() ? " up" : " down") + ":";
    for (int ts : sp->bchannels())
      if (sp->restarting(ts)) out += " " + std::to_string(ts);
    out += "; ";
  }
  return out;
}

struct PriPair {
  core::SofiaInit su;
  core::EventLoop loop;
  test::TempDir dir;
  PriStack net{loop};
  PriStack cpe{loop};
  Recorder netL, cpeL;

  PriPair() {
    net.setListener(&netL);
    cpe.setListener(&cpeL);
  }
  ~PriPair() {
    net.setListener(nullptr);
    cpe.setListener(nullptr);
  }
  void addSpan(int number, const SideOptions& o = {}) {
    addSpanPair(net, cpe, dir.file("span" + std::to_string(number) + ".sock"), number, o);
  }
  bool waitSettled(core::Duration limit = 5s) {
    bool ok = loop.runUntil([&] { return settled(net) && settled(cpe); }, limit);
    if (!ok)
      BOOST_TEST_MESSAGE("not settled: net " << restarting(net) << "cpe " << restarting(cpe));
    return ok;
  }
  bool runUntil(const std::function<bool()>& pred, core::Duration limit = 3s) {
    return loop.runUntil(pred, limit);
  }
  void runFor(core::Duration d) {
    loop.runUntil([] { return false; }, d);
  }
};

inline OutgoingCall callTo(const std::string& number, const std::string& from = "3125550100") {
  OutgoingCall o;
  o.called.digits = number;
  o.called.ton = TypeOfNumber::kNational;
  o.called.plan = NumberingPlan::kE164;
  o.calling.digits = from;
  o.calling.ton = TypeOfNumber::kNational;
  o.calling.plan = NumberingPlan::kE164;
  return o;
}

inline std::string eventsOf(const Recorder& r, CallId id) {
  auto it = r.events.find(id);
  if (it == r.events.end()) return "(none)";
  std::string s;
  for (const auto& e : it->second)
    s += (s.empty() ? "" : " ") + e;
  return s;
}

}  // namespace outpost::tdm::testing
