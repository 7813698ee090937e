// PRI call setups and teardowns per second over an emulated T1 span: the
// CPE side places a call, the network side answers at once, the CPE clears
// it on CONNECT; up to 20 calls in flight. Both ends run on this one thread
// (so the figure is what one core does for both), through everything Outpost
// uses: PriStack, PriTrunk, EmulatedSpan, the EventLoop. Side by side: the
// same flow with bare libpri over a socketpair, which is the floor the
// layers above it cost against. Also SETUP -> CONNECT latency.
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cstring>
#include <initializer_list>

#include "bench/bench.hpp"
#include "core/event_loop.hpp"
#include "core/log.hpp"
#include "tdm/emulated_span.hpp"
#include "tdm/libpri.hpp"
#include "tdm/pri_stack.hpp"
#include "tests/support/process.hpp"

using namespace outpost;
using namespace outpost::tdm;
using namespace std::chrono_literals;

namespace {

constexpr int kInFlight = 20;

struct Result {
  double calls_per_s = 0;
  double cpu_us_per_call = 0;
  std::vector<double> setup_ms;
};

// ---- through Outpost's TDM layer ---------------------------------------------

class Answerer : public TdmListener {
 public:
  explicit Answerer(PriStack& s) : s_(s) {}
  void onIncomingCall(const CallInfo& c) override { (void)s_.answer(c.id); }

 private:
  PriStack& s_;
};

class Caller : public TdmListener {
 public:
  Caller(PriStack& s, core::EventLoop& loop) : s_(s), loop_(loop) {}
  void onIncomingCall(const CallInfo&) override {}
  void onConnected(const CallInfo& c) override {
    setup_ms.push_back(
        std::chrono::duration<double, std::milli>(loop_.clock().now() - c.started).count());
    (void)s_.hangup(c.id);
  }
  void onReleased(const CallInfo& c, const ReleaseInfo& why) override {
    (void)c;
    --in_flight;
    if (why.cause == cause::kNormalClearing)
      ++completed;
    else
      ++failed;
  }
  void place() {
    OutgoingCall o;
    o.called.digits = "3125550123";
    o.called.ton = TypeOfNumber::kNational;
    o.calling.digits = "3125550100";
    o.calling.ton = TypeOfNumber::kNational;
    if (s_.placeCallOnSpan(1, o)) ++in_flight;
  }
  int in_flight = 0;
  int completed = 0;
  int failed = 0;
  std::vector<double> setup_ms;

