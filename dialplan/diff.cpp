#include "dialplan/diff.hpp"

#include <algorithm>
#include <set>
#include <tuple>

#include "core/strings.hpp"
#include "dialplan/causes.hpp"
#include "dialplan/model.hpp"
#include "dialplan/symbols.hpp"

namespace outpost::dialplan {

bool sameDecision(const Decision& a, const Decision& b) {
  if (a.outcome != b.outcome || a.emergency != b.emergency || a.cause != b.cause) return false;
  if (a.outcome != Outcome::kRoute) return true;
  // The route list's name is a label: the same targets with the same numbers
  // and failover are the same handling.
  if (a.called != b.called || a.calling != b.calling) return false;
  if (a.targets.size() != b.targets.size()) return false;
  for (size_t i = 0; i < a.targets.size(); ++i) {
    const RouteTarget& x = a.targets[i];
    const RouteTarget& y = b.targets[i];
    if (x.name != y.name || x.called != y.called || x.calling != y.calling ||
        x.called_ton != y.called_ton || x.calling_ton != y.calling_ton ||
        x.failover.str() != y.failover.str()) {
      return false;
    }
  }
  return true;
}

std::string describeChange(const DiffEntry& e) {
  std::string s = e.c.context + " " + e.c.called;
  if (!e.c.calling.empty()) s += " from " + e.c.calling;
  s += std::string(" (") + modeName(e.mode) + "): " + renderDecision(e.before) + "\n    -> " +
       renderDecision(e.after);
  return s;
}

DiffResult diffPlans(const Plan& before, const Plan& after, const std::vector<DiffCase>& cases,
                     const std::vector<Mode>& modes, core::WallTime at) {
  DiffResult r;
  std::vector<std::string> contexts = before.contextNames();
  for (const auto& c : after.contextNames()) {
    if (std::find(contexts.begin(), contexts.end(), c) == contexts.end()) contexts.push_back(c);
  }
  std::set<DiffCase> seen;
  for (const auto& c : cases) {
    std::vector<std::string> ctxs =
        c.context.empty() ? contexts : std::vector<std::string>{c.context};
    for (const auto& ctx : ctxs) {
      DiffCase one{ctx, c.called, c.calling};
      if (!seen.insert(one).second) continue;
      for (Mode m : modes) {
        Query q;
        q.context = ctx;
        q.called = c.called;
        q.calling = c.calling;
        q.time = at;
        q.mode = m;
        Decision a = before.evaluate(q), b = after.evaluate(q);
        ++r.compared;
        if (!sameDecision(a, b)) r.changed.push_back(DiffEntry{one, m, std::move(a), std::move(b)});
      }
    }
  }
  return r;
}

std::vector<DiffCase> casesFromTests(const Plan& p) {
  std::vector<DiffCase> out;
  for (const auto& t : p.model().tests) {
    if (!t.query.complete) continue;
    out.push_back({t.query.context, t.query.called, t.query.calling});
  }
  return out;
}

core::Result<std::vector<DiffCase>> parseNumberList(const std::string& text,
                                                    const std::string& name) {
  std::vector<DiffCase> out;
  int lineNo = 0;
  for (const auto& raw : core::split(text, '\n', false)) {
    ++lineNo;
    std::string line = raw;
    if (size_t h = line.find(" #"); h != std::string::npos) line = line.substr(0, h);
    std::replace(line.begin(), line.end(), ',', ' ');
    std::replace(line.begin(), line.end(), '\t', ' ');
    std::string t(core::trim(line));
    if (t.empty() || t[0] == '#') continue;
    std::vector<std::string> w = core::split(t, ' ');
    auto isNumber = [](const std::string& s) {
      return !s.empty() && invalidNumberChar(s) == std::string::npos;
    };
    DiffCase c;
    size_t i = 0;
    if (!isNumber(w[0])) c.context = w[i++];
    if (i >= w.size() || !isNumber(w[i]) || w.size() - i > 2 ||
        (w.size() - i == 2 && !isNumber(w[i + 1]))) {
      return core::invalidArgument(name + ":" + std::to_string(lineNo) +
                                   ": expected NUMBER, NUMBER FROM, or CONTEXT NUMBER [FROM]");
    }
    c.called = w[i];
    if (i + 1 < w.size()) c.calling = w[i + 1];
    out.push_back(std::move(c));
  }
  return out;
}

}  // namespace outpost::dialplan
