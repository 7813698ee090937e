// Time zones for time conditions. g++ 12's <chrono> has calendars but no time
// zone database, so this reads the system's TZif files (/usr/share/zoneinfo,
// RFC 8536) and the POSIX TZ rule at their end for dates past the table.
// Loaded once when a plan compiles; immutable afterwards; any thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "core/result.hpp"

namespace outpost::dialplan {

struct LocalTime {
  int year = 1970, month = 1, day = 1;  // calendar date
  int weekday = 4;                      // 0 = Sunday ... 6 = Saturday
  int hour = 0, minute = 0, second = 0;
  int utc_offset_s = 0;
  bool dst = false;
  int minuteOfDay() const { return hour * 60 + minute; }
  std::string str() const;  // "2026-03-09 08:30 (UTC-05:00)"
};

class TimeZone {
 public:
  // "America/Chicago", "Europe/Berlin", "UTC". Reads `zoneinfoDir`/NAME.
  static core::Result<std::shared_ptr<const TimeZone>> load(
      const std::string& name, const std::string& zoneinfoDir = "/usr/share/zoneinfo");
  static std::shared_ptr<const TimeZone> utc();

  const std::string& name() const { return name_; }
  LocalTime toLocal(core::WallTime t) const;
  // Local wall-clock time to an instant. In a DST gap the time is read with
  // the offset before the change; in an overlap the first occurrence wins.
  core::WallTime fromLocal(int year, int month, int day, int hour, int minute,
                           int second = 0) const;
  int offsetAt(int64_t unixSeconds, bool* dst = nullptr) const;

  // Names under zoneinfoDir for "did you mean" (from zone1970.tab / zone.tab).
  static std::vector<std::string> knownNames(
      const std::string& zoneinfoDir = "/usr/share/zoneinfo");

 private:
  struct Type {
    int32_t offset = 0;
    bool dst = false;
  };
  struct Rule {  // POSIX TZ footer: "CST6CDT,M3.2.0,M11.1.0"
    bool valid = false;
    int32_t std_offset = 0, dst_offset = 0;
    bool has_dst = false;
    // Each change: kind 'M' (month, week, weekday), 'J' (1-365, no leap day)
    // or 'D' (0-365), and the local time of day in seconds.
    struct When {
      char kind = 'M';
      int month = 0, week = 0, weekday = 0, day = 0;
      int32_t time = 7200;
    } start, end;
  };
  static bool parseRule(const std::string& s, Rule* r);
  static int64_t ruleInstant(const Rule::When& w, int year, int32_t offsetBefore);
  int ruleOffset(int64_t t, bool* dst) const;

  std::string name_;
  std::vector<int64_t> transitions_;
  std::vector<uint8_t> transition_types_;
  std::vector<Type> types_;
  Rule rule_;
};

// Days since 1970-01-01 for a civil date, and back.
int64_t daysFromCivil(int y, int m, int d);
void civilFromDays(int64_t days, int* y, int* m, int* d);

}  // namespace outpost::dialplan
