#include <unistd.h>

#include <atomic>
#include <boost/test/unit_test.hpp>
#include <thread>
#include <vector>

#include "core/event_loop.hpp"

using namespace outpost::core;
using namespace std::chrono_literals;

namespace {
struct SofiaFixture {
  SofiaInit su;
};
}  // namespace

BOOST_FIXTURE_TEST_SUITE(event_loop, SofiaFixture)

BOOST_AUTO_TEST_CASE(manual_timers_fire_at_their_deadlines_in_order) {
  ManualClock clock;
  EventLoop loop(clock);
  TimePoint t0 = clock.now();
  std::vector<std::pair<int, Duration>> fired;
  auto a = loop.after(300ms, [&] { fired.emplace_back(3, clock.now() - t0); });
  auto b = loop.after(100ms, [&] { fired.emplace_back(1, clock.now() - t0); });
  auto c = loop.after(200ms, [&] { fired.emplace_back(2, clock.now() - t0); });
  loop.advance(150ms);
  BOOST_TEST(fired.size() == 1u);
  loop.advance(3h);
  BOOST_REQUIRE(fired.size() == 3u);
  BOOST_TEST(fired[0].first == 1);
  BOOST_TEST(fired[1].first == 2);
  BOOST_TEST(fired[2].first == 3);
  BOOST_TEST((fired[0].second == Duration(100ms)));
  BOOST_TEST((fired[1].second == Duration(200ms)));
  BOOST_TEST((fired[2].second == Duration(300ms)));
  BOOST_TEST(loop.pendingTimers() == 0u);
}

BOOST_AUTO_TEST_CASE(three_hour_window_passes_in_one_step) {
  ManualClock clock;
  EventLoop loop(clock);
  bool expired = false;
  auto t = loop.after(180min, [&] { expired = true; });
  loop.advance(179min + 59s);
  BOOST_TEST(!expired);
  loop.advance(1s);
  BOOST_TEST(expired);
}

BOOST_AUTO_TEST_CASE(periodic_timer_fires_every_period) {
  ManualClock clock;
  EventLoop loop(clock);
  int n = 0;
  auto t = loop.every(100ms, [&] { ++n; });
  loop.advance(1s);
  BOOST_TEST(n == 10);
  t.cancel();
  loop.advance(1s);
  BOOST_TEST(n == 10);
}

BOOST_AUTO_TEST_CASE(dropping_the_handle_cancels_the_timer) {
  ManualClock clock;
  EventLoop loop(clock);
  bool fired = false;
  {
    auto t = loop.after(10ms, [&] { fired = true; });
  }
  loop.advance(1s);
  BOOST_TEST(!fired);
}

BOOST_AUTO_TEST_CASE(timer_may_cancel_itself_and_others_from_its_callback) {
  ManualClock clock;
  EventLoop loop(clock);
  int selfFires = 0;
  bool otherFired = false;
  Timer other = loop.after(20ms, [&] { otherFired = true; });
  Timer self;
  self = loop.every(10ms, [&] {
    ++selfFires;
    self.cancel();
    other.cancel();
  });
  loop.advance(100ms);
  BOOST_TEST(selfFires == 1);
  BOOST_TEST(!otherFired);
}

BOOST_AUTO_TEST_CASE(fd_watch_reports_readable_data) {
  EventLoop loop;
  int p[2];
  BOOST_REQUIRE(::pipe(p) == 0);
  std::string got;
  auto w = loop.watchFd(p[0], kReadable, [&](unsigned ev) {
    BOOST_TEST((ev & kReadable) != 0u);
    char buf[16];
    ssize_t n = ::read(p[0], buf, sizeof buf);
    if (n > 0) got.append(buf, static_cast<size_t>(n));
  });
  BOOST_TEST(::write(p[1], "ping", 4) == 4);
  BOOST_TEST(loop.runUntil([&] { return got == "ping"; }, 2s));
  w.cancel();
  BOOST_TEST(::write(p[1], "more", 4) == 4);
  loop.runOnce(20ms);
  BOOST_TEST(got == "ping");
  ::close(p[0]);
  ::close(p[1]);
}

