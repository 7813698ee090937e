#include "dialplan/timezone.hpp"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>

#include "core/strings.hpp"

namespace outpost::dialplan {

int64_t daysFromCivil(int y, int m, int d) {
  using namespace std::chrono;
  return sys_days(year(y) / month(static_cast<unsigned>(m)) / day(static_cast<unsigned>(d)))
      .time_since_epoch()
      .count();
}

void civilFromDays(int64_t days, int* y, int* m, int* d) {
  using namespace std::chrono;
  year_month_day ymd{sys_days(std::chrono::days(days))};
  *y = static_cast<int>(ymd.year());
  *m = static_cast<int>(static_cast<unsigned>(ymd.month()));
  *d = static_cast<int>(static_cast<unsigned>(ymd.day()));
}

namespace {

int64_t floorDiv(int64_t a, int64_t b) {
  return a / b - ((a % b != 0) && ((a < 0) != (b < 0)));
}

LocalTime breakDown(int64_t unixSeconds, int offset, bool dst) {
  int64_t local = unixSeconds + offset;
  int64_t days = floorDiv(local, 86400);
  int64_t secs = local - days * 86400;
  LocalTime lt;
  civilFromDays(days, &lt.year, &lt.month, &lt.day);
  lt.weekday = static_cast<int>(((days % 7) + 11) % 7);  // 1970-01-01 was a Thursday (4)
  lt.hour = static_cast<int>(secs / 3600);
  lt.minute = static_cast<int>(secs / 60 % 60);
  lt.second = static_cast<int>(secs % 60);
  lt.utc_offset_s = offset;
  lt.dst = dst;
  return lt;
}

uint32_t be32(const unsigned char* p) {
  return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | uint32_t{p[3]};
}
int64_t be64(const unsigned char* p) {
  return static_cast<int64_t>((uint64_t{be32(p)} << 32) | be32(p + 4));
}

bool validZoneName(const std::string& n) {
  if (n.empty() || n.size() > 64 || n[0] == '/' || n.find("..") != std::string::npos) return false;
  for (char c : n) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '/' || c == '_' || c == '-' ||
          c == '+')) {
      return false;
    }
  }
  return true;
}

}  // namespace

std::string LocalTime::str() const {
  char buf[64];
  int off = utc_offset_s / 60;
  char sign = off < 0 ? '-' : '+';
  if (off < 0) off = -off;
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02d %02d:%02d (UTC%c%02d:%02d)", year, month, day,
                hour, minute, sign, off / 60, off % 60);
  return buf;
}

std::shared_ptr<const TimeZone> TimeZone::utc() {
  static const std::shared_ptr<const TimeZone> z = [] {
    auto t = std::make_shared<TimeZone>();
    t->name_ = "UTC";
    t->types_.push_back(Type{0, false});
    return std::shared_ptr<const TimeZone>(t);
  }();
  return z;
}

core::Result<std::shared_ptr<const TimeZone>> TimeZone::load(const std::string& name,
                                                             const std::string& zoneinfoDir) {
  if (name == "UTC" || name == "Etc/UTC") return utc();
  if (!validZoneName(name)) return core::invalidArgument("'" + name + "' is not a time zone name");
  // Only regular files: reading a directory ("America") makes libstdc++ throw.
  std::error_code ec;
  if (!std::filesystem::is_regular_file(zoneinfoDir + "/" + name, ec)) {
    return core::notFound("unknown time zone '" + name + "'");
  }
  std::ifstream in(zoneinfoDir + "/" + name, std::ios::binary);
  if (!in) return core::notFound("unknown time zone '" + name + "'");
  std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto bad = [&](const char* why) {
    return core::invalidArgument("time zone file " + zoneinfoDir + "/" + name + ": " + why);
  };
  const auto* p = reinterpret_cast<const unsigned char*>(data.data());
  size_t n = data.size();
  if (n < 44 || data.compare(0, 4, "TZif") != 0) return bad("not a TZif file");
  char version = data[4];
  auto counts = [&](size_t from, uint32_t out[6]) {
    for (int i = 0; i < 6; ++i)
      out[i] = be32(p + from + 20 + 4 * i);
  };
  // ttisutcnt, ttisstdcnt, leapcnt, timecnt, typecnt, charcnt
  uint32_t c[6];
  counts(0, c);
  auto blockSize = [](const uint32_t k[6], size_t bytes) {
    return k[3] * bytes + k[3] + k[4] * 6 + k[5] + k[2] * (bytes + 4) + k[1] + k[0];
  };
  size_t at = 44;
  size_t timeSize = 4;
  if (version >= '2') {
    at += blockSize(c, 4);
    if (at + 44 > n || data.compare(at, 4, "TZif") != 0) return bad("truncated version 2 header");
    counts(at, c);
    at += 44;
    timeSize = 8;
  }
  if (at + blockSize(c, timeSize) > n) return bad("truncated");
  if (c[4] == 0 || c[4] > 256) return bad("bad type count");
  auto tz = std::make_shared<TimeZone>();
  tz->name_ = name;
  for (uint32_t i = 0; i < c[3]; ++i) {
    tz->transitions_.push_back(timeSize == 8 ? be64(p + at + 8 * i)
                                             : static_cast<int32_t>(be32(p + at + 4 * i)));
  }
  at += c[3] * timeSize;
  for (uint32_t i = 0; i < c[3]; ++i) {
    uint8_t t = p[at + i];
    if (t >= c[4]) return bad("transition to a type that does not exist");
    tz->transition_types_.push_back(t);
  }
  at += c[3];
  for (uint32_t i = 0; i < c[4]; ++i) {
    tz->types_.push_back(Type{static_cast<int32_t>(be32(p + at + 6 * i)), p[at + 6 * i + 4] != 0});
  }
  at += c[4] * 6 + c[5] + c[2] * (timeSize + 4) + c[1] + c[0];
  if (version >= '2' && at < n && data[at] == '\n') {
    size_t e = data.find('\n', at + 1);
    if (e != std::string::npos) parseRule(data.substr(at + 1, e - at - 1), &tz->rule_);
  }
  return std::shared_ptr<const TimeZone>(tz);
}

