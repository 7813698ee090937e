// `dialplan test`: build a query from what an admin typed and explain how the
// plan answers it. Shared by outpostctl (offline, on a file) and the daemon
// (on the live plan), so both print the same trace. Pure; any thread.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "core/clock.hpp"
#include "core/result.hpp"
#include "dialplan/plan.hpp"

namespace outpost::dialplan {

struct TestRequest {
  std::string number;
  std::string context;       // required
  std::string from;          // calling number
  std::string caller_class;  // --class
  std::string time;      // --time: "2026-03-02T10:00" (site time), "...Z", "...-06:00"; empty: now
  std::string mode;      // --mode: normal (default) or survival
  bool overlap = false;  // --overlap: more digits may follow
};

// Checks the request against the plan (unknown context with a suggestion,
// bad time or mode) and builds the query.
core::Result<Query> makeQuery(const Plan& plan, const TestRequest& r, core::WallTime now);
// Every step, then the decision, then each target on its own line.
std::string traceText(const Plan& plan, const Query& q);
nlohmann::json traceJson(const Plan& plan, const Query& q);

}  // namespace outpost::dialplan
