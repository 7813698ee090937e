// Inline tests: "this number, from this caller, in this context, at this time,
// in this mode goes to this route as this number". They run every time a plan
// loads; one failure refuses the plan.
#include <cstdio>

#include "core/strings.hpp"
#include "dialplan/causes.hpp"
#include "dialplan/model.hpp"

namespace outpost::dialplan {

std::optional<core::WallTime> parseWhen(const std::string& s, const TimeZone& zone,
                                        std::string* error) {
  int y, mo, d, h, mi, sec = 0;
  char t;
  int used = 0;
  if (std::sscanf(s.c_str(), "%4d-%2d-%2d%c%2d:%2d%n", &y, &mo, &d, &t, &h, &mi, &used) != 6 ||
      (t != 'T' && t != ' ')) {
    *error = "'" + s + "' is not a date and time (2026-03-02T10:00, local time; add Z for UTC)";
    return std::nullopt;
  }
  std::string rest = s.substr(static_cast<size_t>(used));
  if (rest.size() >= 3 && rest[0] == ':' && std::isdigit(static_cast<unsigned char>(rest[1]))) {
    sec = std::atoi(rest.substr(1, 2).c_str());
    rest = rest.substr(3);
  }
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h < 0 || h > 23 || mi < 0 || mi > 59 || sec < 0 ||
      sec > 59 || y < 1970 || y > 2200) {
    *error = "'" + s + "' is not a valid date and time";
    return std::nullopt;
  }
  if (rest.empty()) return zone.fromLocal(y, mo, d, h, mi, sec);
  int64_t local = daysFromCivil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec;
  if (rest == "Z") return core::WallTime(std::chrono::seconds(local));
  int oh, om;
  if ((rest[0] == '+' || rest[0] == '-') &&
      std::sscanf(rest.c_str() + 1, "%2d:%2d", &oh, &om) == 2 && rest.size() == 6) {
    int off = (oh * 3600 + om * 60) * (rest[0] == '-' ? -1 : 1);
    return core::WallTime(std::chrono::seconds(local - off));
  }
  *error = "'" + s + "': after the time only Z or an offset like -06:00 may follow";
  return std::nullopt;
}

std::string describeTest(const TestSpec& t) {
  std::string s = t.query.called;
  if (!t.query.calling.empty()) s += " from " + t.query.calling;
  s += " in " + t.query.context;
  if (!t.query.caller_class.empty()) s += " cos " + t.query.caller_class;
  if (!t.time_text.empty()) s += " at " + t.time_text;
  if (t.query.mode == Mode::kSurvival) s += " mode survival";
  if (!t.query.complete) s += " overlap";
  return s;
}

namespace {

std::string got(const Decision& d) {
  switch (d.outcome) {
    case Outcome::kRoute:
      return std::string(d.emergency ? "emergency " : "") + "route " + d.route + " (called " +
             d.called + (d.calling.empty() ? "" : ", calling " + d.calling) + ")";
    case Outcome::kNeedMoreDigits:
      return "more-digits";
    case Outcome::kNoMatch:
      return "no-match (" + d.reason + ")";
    case Outcome::kRefused:
      return "refused " + std::to_string(d.cause) + " (" + d.reason + ")";
  }
  return "?";
}

}  // namespace

std::vector<TestOutcome> runInlineTests(const PlanModel& m) {
  std::vector<TestOutcome> out;
  for (const auto& t : m.tests) {
    Trace trace;
    Decision d = evaluatePlan(m, t.query, &trace, nullptr);
    TestOutcome o;
    o.where = t.pos;
    o.description = t.description;
    std::vector<std::string> problems;
    for (const auto& x : t.expects) {
      const std::string v = x.values.empty() ? "" : x.values[0].text;
      switch (x.kind) {
        case ExpectAst::kRoute:
          if (d.outcome != Outcome::kRoute || d.route != v)
            problems.push_back("expected route " + v + ", got " + got(d));
          break;
        case ExpectAst::kTargets: {
          std::vector<std::string> want, have;
          for (const auto& w : x.values) {
            if (w.text != "none") want.push_back(w.text);
          }
          for (const auto& tg : d.targets)
            have.push_back(tg.name);
          if (d.outcome != Outcome::kRoute) have.clear();
          if (want != have) {
            problems.push_back(
                "expected targets " + (want.empty() ? "none" : core::join(want, " ")) + ", got " +
                (have.empty() ? "none" : core::join(have, " ")) + " (" + got(d) + ")");
          }
          break;
        }
        case ExpectAst::kRefused:
          if (d.outcome != Outcome::kRefused || (x.cause && d.cause != x.cause)) {
            problems.push_back("expected refused" +
                               (x.cause ? " " + describeCause(x.cause) : std::string()) + ", got " +
                               got(d));
          }
          break;
        case ExpectAst::kEmergency:
          if (d.outcome != Outcome::kRoute || !d.emergency)
            problems.push_back("expected an emergency call, got " + got(d));
          break;
        case ExpectAst::kNoMatch:
          if (d.outcome != Outcome::kNoMatch)
            problems.push_back("expected no-match, got " + got(d));
          break;
        case ExpectAst::kMoreDigits:
          if (d.outcome != Outcome::kNeedMoreDigits)
            problems.push_back("expected more-digits, got " + got(d));
          break;
        case ExpectAst::kCalled:
          if (d.called != v)
            problems.push_back("expected called " + v + ", got " +
                               (d.called.empty() ? "(none)" : d.called));
          break;
        case ExpectAst::kCalling:
          if (d.calling != v)
            problems.push_back("expected calling " + v + ", got " +
                               (d.calling.empty() ? "(none)" : d.calling));
          break;
        case ExpectAst::kSends: {
          const RouteTarget* found = nullptr;
          for (const auto& tg : d.targets) {
            if (tg.name == v && !found) found = &tg;
          }
          if (d.outcome != Outcome::kRoute || !found) {
            problems.push_back("expected a call to " + v + ", got " + got(d));
          } else if (found->called != x.values[1].text ||
                     (x.values.size() > 2 && found->calling != x.values[2].text)) {
            problems.push_back("expected " + v + " to receive " + x.values[1].text +
                               (x.values.size() > 2 ? " from " + x.values[2].text : "") +
                               ", it receives " + found->called + " from " +
                               (found->calling.empty() ? "(none)" : found->calling));
          }
          break;
        }
        case ExpectAst::kCategory: {
          bool has = false;
          for (const auto& c : d.categories)
            has = has || c == v;
          if (!has) {
            problems.push_back("expected category " + v + ", got " +
                               (d.categories.empty() ? "none" : core::join(d.categories, ", ")));
          }
          break;
        }
      }
    }
    o.passed = problems.empty();
    if (!o.passed) {
      o.failure = core::join(problems, "; ");
      o.trace = renderTrace(t.query, trace, d);
    }
    out.push_back(std::move(o));
  }
  return out;
}

}  // namespace outpost::dialplan
