#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cmath>
#include <deque>
#include <thread>

#include "core/event_loop.hpp"
#include "gateway/load_monitor.hpp"

using namespace outpost;
using namespace std::chrono_literals;
using gateway::LoadMonitor;

namespace {
// n heartbeats, each running `lag` after it was due.
void beats(LoadMonitor& m, core::TimePoint& t, int n, core::Duration lag) {
  for (int i = 0; i < n; ++i) {
    t += LoadMonitor::kPeriod;
    m.beat(t, t + lag);
    t += lag;
  }
}
}  // namespace

BOOST_AUTO_TEST_SUITE(load_monitor)

BOOST_AUTO_TEST_CASE(a_loop_that_keeps_up_never_sheds) {
  LoadMonitor m(30ms);
  core::TimePoint t{};
  beats(m, t, 1000, 2ms);
  BOOST_TEST(!m.overloaded());
  BOOST_TEST(m.lagMs() < 3.0);
  BOOST_TEST(m.episodes() == 0u);
}

BOOST_AUTO_TEST_CASE(a_loop_that_falls_behind_sheds_within_a_few_beats_and_recovers) {
  LoadMonitor m(30ms);
  core::TimePoint t{};
  beats(m, t, 100, 1ms);
  beats(m, t, 3, 80ms);
  BOOST_TEST(m.overloaded());
  BOOST_TEST(m.episodes() == 1u);
  // One quick beat inside a backlog does not let the flood back in.
  beats(m, t, 1, 0ms);
  BOOST_TEST(m.overloaded());
  // Caught up: below the target the share taken climbs back to all.
  beats(m, t, 20, 0ms);
  BOOST_TEST(!m.overloaded());
  BOOST_TEST(m.episodes() == 1u);
}

BOOST_AUTO_TEST_CASE(one_stall_does_not_shed_but_a_backlog_does) {
  LoadMonitor m(50ms);
  core::TimePoint t{};
  beats(m, t, 100, 1ms);
  beats(m, t, 1, 150ms);  // one long stall, then on time again
  beats(m, t, 1, 1ms);
  BOOST_TEST(!m.overloaded(), m.lagMs());
  beats(m, t, 5, 100ms);  // every beat late: a queue, not a stall
  BOOST_TEST(m.overloaded(), m.lagMs());
}

BOOST_AUTO_TEST_CASE(hysteresis_keeps_it_from_flapping_near_the_limit) {
  LoadMonitor m(30ms);
  core::TimePoint t{};
  beats(m, t, 10, 60ms);
  BOOST_TEST(m.overloaded());
  // Hovering between the target (60 % of the limit) and the limit: still
  // shedding.
  beats(m, t, 50, 25ms);
  BOOST_TEST(m.overloaded());
  BOOST_TEST(m.episodes() == 1u);
}

BOOST_AUTO_TEST_CASE(while_overloaded_it_takes_the_share_it_can_carry_evenly) {
  LoadMonitor m(30ms);
  core::TimePoint t{};
  BOOST_TEST(m.admitNext());
  beats(m, t, 30, 100ms);  // 30 beats above the limit
  BOOST_REQUIRE(m.overloaded());
  double share = m.admitShare();
  BOOST_TEST(share < 0.8);
  BOOST_TEST(share > 0.1);
  int taken = 0, longestRefusedRun = 0, run = 0;
  for (int i = 0; i < 1000; ++i) {
    if (m.admitNext()) {
      ++taken;
      run = 0;
    } else {
      longestRefusedRun = std::max(longestRefusedRun, ++run);
    }
  }
  BOOST_TEST(std::abs(taken - share * 1000) <= 1.0);
  BOOST_TEST(longestRefusedRun <= static_cast<int>(1 / share) + 1);
  // A long overload never shuts the door completely.
  beats(m, t, 1000, 500ms);
  BOOST_TEST(m.admitShare() >= 0.02);
}

// A model of the gateway for the guard to steer: each 10 ms beat, `offered`
// new calls arrive; a taken call costs one unit of work, a third of it at
// once (the INVITE) and the rest three beats later (ACK, BYE, 200); a refused
// one costs `refusalCost`. The thread does `capacity` units a beat (with
// seeded jitter, as on a shared machine), and what it has not done waits in
// the socket at `bytesPerUnit`, up to the receive buffer.
struct ModelGateway {
  double offered = 28, capacity = 14, refusalCost = 0.1, bytesPerUnit = 13000;
  double bufferBytes = 8.0 * 1024 * 1024;
  double queue = 0;  // units waiting
  std::deque<double> later{0, 0, 0};
  uint32_t seed = 12345;
  double taken = 0, dropped = 0;

  double jitter() {
    seed = seed * 1103515245u + 12345u;
    return 0.7 + 0.6 * static_cast<double>((seed >> 8) & 0xffff) / 65535.0;
  }
  // One beat; returns the bytes waiting.
  size_t step(LoadMonitor& m) {
    double in = 0, follow = 0;
    for (int i = 0; i < static_cast<int>(offered); ++i) {
      if (m.admitNext()) {
        taken += 1;
        in += 1.0 / 3;
        follow += 2.0 / 3;
      } else {
        in += refusalCost;
      }
    }
    later.push_back(follow);
    in += later.front();
    later.pop_front();
    queue = std::max(0.0, queue + in - capacity * jitter());
    if (queue * bytesPerUnit > bufferBytes) {
      dropped += queue - bufferBytes / bytesPerUnit;
      queue = bufferBytes / bytesPerUnit;
    }
    return static_cast<size_t>(queue * bytesPerUnit);
  }
};