 private:
  PriStack& s_;
  core::EventLoop& loop_;
};

Result throughLayer(int calls) {
  core::SofiaInit su;
  core::EventLoop loop;
  test::TempDir dir;
  PriStack net(loop), cpe(loop);
  Answerer a(net);
  Caller c(cpe, loop);
  net.setListener(&a);
  cpe.setListener(&c);
  for (Side side : {Side::kNetwork, Side::kCpe}) {
    EmulatedOptions e;
    e.socket_path = dir.file("span.sock");
    TrunkConfig t;
    t.side = side;
    auto b = std::make_unique<EmulatedSpan>(sideName(side), SpanLayout::standard(LineType::kT1),
                                            Law::kMulaw, side, e);
    (side == Side::kNetwork ? net : cpe).addSpan(t, std::move(b)).isOk();
  }
  auto ready = [&] {
    for (auto* s : {&net, &cpe}) {
      const Span* sp = s->span(1);
      if (!sp->usable()) return false;
      for (int ts : sp->bchannels())
        if (sp->restarting(ts)) return false;
    }
    return true;
  };
  loop.runUntil(ready, 10s);
  int placed = 0;
  double cpu0 = bench::cpuSeconds();
  auto t0 = std::chrono::steady_clock::now();
  while (c.completed + c.failed < calls && bench::secondsSince(t0) < 120) {
    while (c.in_flight < kInFlight && placed < calls) {
      c.place();
      ++placed;
    }
    loop.runOnce(1ms);
  }
  Result r;
  double secs = bench::secondsSince(t0);
  r.calls_per_s = c.completed / secs;
  r.cpu_us_per_call = (bench::cpuSeconds() - cpu0) * 1e6 / std::max(1, c.completed);
  r.setup_ms = c.setup_ms;
  if (c.failed) std::fprintf(stderr, "tdm_pri_bench: %d calls failed\n", c.failed);
  net.setListener(nullptr);
  cpe.setListener(nullptr);
  return r;
}

// ---- bare libpri over a socketpair -------------------------------------------

struct Bare {
  struct pri* p;
  int fd;
};
int bareRead(struct pri* p, void* buf, int len) {
  return static_cast<int>(::read(static_cast<Bare*>(pri_get_userdata(p))->fd, buf, len));
}
int bareWrite(struct pri* p, void* buf, int len) {
  return static_cast<int>(::write(static_cast<Bare*>(pri_get_userdata(p))->fd, buf, len));
}
void quiet(struct pri*, char*) {}

double bareLibpri(int calls) {
  pri_set_message(quiet);
  pri_set_error(quiet);
  int sv[2];
  ::socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv);
  Bare n{nullptr, sv[0]}, c{nullptr, sv[1]};
  n.p = pri_new_cb(sv[0], PRI_NETWORK, PRI_SWITCH_NI2, bareRead, bareWrite, &n);
  c.p = pri_new_cb(sv[1], PRI_CPE, PRI_SWITCH_NI2, bareRead, bareWrite, &c);
  pri_hangup_fix_enable(n.p, 1);
  pri_hangup_fix_enable(c.p, 1);
  bool up = false;
  int inFlight = 0, placed = 0, done = 0;
  bool busy[24] = {};
  std::map<q931_call*, int> chanOf;
  auto place = [&] {
    for (int ch = 1; ch <= 23; ++ch) {
      if (busy[ch]) continue;
      q931_call* call = pri_new_call(c.p);
      pri_sr* sr = pri_sr_new();
      pri_sr_set_channel(sr, ch, 1, 0);
      pri_sr_set_bearer(sr, PRI_TRANS_CAP_SPEECH, PRI_LAYER_1_ULAW);
      char called[] = "3125550123";
      pri_sr_set_called(sr, called, PRI_NATIONAL_ISDN, 1);
      pri_setup(c.p, call, sr);
      pri_sr_free(sr);
      busy[ch] = true;
      chanOf[call] = ch;
      ++inFlight;
      ++placed;
      return;
    }
  };
  auto handle = [&](Bare& s, pri_event* e) {
    if (!e) return;
    switch (e->e) {
      case PRI_EVENT_DCHAN_UP:
        if (&s == &c) up = true;
        break;
      case PRI_EVENT_RING:
        pri_proceeding(n.p, e->ring.call, e->ring.channel, 0);
        pri_answer(n.p, e->ring.call, e->ring.channel, 0);
        break;
      case PRI_EVENT_ANSWER:
        pri_hangup(c.p, e->answer.call, PRI_CAUSE_NORMAL_CLEARING);
        break;
      case PRI_EVENT_HANGUP_REQ:
        pri_hangup(s.p, e->hangup.call, e->hangup.cause);
        break;
      case PRI_EVENT_HANGUP:
        if (&s == &c) {
          busy[chanOf[e->hangup.call]] = false;
          chanOf.erase(e->hangup.call);
          --inFlight;
          ++done;
        }
        pri_hangup(s.p, e->hangup.call, e->hangup.cause);
        break;
      default:
        break;
    }
  };
  auto step = [&](int waitMs) {
    pollfd fds[2] = {{sv[0], POLLIN, 0}, {sv[1], POLLIN, 0}};
    ::poll(fds, 2, waitMs);
    if (fds[0].revents & POLLIN) handle(n, pri_check_event(n.p));
    if (fds[1].revents & POLLIN) handle(c, pri_check_event(c.p));
    timeval now;
    gettimeofday(&now, nullptr);
    for (Bare* s : {&n, &c}) {
      timeval* tv = pri_schedule_next(s->p);
      if (tv && timercmp(tv, &now, <=)) handle(*s, pri_schedule_run(s->p));
    }
  };
  auto t = std::chrono::steady_clock::now();
  while (!up && bench::secondsSince(t) < 10)
    step(5);
  auto t0 = std::chrono::steady_clock::now();
  while (done < calls && bench::secondsSince(t0) < 120) {
    while (inFlight < kInFlight && placed < calls)
      place();
    step(1);
  }
  double rate = done / bench::secondsSince(t0);
  ::close(sv[0]);
  ::close(sv[1]);
  return rate;
}

}  // namespace

int main() {
  core::Logger::instance().setLevel(core::LogLevel::kError);
  const int calls = 10000;
  double bare = bareLibpri(calls);
  Result r = throughLayer(calls);
  bench::record("tdm.pri_calls_per_s", r.calls_per_s, "calls/s", bare,
                "SETUP..CONNECT..DISCONNECT..RELEASE COMPLETE, 20 in flight, both ends on one "
                "thread, through PriStack+EmulatedSpan vs bare libpri over a socketpair");
  bench::record("tdm.pri_cpu_per_call", r.cpu_us_per_call, "us/call", 0,
                "CPU for both ends of one call through the TDM layer");
  bench::record("tdm.pri_setup_latency_p50", bench::percentile(r.setup_ms, 50), "ms", 0,
                "SETUP sent to CONNECT received, under load");
  bench::record("tdm.pri_setup_latency_p99", bench::percentile(r.setup_ms, 99), "ms", 0,
                "SETUP sent to CONNECT received, under load");
  return 0;
}