std::vector<std::string> TimeZone::knownNames(const std::string& zoneinfoDir) {
  std::vector<std::string> out{"UTC"};
  for (const char* tab : {"zone1970.tab", "zone.tab"}) {
    std::ifstream in(zoneinfoDir + "/" + tab);
    std::string line;
    while (std::getline(in, line)) {
      if (line.empty() || line[0] == '#') continue;
      auto f = core::split(line, '\t', false);
      if (f.size() >= 3) out.push_back(f[2]);
    }
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

namespace {

// POSIX offsets: [+-]hh[:mm[:ss]], west of Greenwich positive.
bool parseOffset(const std::string& s, size_t& i, int32_t* out) {
  int sign = 1;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) sign = s[i++] == '-' ? -1 : 1;
  int parts[3] = {0, 0, 0};
  for (int k = 0; k < 3; ++k) {
    if (i >= s.size() || !std::isdigit(static_cast<unsigned char>(s[i]))) {
      if (k == 0) return false;
      break;
    }
    int v = 0;
    while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i])))
      v = v * 10 + (s[i++] - '0');
    parts[k] = v;
    if (k < 2 && i < s.size() && s[i] == ':')
      ++i;
    else
      break;
  }
  *out = sign * (parts[0] * 3600 + parts[1] * 60 + parts[2]);
  return true;
}

bool parseName(const std::string& s, size_t& i) {
  if (i < s.size() && s[i] == '<') {
    size_t e = s.find('>', i);
    if (e == std::string::npos) return false;
    i = e + 1;
    return true;
  }
  size_t st = i;
  while (i < s.size() && std::isalpha(static_cast<unsigned char>(s[i])))
    ++i;
  return i - st >= 3;
}

}  // namespace

bool TimeZone::parseRule(const std::string& s, Rule* r) {
  size_t i = 0;
  if (!parseName(s, i)) return false;
  int32_t off;
  if (!parseOffset(s, i, &off)) return false;
  r->std_offset = -off;
  if (i >= s.size()) {
    r->valid = true;
    return true;
  }
  if (!parseName(s, i)) return false;
  r->has_dst = true;
  r->dst_offset = r->std_offset + 3600;
  if (i < s.size() && s[i] != ',') {
    if (!parseOffset(s, i, &off)) return false;
    r->dst_offset = -off;
  }
  auto when = [&](Rule::When* w) {
    if (i >= s.size() || s[i] != ',') return false;
    ++i;
    if (i < s.size() && s[i] == 'M') {
      w->kind = 'M';
      if (std::sscanf(s.c_str() + i, "M%d.%d.%d", &w->month, &w->week, &w->weekday) != 3)
        return false;
      while (i < s.size() && s[i] != '/' && s[i] != ',')
        ++i;
    } else {
      w->kind = 'D';
      if (s[i] == 'J') w->kind = 'J', ++i;
      int v = 0;
      while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i])))
        v = v * 10 + (s[i++] - '0');
      w->day = v;
    }
    if (i < s.size() && s[i] == '/') {
      ++i;
      int32_t t;
      if (!parseOffset(s, i, &t)) return false;
      w->time = t;
    }
    return true;
  };
  if (i >= s.size()) {
    // DST named but no rule: the US rule is POSIX's historical default.
    r->start = {'M', 3, 2, 0, 0, 7200};
    r->end = {'M', 11, 1, 0, 0, 7200};
    r->valid = true;
    return true;
  }
  if (!when(&r->start) || !when(&r->end)) return false;
  r->valid = r->start.month <= 12 && r->end.month <= 12;
  return r->valid;
}

