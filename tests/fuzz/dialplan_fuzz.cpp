// Fuzz target for the dial plan: the input is a plan's text. Whatever it
// holds, loading must not crash, hang or leak, and a plan that loads must
// keep its promises: every emergency number it classifies comes back as an
// emergency call on its route in every context that classifies them, and
// evaluating, tracing and diffing any number is safe. Built two ways: with
// clang's libFuzzer (make fuzz-dialplan) and with our own deterministic
// driver (dialplan_fuzz_driver.cpp) that `make check` runs briefly.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "dialplan/diff.hpp"
#include "dialplan/loader.hpp"
#include "dialplan/model.hpp"

namespace {

using namespace outpost::dialplan;

[[noreturn]] void broken(const std::string& what) {
  std::fprintf(stderr, "dialplan fuzz: invariant broken: %s\n", what.c_str());
  std::abort();
}

// Files an input can import or read as a table.
PlanFileReader reader() {
  return memoryReader(
      {{"t.csv", "prefix,route,category\n44,pstn,\n4420,pstn,premium\n882,refuse 21,\n"},
       {"inc.dialplan", "context inc\n  dial 42XX route pstn\n  otherwise refuse 1\n"},
       {"bad.csv", "44,nowhere\nx,pstn\n"}});
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 64 * 1024) return 0;  // plans are small; keep each run fast
  std::string text(reinterpret_cast<const char*>(data), size);
  LoadOptions opt;
  opt.reader = reader();
  LoadResult r = loadPlanText("fuzz.dialplan", text, opt);
  for (const auto& d : r.diagnostics) {
    (void)d.format();
    if (d.where.line < 0 || d.where.column < 0) broken("negative position in " + d.headline());
  }
  (void)r.report(true);
  if (!r.ok()) return 0;
  const Plan& p = *r.plan;
  const PlanModel& m = p.model();
  // Numbers: the emergency numbers, a few usual ones, and pieces of the input.
  std::vector<std::string> numbers = {
      "911",          "9911", "112", "4100", "93125550100",       "9011442071234567",
      "+13125550100", "0",    "",    "*72#", std::string(60, '9')};
  std::string digits;
  for (char c : text) {
    if ((c >= '0' && c <= '9') || c == '*' || c == '#' || c == '+') digits += c;
    if (digits.size() >= 12) {
      numbers.push_back(digits);
      digits.clear();
    }
    if (numbers.size() > 40) break;
  }
  for (const auto& ctx : p.contextNames()) {
    for (const auto& n : numbers) {
      for (Mode mode : {Mode::kNormal, Mode::kSurvival}) {
        Query q;
        q.context = ctx;
        q.called = n;
        q.calling = "4101";
        q.mode = mode;
        Trace t;
        Decision a = p.evaluate(q);
        Decision b = p.trace(q, &t);
        if (!sameDecision(a, b)) broken("trace and evaluate disagree on " + n + " in " + ctx);
        (void)renderTrace(q, t, b);
        (void)toJson(b).dump();
        q.complete = false;
        (void)p.evaluate(q);
      }
    }
    // Emergency numbers are emergency calls with a target, in both modes.
    int ci = m.findContext(ctx);
    if (m.contexts[static_cast<size_t>(ci)].no_emergency) continue;
    for (const auto& e : m.emergency) {
      for (Mode mode : {Mode::kNormal, Mode::kSurvival}) {
        Query q;
        q.context = ctx;
        q.called = e.dialled;
        q.mode = mode;
        q.caller_class = "no-such-class";
        Decision d = p.evaluate(q);
        if (!d.emergency || d.outcome != Outcome::kRoute || d.targets.empty() ||
            d.called != e.number) {
          broken("emergency number " + e.dialled + " in context " + ctx + ": " + renderDecision(d));
        }
      }
    }
  }
  (void)diffPlans(p, p, casesFromTests(p), {Mode::kNormal}, {});
  return 0;
}
