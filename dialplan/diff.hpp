// Which numbers route differently between two plans: the question to answer
// before a reload. Each case (context, called, calling) is evaluated in both
// plans, in each mode asked for, and the differences listed. Pure; any thread.
#pragma once

#include <string>
#include <tuple>
#include <vector>

#include "core/result.hpp"
#include "dialplan/plan.hpp"

namespace outpost::dialplan {

struct DiffCase {
  std::string context;  // empty: every context of either plan
  std::string called;
  std::string calling;
  bool operator<(const DiffCase& o) const {
    return std::tie(context, called, calling) < std::tie(o.context, o.called, o.calling);
  }
  bool operator==(const DiffCase& o) const = default;
};

struct DiffEntry {
  DiffCase c;  // context filled in
  Mode mode = Mode::kNormal;
  Decision before, after;
};

struct DiffResult {
  size_t compared = 0;  // evaluations made in each plan
  std::vector<DiffEntry> changed;
};

// True when the call would be handled the same way (outcome, emergency,
// numbers, route, targets with their presented numbers, cause).
bool sameDecision(const Decision& a, const Decision& b);
// "phones 93125550100 from 4101 (normal): route outside via hq, pstn -> refused 21 (...)"
std::string describeChange(const DiffEntry& e);

DiffResult diffPlans(const Plan& before, const Plan& after, const std::vector<DiffCase>& cases,
                     const std::vector<Mode>& modes, core::WallTime at);

// The numbers the plan's own inline tests dial.
std::vector<DiffCase> casesFromTests(const Plan& p);
// A numbers file: one case per line, "NUMBER", "NUMBER FROM", or
// "CONTEXT NUMBER [FROM]" (a word that is not a number is a context); commas
// work as separators too; '#' starts a comment. Errors name the line.
core::Result<std::vector<DiffCase>> parseNumberList(const std::string& text,
                                                    const std::string& name);

}  // namespace outpost::dialplan