int64_t TimeZone::ruleInstant(const Rule::When& w, int year, int32_t offsetBefore) {
  int64_t days;
  if (w.kind == 'M') {
    int64_t first = daysFromCivil(year, w.month, 1);
    int wdFirst = static_cast<int>(((first % 7) + 11) % 7);
    int d = 1 + ((w.weekday - wdFirst + 7) % 7) + 7 * (w.week - 1);
    int nextMonth = w.month == 12 ? 1 : w.month + 1;
    int64_t monthDays = daysFromCivil(w.month == 12 ? year + 1 : year, nextMonth, 1) - first;
    while (d > monthDays)
      d -= 7;  // week 5 means "the last"
    days = first + d - 1;
  } else if (w.kind == 'J') {
    days = daysFromCivil(year, 1, 1) + w.day - 1;
    bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    if (leap && w.day >= 60) ++days;
  } else {
    days = daysFromCivil(year, 1, 1) + w.day;
  }
  return days * 86400 + w.time - offsetBefore;
}

int TimeZone::ruleOffset(int64_t t, bool* dst) const {
  if (!rule_.has_dst) {
    if (dst) *dst = false;
    return rule_.std_offset;
  }
  int y, m, d;
  civilFromDays(floorDiv(t + rule_.std_offset, 86400), &y, &m, &d);
  int64_t start = ruleInstant(rule_.start, y, rule_.std_offset);
  int64_t end = ruleInstant(rule_.end, y, rule_.dst_offset);
  bool inDst = start < end ? (t >= start && t < end) : !(t >= end && t < start);
  if (dst) *dst = inDst;
  return inDst ? rule_.dst_offset : rule_.std_offset;
}

int TimeZone::offsetAt(int64_t t, bool* dst) const {
  if (transitions_.empty() || t >= transitions_.back()) {
    if (rule_.valid && (transitions_.empty() || t >= transitions_.back()))
      return ruleOffset(t, dst);
    const Type& ty = transitions_.empty() ? types_.front() : types_[transition_types_.back()];
    if (dst) *dst = ty.dst;
    return ty.offset;
  }
  if (t < transitions_.front()) {
    // Before the first transition: the first standard-time type.
    for (const Type& ty : types_) {
      if (!ty.dst) {
        if (dst) *dst = false;
        return ty.offset;
      }
    }
    if (dst) *dst = types_.front().dst;
    return types_.front().offset;
  }
  auto it = std::upper_bound(transitions_.begin(), transitions_.end(), t);
  size_t idx = static_cast<size_t>(it - transitions_.begin()) - 1;
  const Type& ty = types_[transition_types_[idx]];
  if (dst) *dst = ty.dst;
  return ty.offset;
}

LocalTime TimeZone::toLocal(core::WallTime t) const {
  int64_t s = std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
  if (t.time_since_epoch().count() < 0 && std::chrono::duration_cast<std::chrono::seconds>(
                                              t.time_since_epoch()) > t.time_since_epoch()) {
    --s;  // floor, not truncate, for instants before 1970
  }
  bool dst = false;
  int off = offsetAt(s, &dst);
  return breakDown(s, off, dst);
}

core::WallTime TimeZone::fromLocal(int year, int month, int day, int hour, int minute,
                                   int second) const {
  int64_t local = daysFromCivil(year, month, day) * 86400 + hour * 3600 + minute * 60 + second;
  // Try the offsets in force a day either side: the first that reads back to
  // the same wall time wins; in a gap, the earlier offset.
  int before = offsetAt(local - 86400 - 0);
  int after = offsetAt(local + 86400);
  for (int off : {before, after}) {
    int64_t t = local - off;
    if (offsetAt(t) == off) return core::WallTime(std::chrono::seconds(t));
  }
  return core::WallTime(std::chrono::seconds(local - before));
}

}  // namespace outpost::dialplan
