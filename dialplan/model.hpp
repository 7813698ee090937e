// The compiled dial plan: names resolved to indices, patterns in tries,
// tables in prefix tries, time zones loaded. Built by the compiler, owned by a
// Plan, never changed afterwards. Internal to dialplan/ (the tools and tests
// read it for lint and traces); any thread may read it.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "dialplan/loader.hpp"
#include "dialplan/pattern.hpp"
#include "dialplan/plan.hpp"
#include "dialplan/prefix_table.hpp"
#include "dialplan/regex.hpp"
#include "dialplan/rule_trie.hpp"
#include "dialplan/schedule.hpp"
#include "dialplan/syntax.hpp"

namespace outpost::dialplan {

using CategorySet = uint32_t;

struct Condition {
  enum Kind { kAlways, kNormal, kSurvival, kHours, kHolidays } kind = kAlways;
  bool negate = false;
  int index = -1;    // hours / holidays
  std::string text;  // as written: "not business"
};

struct Template {
  std::vector<TemplatePart> parts;
  std::string text;
};

struct Rewrite {
  RewriteAst::Kind kind = RewriteAst::kStrip;
  int count = 0;
  std::string a, b;
  Template tmpl;
  std::string text;  // "strip 1", "called +1$1"
};

struct Destination {
  enum Kind { kNone, kRoute, kTable, kRefuse, kGoto } kind = kNone;
  int index = -1;  // route list / table / context
  int cause = 0;
  std::string reason;
  std::string name;
};

struct Body {
  bool has_rewrites = false;
  std::vector<Rewrite> rewrites;
  bool has_as = false;
  NumberForm as = NumberForm::kInternal;
  bool has_calling = false;
  Template calling;
  bool has_categories = false;
  CategorySet categories = 0;
  bool has_dest = false;
  Destination dest;
};

struct Branch {
  Condition cond;
  Body body;  // only what the branch says; the rest comes from the rule
  SourcePos pos;
};

struct Rule {
  enum Kind { kPattern, kRegex, kOtherwise } kind = kPattern;
  int id = 0;
  Pattern pattern;
  std::shared_ptr<const Regex> regex;
  std::string text;  // the pattern as written ("/.../" for regexes)
  std::string name;
  Body base;
  std::vector<Branch> branches;
  int context = -1;  // where it is written
  SourcePos pos;
  std::vector<std::string> lint_ignore;
  int groups = 0;
  std::string where;          // "file:line", for decisions
  std::string label() const;  // "9NXXNXXXXXX (phones.dialplan:12)"
};

struct Format {
  Presentation presentation = Presentation::kE164;
  std::optional<Ton> ton;
  std::optional<Npi> npi;
};

struct Target {
  std::string name;
  TargetKind kind = TargetKind::kTrunkGroup;
  std::string address;
  Format called, calling;
  SourcePos pos;
};

struct RouteEntry {
  int target = -1;
  Condition cond;
  FailoverSet failover;
  SourcePos pos;
};

struct RouteList {
  std::string name;
  std::vector<RouteEntry> entries;
  SourcePos pos;
  bool implicit = false;  // made for a target named directly in a rule
};

struct CosClass {
  std::string name;
  bool has_allow = false;
  CategorySet allow = 0, deny = 0;
  int refuse_cause = 21;
  std::vector<Pattern> members;
  SourcePos pos;
};

struct Table {
  std::string name;
  std::string file;
  PrefixTable table;
  bool has_default = false;
  Destination default_dest;
  SourcePos pos;
};

struct Caller {
  Pattern pattern;
  Template calling;
  SourcePos pos;
};

struct ContextModel {
  std::string name, description;
  SourcePos pos;
  std::vector<int> includes;           // direct includes
  std::vector<SourcePos> include_pos;  // where each include is written
  std::vector<int> members;            // every rule in the merged table, own first
  RuleTrie trie;                       // pattern rules, own and included
  std::vector<int> regex_rules;        // in order: own, then includes
  int otherwise = -1;
  std::vector<Caller> callers;
  RuleTrie caller_trie;
  int default_class = -1;
  bool no_emergency = false;
  SourcePos no_emergency_pos;
  int emergency_route = -1;  // -1: the site's
  std::vector<std::string> lint_ignore;
  // Identical patterns where this context's own rule replaces an included one.
  std::vector<std::pair<int, int>> overridden;  // (loser, winner)
};

struct EmergencyNumber {
  std::string dialled;  // what the caller dials: "9911"
  std::string number;   // what is sent: "911"
  bool test = false;
  SourcePos pos;
};

struct TestSpec {
  SourcePos pos;
  Query query;
  std::string time_text;
  std::vector<ExpectAst> expects;
  std::string description;
};

struct PlanModel {
  NumberingPlan numbering;
  std::shared_ptr<const TimeZone> zone;
  std::vector<EmergencyNumber> emergency;
  int emergency_route = -1;
  SourcePos emergency_pos;
  std::string emergency_where;  // "file:line" of the emergency block
  std::vector<Target> targets;
  std::vector<RouteList> routes;
  std::vector<CosClass> classes;
  RuleTrie member_trie;           // calling-number patterns -> class
  std::vector<int> member_class;  // member trie id -> class
  int default_class = -1;
  std::vector<Hours> hours;
  std::vector<SourcePos> hours_pos;
  std::vector<std::unique_ptr<Holidays>> holidays;
  std::vector<std::unique_ptr<Table>> tables;
  std::vector<Destination> row_destinations;  // PrefixTable::Row::destination -> here
  std::vector<Rule> rules;
  std::vector<ContextModel> contexts;
  std::vector<std::string> categories;  // bit i -> name
  FailoverSet default_failover;
  std::vector<TestSpec> tests;
  PlanInfo info;

  int findContext(const std::string& name) const;
  int findRoute(const std::string& name) const;
  int findCategory(const std::string& name) const;
  std::vector<std::string> categoryNames(CategorySet s) const;
  bool holds(const Condition& c, const Query& q, std::string* why = nullptr) const;
};

// Builds the model from the syntax tree; problems go to `sink`. Returns null
// when there were errors.
std::unique_ptr<PlanModel> compilePlan(const PlanAst& ast, const PlanFileReader& read,
                                       const std::string& zoneinfoDir, DiagnosticSink& sink);

// The evaluation, with the winning rule for the linter ("" trace when null).
struct EvalDetail {
  bool skip_class = false;  // in: ignore class of service (the linter's probes)
  int rule = -1;            // deciding rule
  int entry_rule = -1;      // the rule that matched in the entry context
  bool emergency_preempted = false;
};
Decision evaluatePlan(const PlanModel& m, const Query& q, Trace* trace, EvalDetail* detail);

// Lint findings (warnings/notes, and errors for what is dangerous).
void lintPlan(const PlanModel& m, DiagnosticSink& sink);

// Inline tests.
std::vector<TestOutcome> runInlineTests(const PlanModel& m);
std::string describeTest(const TestSpec& t);
// Parses "2026-03-02T10:00", "...Z", "...-06:00": local time in `zone`
// unless an offset is given.
std::optional<core::WallTime> parseWhen(const std::string& s, const TimeZone& zone,
                                        std::string* error);

}  // namespace outpost::dialplan
