#include "dialplan/schedule.hpp"

#include <cstdio>

#include "core/strings.hpp"

namespace outpost::dialplan {

namespace {

constexpr const char* kDayNames[7] = {"sun", "mon", "tue", "wed", "thu", "fri", "sat"};

int dayIndex(std::string_view s) {
  std::string l = core::toLower(s);
  for (int i = 0; i < 7; ++i) {
    if (l == kDayNames[i]) return i;
  }
  return -1;
}

bool parseYmd(std::string_view s, int* y, int* m, int* d) {
  // YYYY-MM-DD or MM-DD.
  int parts[3];
  int count = 0;
  size_t i = 0;
  while (i <= s.size() && count < 3) {
    size_t j = s.find('-', i);
    std::string_view part =
        s.substr(i, j == std::string_view::npos ? std::string_view::npos : j - i);
    auto v = core::parseInt(part);
    if (!v || part.empty() || part[0] == '+' || part[0] == '-') return false;
    parts[count++] = static_cast<int>(*v);
    if (j == std::string_view::npos) break;
    i = j + 1;
    if (count == 3) return false;
  }
  if (count == 3) {
    *y = parts[0], *m = parts[1], *d = parts[2];
    if (*y < 1970 || *y > 2200) return false;
  } else if (count == 2) {
    *y = 0, *m = parts[0], *d = parts[1];
  } else {
    return false;
  }
  if (*m < 1 || *m > 12 || *d < 1) return false;
  static const int kMax[12] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (*d > kMax[*m - 1]) return false;
  if (*y && *m == 2 && *d == 29 && !((*y % 4 == 0 && *y % 100 != 0) || *y % 400 == 0)) return false;
  return true;
}

long dateKey(int y, int m, int d) {
  return (static_cast<long>(y) * 13 + m) * 32 + d;
}

}  // namespace

bool DateSpec::contains(const LocalTime& t) const {
  if (end_month == 0) {
    return (year == 0 || year == t.year) && month == t.month && day == t.day;
  }
  int y0 = year ? year : t.year, y1 = end_year ? end_year : t.year;
  long k = dateKey(t.year, t.month, t.day);
  if (year == 0 && dateKey(0, month, day) > dateKey(0, end_month, end_day)) {
    // A yearly range across New Year (12-24..01-02).
    long k0 = dateKey(0, t.month, t.day);
    return k0 >= dateKey(0, month, day) || k0 <= dateKey(0, end_month, end_day);
  }
  return k >= dateKey(y0, month, day) && k <= dateKey(y1, end_month, end_day);
}

std::optional<DateSpec> parseDateSpec(std::string_view s, std::string* error) {
  DateSpec d;
  size_t dots = s.find("..");
  std::string_view a = s.substr(0, dots);
  if (!parseYmd(a, &d.year, &d.month, &d.day)) {
    *error = "'" + std::string(a) + "' is not a date (YYYY-MM-DD, or MM-DD for every year)";
    return std::nullopt;
  }
  if (dots != std::string_view::npos) {
    std::string_view b = s.substr(dots + 2);
    if (!parseYmd(b, &d.end_year, &d.end_month, &d.end_day)) {
      *error = "'" + std::string(b) + "' is not a date (YYYY-MM-DD, or MM-DD for every year)";
      return std::nullopt;
    }
    if ((d.year == 0) != (d.end_year == 0)) {
      *error = "a range is either two full dates or two MM-DD dates";
      return std::nullopt;
    }
    if (d.year && dateKey(d.year, d.month, d.day) > dateKey(d.end_year, d.end_month, d.end_day)) {
      *error = "the range ends before it starts";
      return std::nullopt;
    }
  }
  return d;
}

const DateSpec* Holidays::find(const LocalTime& t) const {
  for (const auto& d : dates) {
    if (d.contains(t)) return &d;
  }
  return nullptr;
}

std::optional<unsigned> parseDays(std::string_view s, std::string* error) {
  std::string l = core::toLower(s);
  if (l == "daily" || l == "every-day") return 0x7fu;
  if (l == "weekdays") return 0x3eu;
  if (l == "weekends") return 0x41u;
  unsigned mask = 0;
  for (const auto& part : core::split(l, ',')) {
    size_t dash = part.find('-');
    if (dash == std::string::npos) {
      int d = dayIndex(part);
      if (d < 0) {
        *error =
            "'" + part + "' is not a day (mon tue wed thu fri sat sun, mon-fri, sat,sun, daily)";
        return std::nullopt;
      }
      mask |= 1u << d;
      continue;
    }
    int a = dayIndex(part.substr(0, dash)), b = dayIndex(part.substr(dash + 1));
    if (a < 0 || b < 0) {
      *error = "'" + part + "' is not a range of days (like mon-fri)";
      return std::nullopt;
    }
    for (int d = a;; d = (d + 1) % 7) {  // fri-mon wraps over the weekend
      mask |= 1u << d;
      if (d == b) break;
    }
  }
  if (mask == 0) {
    *error = "no days given";
    return std::nullopt;
  }
  return mask;
}

std::optional<std::pair<int, int>> parseTimeRange(std::string_view s, std::string* error) {
  size_t dash = s.find('-');
  auto hm = [](std::string_view t, int* out) {
    int h, m;
    char extra;
    std::string str(t);
    if (std::sscanf(str.c_str(), "%d:%d%c", &h, &m, &extra) != 2) return false;
    if (t.size() != 5 || h < 0 || h > 24 || m < 0 || m > 59 || (h == 24 && m != 0)) return false;
    *out = h * 60 + m;
    return true;
  };
  int a, b;
  if (dash == std::string_view::npos || !hm(s.substr(0, dash), &a) || !hm(s.substr(dash + 1), &b)) {
    *error = "'" + std::string(s) + "' is not a time range (HH:MM-HH:MM, 24-hour clock)";
    return std::nullopt;
  }
  if (a == b) {
    *error = "'" + std::string(s) + "' is empty (use 00:00-24:00 for the whole day)";
    return std::nullopt;
  }
  if (a == 1440) {
    *error = "a range cannot start at 24:00";
    return std::nullopt;
  }
  return std::make_pair(a, b);
}

void Hours::addOpen(unsigned dayMask, int from, int to) {
  for (int d = 0; d < 7; ++d) {
    if (!(dayMask & (1u << d))) continue;
    if (from < to) {
      open.push_back({d, from, to});
    } else {
      open.push_back({d, from, 1440});
      if (to > 0) open.push_back({(d + 1) % 7, 0, to});
    }
  }
}

bool Hours::isOpen(core::WallTime t, std::string* why) const {
  LocalTime lt = (zone ? zone : TimeZone::utc())->toLocal(t);
  for (const Holidays* h : closed) {
    if (const DateSpec* d = h->find(lt)) {
      if (why) {
        *why = lt.str() + " is a holiday in '" + h->name + "'" +
               (d->label.empty() ? "" : " (" + d->label + ")");
      }
      return false;
    }
  }
  int m = lt.minuteOfDay();
  for (const auto& iv : open) {
    if (iv.weekday == lt.weekday && m >= iv.from_minute && m < iv.to_minute) {
      if (why) {
        char buf[48];
        std::snprintf(buf, sizeof buf, "%s %02d:%02d-%02d:%02d", kDayNames[iv.weekday],
                      iv.from_minute / 60, iv.from_minute % 60, iv.to_minute / 60,
                      iv.to_minute % 60);
        *why = lt.str() + " (" + kDayNames[lt.weekday] + ") is within " + buf;
      }
      return true;
    }
  }
  if (why) *why = lt.str() + " (" + kDayNames[lt.weekday] + ") is outside the open hours";
  return false;
}

}  // namespace outpost::dialplan
