#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cmath>
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
  // Caught up: below 70 % of the limit the share taken climbs back to all
  // (0.01 a beat: within a second even from the floor).
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
  // Hovering between 70 % of the limit and the limit: still shedding.
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
  BOOST_TEST(share < 0.6);
  BOOST_TEST(share > 0.3);
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