BOOST_AUTO_TEST_CASE(fd_watch_may_cancel_itself_in_its_callback) {
  EventLoop loop;
  int p[2];
  BOOST_REQUIRE(::pipe(p) == 0);
  int calls = 0;
  FdWatch w;
  w = loop.watchFd(p[0], kReadable, [&](unsigned) {
    ++calls;
    w.cancel();
  });
  BOOST_TEST(::write(p[1], "x", 1) == 1);
  loop.runUntil([&] { return calls > 0; }, 2s);
  loop.runOnce(20ms);
  loop.runOnce(20ms);
  BOOST_TEST(calls == 1);
  ::close(p[0]);
  ::close(p[1]);
}

BOOST_AUTO_TEST_CASE(post_from_other_threads_runs_everything_on_the_loop_thread_in_order) {
  EventLoop loop;
  constexpr int kThreads = 4, kEach = 2000;
  std::vector<std::vector<int>> seen(kThreads);
  std::atomic<int> offThread{0};
  auto loopThread = std::this_thread::get_id();
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        loop.post([&, t, i] {
          if (std::this_thread::get_id() != loopThread) ++offThread;
          seen[t].push_back(i);
        });
      }
    });
  }
  bool all = loop.runUntil(
      [&] {
        for (auto& s : seen) {
          if (s.size() != static_cast<size_t>(kEach)) return false;
        }
        return true;
      },
      10s);
  for (auto& th : threads)
    th.join();
  BOOST_TEST(all);
  BOOST_TEST(offThread.load() == 0);
  for (auto& s : seen) {
    for (int i = 0; i < static_cast<int>(s.size()); ++i)
      BOOST_TEST_REQUIRE(s[i] == i);
  }
}

BOOST_AUTO_TEST_CASE(stop_from_another_thread_ends_run) {
  EventLoop loop;
  std::thread stopper([&] {
    std::this_thread::sleep_for(50ms);
    loop.stop();
  });
  auto start = std::chrono::steady_clock::now();
  loop.run();
  stopper.join();
  BOOST_TEST((std::chrono::steady_clock::now() - start < 5s));
}

BOOST_AUTO_TEST_CASE(real_timer_waits_at_least_its_delay) {
  EventLoop loop;
  auto start = std::chrono::steady_clock::now();
  std::chrono::steady_clock::time_point firedAt{};
  auto t = loop.after(60ms, [&] { firedAt = std::chrono::steady_clock::now(); });
  BOOST_TEST(loop.runUntil([&] { return firedAt != decltype(firedAt){}; }, 5s));
  BOOST_TEST((firedAt - start >= 60ms));
  // Loose upper bound: a loaded CI machine may be slow, but not by seconds.
  BOOST_TEST((firedAt - start < 2s));
}

BOOST_AUTO_TEST_CASE(loops_on_two_threads_run_independently) {
  std::atomic<int> fired{0};
  auto body = [&] {
    EventLoop loop;
    auto t = loop.after(20ms, [&] {
      ++fired;
      loop.stop();
    });
    loop.run();
  };
  std::thread a(body), b(body);
  a.join();
  b.join();
  BOOST_TEST(fired.load() == 2);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(manual_clock)

BOOST_AUTO_TEST_CASE(manual_clock_moves_only_by_hand) {
  ManualClock clock;
  auto m0 = clock.now();
  auto w0 = clock.wallNow();
  std::this_thread::sleep_for(5ms);
  BOOST_TEST((clock.now() == m0));
  clock.advance(90min);
  BOOST_TEST((clock.now() - m0 == Duration(90min)));
  BOOST_TEST((clock.wallNow() - w0 == std::chrono::duration_cast<WallTime::duration>(90min)));
  BOOST_TEST(formatUtc(clock.wallNow()) == "2026-01-01T01:30:00.000Z");
}

BOOST_AUTO_TEST_CASE(wall_jump_does_not_move_monotonic_time) {
  ManualClock clock;
  auto m0 = clock.now();
  clock.setWall(WallTime(std::chrono::seconds(1800000000)));
  BOOST_TEST((clock.now() == m0));
  BOOST_TEST(formatUtc(clock.wallNow()) == "2027-01-15T08:00:00.000Z");
}

BOOST_AUTO_TEST_SUITE_END()
