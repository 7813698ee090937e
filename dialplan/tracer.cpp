#include "dialplan/tracer.hpp"

#include "core/strings.hpp"
#include "dialplan/causes.hpp"
#include "dialplan/lexer.hpp"
#include "dialplan/model.hpp"

namespace outpost::dialplan {

core::Result<Query> makeQuery(const Plan& plan, const TestRequest& r, core::WallTime now) {
  Query q;
  if (r.number.empty())
    return core::invalidArgument("which number? dialplan test NUMBER --context CONTEXT");
  if (r.context.empty()) {
    return core::invalidArgument(
        "--context is required (contexts: " + core::join(plan.contextNames(), ", ") + ")");
  }
  if (!plan.hasContext(r.context)) {
    std::string msg = "no context named '" + r.context + "'";
    if (auto s = core::suggest(r.context, plan.contextNames()))
      msg += " (did you mean '" + *s + "'?)";
    else
      msg += " (contexts: " + core::join(plan.contextNames(), ", ") + ")";
    return core::invalidArgument(msg);
  }
  q.context = r.context;
  q.called = r.number;
  q.calling = r.from;
  q.caller_class = r.caller_class;
  q.complete = !r.overlap;
  if (r.mode.empty() || r.mode == "normal")
    q.mode = Mode::kNormal;
  else if (r.mode == "survival")
    q.mode = Mode::kSurvival;
  else
    return core::invalidArgument("--mode is normal or survival, not '" + r.mode + "'");
  q.time = now;
  if (!r.time.empty()) {
    std::string problem;
    auto t = parseWhen(r.time, *plan.model().zone, &problem);
    if (!t) return core::invalidArgument("--time: " + problem);
    q.time = *t;
  }
  return q;
}

std::string traceText(const Plan& plan, const Query& q) {
  Trace t;
  Decision d = plan.trace(q, &t);
  std::string out = renderTrace(q, t, d);
  for (size_t i = 0; i < d.targets.size(); ++i) {
    const RouteTarget& x = d.targets[i];
    out += "   " + std::to_string(i + 1) + ". " + x.name + " (" + targetKindName(x.kind) +
           (x.address.empty() ? "" : " " + x.address) + "): called " + x.called + " ton " +
           tonName(x.called_ton) + " npi " + npiName(x.called_npi) + ", calling " +
           (x.calling.empty() ? "(none)" : x.calling) + ", failover on " + x.failover.str() + "\n";
  }
  (void)plan;
  return out;
}

nlohmann::json traceJson(const Plan& plan, const Query& q) {
  Trace t;
  Decision d = plan.trace(q, &t);
  return {{"decision", toJson(d)},
          {"trace", toJson(t)},
          {"plan", validUtf8(plan.info().source)},
          {"fingerprint", plan.info().fingerprint}};
}

}  // namespace outpost::dialplan
