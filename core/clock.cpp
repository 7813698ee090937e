#include "core/clock.hpp"

#include <ctime>

namespace outpost::core {

SystemClock& SystemClock::instance() {
  static SystemClock clock;
  return clock;
}

ManualClock::ManualClock(WallTime start)
    : wall_offset_ns_(std::chrono::duration_cast<Duration>(start.time_since_epoch()).count()) {}

TimePoint ManualClock::now() const {
  return TimePoint(Duration(mono_ns_.load()));
}

WallTime ManualClock::wallNow() const {
  return WallTime(std::chrono::duration_cast<WallTime::duration>(
      Duration(wall_offset_ns_.load() + mono_ns_.load())));
}

void ManualClock::advance(Duration d) {
  mono_ns_ += d.count();
}

void ManualClock::setWall(WallTime t) {
  wall_offset_ns_ =
      std::chrono::duration_cast<Duration>(t.time_since_epoch()).count() - mono_ns_.load();
}

std::string formatUtc(WallTime t) {
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
  std::time_t secs = static_cast<std::time_t>(ms / 1000);
  if (ms < 0 && ms % 1000) --secs;
  int frac = static_cast<int>(((ms % 1000) + 1000) % 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[80];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, frac);
  return buf;
}

double toSeconds(Duration d) {
  return std::chrono::duration<double>(d).count();
}

}  // namespace outpost::core
