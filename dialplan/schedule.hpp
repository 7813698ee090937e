// Time conditions: weekly opening hours and holiday dates, read in a time
// zone. `hours business` is open when the local time falls in one of its
// weekly intervals and the date is not one of its closed holidays. Immutable
// after the plan compiles; any thread.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dialplan/timezone.hpp"

namespace outpost::dialplan {

struct DateSpec {
  int year = 0;  // 0: every year
  int month = 0, day = 0;
  int end_year = 0, end_month = 0, end_day = 0;  // a range when end_month != 0
  std::string label;
  bool contains(const LocalTime& t) const;
};

// "2026-12-25", "12-25" (every year), "2026-12-24..2026-12-26".
std::optional<DateSpec> parseDateSpec(std::string_view s, std::string* error);

struct Holidays {
  std::string name;
  std::vector<DateSpec> dates;
  // The matching date's label, or nullopt.
  const DateSpec* find(const LocalTime& t) const;
};

struct WeeklyInterval {
  int weekday = 0;       // 0 = Sunday
  int from_minute = 0;   // inclusive
  int to_minute = 1440;  // exclusive
};

// "mon-fri", "sat,sun", "daily", "weekdays", "weekends" to a 7-bit mask
// (bit 0 = Sunday).
std::optional<unsigned> parseDays(std::string_view s, std::string* error);
// "08:00-18:00", "22:00-06:00" (overnight), "00:00-24:00": minutes.
std::optional<std::pair<int, int>> parseTimeRange(std::string_view s, std::string* error);

struct Hours {
  std::string name;
  std::shared_ptr<const TimeZone> zone;
  std::vector<WeeklyInterval> open;
  std::vector<const Holidays*> closed;  // owned by the plan

  // Adds "DAYS FROM-TO"; an overnight range continues on the next day.
  void addOpen(unsigned dayMask, int from, int to);
  bool isOpen(core::WallTime t, std::string* why = nullptr) const;
};

}  // namespace outpost::dialplan
