// The compiled dial plan and the question call control asks it.
//
// A Plan is immutable once compiled (see dialplan/loader.hpp). Call control
// holds the live plan as std::shared_ptr<const Plan>; each call copies that
// pointer when it starts, so a reload never changes the answer for a call in
// progress. evaluate() is const, allocates only for its answer, takes no locks
// and may be called from any thread, any number at once.
//
// For every call the gateway asks:
//
//   Query q;
//   q.context = "phones";          // where the call comes from (see below)
//   q.called = "93125550100";      // as received, digits so far
//   q.calling = "4101";
//   q.caller_class = "";           // class of service, if the gateway knows it
//   q.time = clock.wallNow();
//   q.mode = Mode::kNormal;        // or kSurvival when the WAN is down
//   q.complete = true;             // false while overlap digits still arrive
//   Decision d = plan->evaluate(q);
//
// and gets one of four outcomes:
//
//   kRoute          try d.targets in order; fail over to the next target only
//                   on a cause listed in that target's failover set. When
//                   d.emergency is set this is an emergency call: d.called is
//                   the bare emergency number (911, never 9911) and d.targets
//                   the site's emergency route. Emergency numbers are decided
//                   before any rule, on the digit that completes them, and no
//                   rule, class of service or time condition can change that.
//   kNeedMoreDigits overlap dialling: wait for more digits (or the inter-digit
//                   timer, then ask again with complete = true).
//   kNoMatch        nothing in the context matches: clear with d.cause (1,
//                   unallocated number).
//   kRefused        the plan refuses the call: clear with d.cause (a Q.850
//                   cause; 21 for a class-of-service refusal unless the plan
//                   says otherwise) and log d.reason.
//
// Contexts on the demo branch: "phones" (calls from the branch's SIP phones),
// "hq" (calls from HQ call control), "pstn" (calls arriving on the PRI).
#pragma once

#include <bitset>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/clock.hpp"
#include "dialplan/diagnostic.hpp"
#include "dialplan/numbering.hpp"

namespace outpost::dialplan {

enum class Mode { kNormal, kSurvival };
const char* modeName(Mode m);

struct Query {
  std::string context;
  std::string called;        // as received; visual separators (-.() and spaces) are ignored
  std::string calling;       // as received
  std::string caller_class;  // optional; overrides the plan's class membership
  core::WallTime time{};     // wall-clock time, for time conditions
  Mode mode = Mode::kNormal;
  bool complete = true;  // en-bloc (SIP INVITE, Sending Complete, T302 expired)
};

enum class Outcome { kRoute, kNeedMoreDigits, kNoMatch, kRefused };
const char* outcomeName(Outcome o);

enum class TargetKind { kTrunkGroup, kSipPeer, kLocalUser };
const char* targetKindName(TargetKind k);

// When to try the next target: Q.850 causes, SIP statuses, or the target
// being down (no D-channel, peer unreachable, trunk group all busy is 34).
// Sets of bits, so a decision carries them without allocating.
struct FailoverSet {
  std::bitset<128> q850;  // Q.850 causes 1-127
  std::bitset<400> sip;   // SIP statuses 300-699, at status - 300
  bool target_down = false;
  void add(int causeOrStatus);  // 1-127 is Q.850, 300-699 SIP
  bool onQ850(int cause) const {
    return cause >= 0 && cause < 128 && q850.test(static_cast<size_t>(cause));
  }
  bool onSip(int status) const {
    return status >= 300 && status < 700 && sip.test(static_cast<size_t>(status - 300));
  }
  std::vector<int> q850Causes() const;
  std::vector<int> sipStatuses() const;
  std::string str() const;  // "34 38 41 42 47 408 503 down"
};

// One target of a decision, with the numbers already in its format.
struct RouteTarget {
  std::string name;  // the plan's name for it ("pstn", "hq")
  TargetKind kind = TargetKind::kTrunkGroup;
  std::string address;  // trunk group name or SIP peer name; "" for a local user
  std::string called;   // the called number in this target's format
  Ton called_ton = Ton::kUnknown;
  Npi called_npi = Npi::kUnknown;
  Presentation called_format = Presentation::kE164;
  std::string calling;
  Ton calling_ton = Ton::kUnknown;
  Npi calling_npi = Npi::kUnknown;
  Presentation calling_format = Presentation::kE164;
  FailoverSet failover;
  // The plan limits this target to one mode (already applied: a target not
  // for the query's mode is not in the list).
  bool normal_only = false;
  bool survival_only = false;
};

struct Decision {
  Outcome outcome = Outcome::kNoMatch;
  bool emergency = false;
  bool emergency_test = false;  // a test line such as 933: route it, but it is not a real emergency
  std::string called;   // rewritten called number: E.164 ("+1...") when normalised, else digits
  std::string calling;  // rewritten calling number
  std::vector<RouteTarget> targets;
  std::string route;                    // the route list (or target, or table row) chosen
  std::vector<std::string> categories;  // destination categories (national, international, ...)
  int cause = 0;                        // kRefused / kNoMatch: Q.850 cause to clear with
  std::string reason;                   // kRefused / kNoMatch: why, for logs and traces
  std::string context;                  // the context whose rule decided (after any goto)
  std::string rule;          // "file:line" of the deciding rule ("" for emergency / no match)
  std::string caller_class;  // the class of service applied ("" for none)
};

// What a trace records: each step of an evaluation, for `outpostctl dialplan
// test` and for failed inline tests.
struct TraceStep {
  std::string what;   // "emergency", "context", "rule", "winner", "rewrite", "class", "route", ...
  std::string text;   // one human line
  std::string where;  // file:line of the plan element, when there is one
};
struct Trace {
  std::vector<TraceStep> steps;
  void add(std::string what, std::string text, std::string where = "");
};

std::string renderDecision(const Decision& d);                               // one line
std::string renderTrace(const Query& q, const Trace& t, const Decision& d);  // many lines
nlohmann::json toJson(const Decision& d);
nlohmann::json toJson(const Trace& t);

struct PlanModel;  // the compiled representation (dialplan/model.hpp)

// Summary of a compiled plan, for status and logs.
struct PlanInfo {
  std::string source;              // main file
  std::vector<std::string> files;  // every plan file and table read
  std::string fingerprint;         // hash of every file's text
  size_t contexts = 0, rules = 0, table_rows = 0, tests = 0;
  double compile_ms = 0;
  std::vector<std::string> emergency_numbers;  // as classified (911, 9911, 933, ...)
};

class Plan {
 public:
  explicit Plan(std::unique_ptr<PlanModel> model);
  ~Plan();
  Plan(const Plan&) = delete;
  Plan& operator=(const Plan&) = delete;

  Decision evaluate(const Query& q) const;
  // The same decision, with every step recorded.
  Decision trace(const Query& q, Trace* trace) const;

  bool hasContext(const std::string& name) const;
  std::vector<std::string> contextNames() const;
  const PlanInfo& info() const;
  const PlanModel& model() const { return *model_; }

 private:
  std::unique_ptr<PlanModel> model_;
};

using PlanPtr = std::shared_ptr<const Plan>;

}  // namespace outpost::dialplan