// The guard (queue limit 1 MB, lag limit 50 ms) steering a ModelGateway,
// one beat per period, on time.
struct Steered {
  LoadMonitor m{50ms};
  ModelGateway g;
  core::TimePoint t{};
  Steered() { m.watchQueue(nullptr, 1024 * 1024); }
  // `n` beats; `each` runs after every one.
  template <typename F>
  void run(int n, F each) {
    for (int i = 0; i < n; ++i, t += LoadMonitor::kPeriod) {
      m.beat(t, t, g.step(m));
      each();
    }
  }
  void run(int n) {
    run(n, [] {});
  }
};

BOOST_AUTO_TEST_CASE(a_queue_of_unread_requests_sheds_even_when_timers_run_on_time) {
  LoadMonitor m(50ms);
  m.watchQueue(nullptr, 1024 * 1024);
  core::TimePoint t{};
  for (int i = 0; i < 100; ++i, t += LoadMonitor::kPeriod)
    m.beat(t, t, 100 * 1024);
  BOOST_TEST(!m.overloaded());
  // One burst the buffer absorbs and the thread reads within two beats.
  m.beat(t, t, 3 * 1024 * 1024);
  t += LoadMonitor::kPeriod;
  m.beat(t, t, 100 * 1024);
  t += LoadMonitor::kPeriod;
  BOOST_TEST(!m.overloaded(), m.queuedBytes());
  // A queue that stays deep while every beat is on time.
  for (int i = 0; i < 10; ++i, t += LoadMonitor::kPeriod)
    m.beat(t, t, 2 * 1024 * 1024);
  BOOST_TEST(m.overloaded(), m.queuedBytes());
  BOOST_TEST(m.lagMs() < 1.0);
}

BOOST_AUTO_TEST_CASE(at_twice_its_capacity_the_gateway_settles_near_the_share_it_can_carry) {
  Steered s;
  s.run(500);  // 5 s to settle, then 20 s measured
  s.g.taken = 0;
  double lowest = 1, highest = 0, peakQueue = 0;
  s.run(2000, [&] {
    lowest = std::min(lowest, s.m.admitShare());
    highest = std::max(highest, s.m.admitShare());
    peakQueue = std::max(peakQueue, s.g.queue * s.g.bytesPerUnit);
  });
  // What it could carry: taken + refusalCost * refused = capacity.
  const ModelGateway& g = s.g;
  double ideal = (g.capacity - g.refusalCost * g.offered) / (1 - g.refusalCost);
  double goodput = g.taken / 2000;
  BOOST_TEST(goodput >= 0.9 * ideal, goodput << " calls a beat of " << ideal);
  BOOST_TEST(goodput <= 1.02 * ideal, goodput << " calls a beat of " << ideal);
  BOOST_TEST(g.dropped == 0.0, "the receive buffer overflowed");
  BOOST_TEST(peakQueue < 3.0 * 1024 * 1024, peakQueue);
  // It does not swing from refusing nearly all to taking nearly all.
  BOOST_TEST(lowest > 0.2, lowest);
  BOOST_TEST(highest < 0.8, highest);
  BOOST_TEST(s.m.episodes() == 1u);
}

BOOST_AUTO_TEST_CASE(after_a_stall_has_drained_the_share_is_not_left_at_the_floor) {
  Steered s;
  s.run(500);
  double settled = s.m.admitShare();
  // The machine stops the thread for 200 ms: the queue jumps.
  double cap = s.g.capacity;
  s.g.capacity = 0;
  s.run(20);
  s.g.capacity = cap;
  double lowest = 1;
  s.run(200, [&] { lowest = std::min(lowest, s.m.admitShare()); });
  BOOST_TEST(lowest > 0.1, lowest << " after settling at " << settled);
  BOOST_TEST(s.m.admitShare() > 0.6 * settled, s.m.admitShare()
                                                   << " after settling at " << settled);
}

BOOST_AUTO_TEST_CASE(when_the_flood_ends_it_takes_every_call_again_within_a_second) {
  Steered s;
  s.run(500);
  BOOST_REQUIRE(s.m.overloaded());
  s.g.offered = 12;  // back to what it carries
  int beatsToRecover = 0;
  while (s.m.overloaded() && beatsToRecover < 1000) {
    s.run(1);
    ++beatsToRecover;
  }
  BOOST_TEST(beatsToRecover <= 100, beatsToRecover << " beats");
}

BOOST_AUTO_TEST_CASE(a_zero_limit_turns_it_off) {
  LoadMonitor m(0ms);
  core::TimePoint t{};
  beats(m, t, 10, 500ms);
  BOOST_TEST(!m.overloaded());
}

BOOST_AUTO_TEST_CASE(the_heartbeat_runs_on_a_real_loop_and_measures_a_blocked_one) {
  core::SofiaInit su;
  core::EventLoop loop;
  LoadMonitor m(30ms);
  m.start(loop);
  loop.runUntil([] { return false; }, 200ms);
  BOOST_TEST(!m.overloaded(), "lag " << m.lagMs() << " ms on an idle loop");
  // Work that holds the loop for 100 ms at a time, as a flood would.
  core::Timer busy = loop.every(1ms, [] { std::this_thread::sleep_for(100ms); });
  loop.runUntil([&] { return m.overloaded(); }, 3000ms);
  BOOST_TEST(m.overloaded(), "lag " << m.lagMs() << " ms");
}

BOOST_AUTO_TEST_SUITE_END()
