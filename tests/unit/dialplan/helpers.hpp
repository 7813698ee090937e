// Helpers for the dial plan unit tests: load a plan from text (with extra
// in-memory files), ask it a question, find a diagnostic.
#pragma once

#include <boost/test/unit_test.hpp>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "dialplan/loader.hpp"
#include "dialplan/model.hpp"
#include "dialplan/plan.hpp"

// Boost.Test prints values it compares.
namespace outpost::dialplan {
inline std::ostream& operator<<(std::ostream& o, Outcome v) {
  return o << outcomeName(v);
}
inline std::ostream& operator<<(std::ostream& o, Mode v) {
  return o << modeName(v);
}
inline std::ostream& operator<<(std::ostream& o, Ton v) {
  return o << tonName(v);
}
inline std::ostream& operator<<(std::ostream& o, Npi v) {
  return o << npiName(v);
}
inline std::ostream& operator<<(std::ostream& o, Severity v) {
  return o << severityName(v);
}
inline std::ostream& operator<<(std::ostream& o, TargetKind v) {
  return o << targetKindName(v);
}
}  // namespace outpost::dialplan

namespace dptest {

using namespace outpost::dialplan;

// A small US site every test plan can start with: 911/933 with outside line
// 9 out of trunk "pstn", SIP peer "hq", local phones, and route list
// "outside" (hq in normal mode, then pstn). 16 lines.
inline const std::string kPrelude =
    "site \"Test\"\n"
    "  country 1\n"
    "  area-code 312\n"
    "  timezone America/Chicago\n"
    "emergency\n"
    "  region us\n"
    "  outside-line 9\n"
    "  route pstn\n"
    "target pstn trunk pstn\n"
    "target hq sip hq\n"
    "target phones local\n"
    "  format calling received\n"
    "routes outside\n"
    "  via hq when normal failover 503\n"
    "  via pstn\n"
    "\n";

inline LoadResult load(const std::string& text,
                       std::vector<std::pair<std::string, std::string>> files = {},
                       LoadOptions opt = {}) {
  if (!opt.reader) opt.reader = memoryReader(std::move(files));
  return loadPlanText("test.dialplan", text, opt);
}

inline PlanPtr mustLoad(const std::string& text,
                        std::vector<std::pair<std::string, std::string>> files = {}) {
  LoadResult r = load(text, std::move(files));
  BOOST_REQUIRE_MESSAGE(r.ok(), "plan refused:\n" + r.report(true));
  return r.plan;
}

struct Ask {
  Ask(std::string context_, std::string called_, std::string calling_ = "",
      Mode mode_ = Mode::kNormal, std::string at_ = "2026-01-07T10:00", std::string cls_ = "")
      : context(std::move(context_)),
        called(std::move(called_)),
        calling(std::move(calling_)),
        mode(mode_),
        at(std::move(at_)),
        cls(std::move(cls_)) {}
  std::string context;
  std::string called;
  std::string calling;
  Mode mode;
  std::string at;  // default: a Wednesday morning, site time
  std::string cls;
  bool complete = true;
};

inline Decision eval(const Plan& p, const Ask& a, Trace* trace = nullptr) {
  Query q;
  q.context = a.context;
  q.called = a.called;
  q.calling = a.calling;
  q.mode = a.mode;
  q.caller_class = a.cls;
  q.complete = a.complete;
  std::string err;
  auto t = parseWhen(a.at, *p.model().zone, &err);
  BOOST_REQUIRE_MESSAGE(t, err);
  q.time = *t;
  return trace ? p.trace(q, trace) : p.evaluate(q);
}

inline const Diagnostic* findDiag(const LoadResult& r, const std::string& code, int line = -1) {
  for (const auto& d : r.diagnostics) {
    if (d.code == code && (line < 0 || d.where.line == line)) return &d;
  }
  return nullptr;
}

inline std::vector<std::string> targetNames(const Decision& d) {
  std::vector<std::string> out;
  for (const auto& t : d.targets)
    out.push_back(t.name);
  return out;
}

}  // namespace dptest
