// Clock: the one source of time for everything that waits (PRI timers, WAN
// hold-downs, callback windows). SystemClock is the real one; ManualClock is
// moved by hand in tests so hours pass in microseconds. A clock is owned by
// whoever builds the loop; now()/wallNow() are safe from any thread.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>

namespace outpost::core {

using Duration = std::chrono::nanoseconds;
using TimePoint = std::chrono::steady_clock::time_point;
using WallTime = std::chrono::system_clock::time_point;

using std::chrono::hours;
using std::chrono::microseconds;
using std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::seconds;

class Clock {
 public:
  virtual ~Clock() = default;
  // Monotonic time, for intervals and deadlines.
  virtual TimePoint now() const = 0;
  // Calendar time, for records a person reads (CDRs, logs, time conditions).
  virtual WallTime wallNow() const = 0;
  // True when time only moves by hand: a loop on it never sleeps for a timer.
  virtual bool isManual() const { return false; }
};

class SystemClock final : public Clock {
 public:
  TimePoint now() const override { return std::chrono::steady_clock::now(); }
  WallTime wallNow() const override { return std::chrono::system_clock::now(); }
  static SystemClock& instance();
};

class ManualClock final : public Clock {
 public:
  // Starts at a fixed, recognisable wall time unless told otherwise.
  explicit ManualClock(WallTime start = WallTime(std::chrono::seconds(1767225600)));  // 2026-01-01
  TimePoint now() const override;
  WallTime wallNow() const override;
  bool isManual() const override { return true; }

  void advance(Duration d);
  void setWall(WallTime t);  // jumps calendar time only (DST, NTP steps)

 private:
  std::atomic<int64_t> mono_ns_{0};
  std::atomic<int64_t> wall_offset_ns_;
};

// ISO-8601 UTC with milliseconds: 2026-11-24T04:08:27.123Z
std::string formatUtc(WallTime t);
double toSeconds(Duration d);

}  // namespace outpost::core
