// The dial plan as written: the parser's output, before names are resolved
// and patterns compiled. Every element keeps where it was written so the
// compiler, linter and inline tests can point at it. Internal to dialplan/;
// built and used on one thread.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/result.hpp"
#include "dialplan/diagnostic.hpp"
#include "dialplan/numbering.hpp"
#include "dialplan/schedule.hpp"

namespace outpost::dialplan {

struct Word {
  std::string text;
  SourcePos pos;
  int width = 1;
  bool quoted = false;
};

// $0..$9, ${called}, ${calling} and literal symbols.
struct TemplatePart {
  enum Kind { kLiteral, kGroup, kCalled, kCalling } kind = kLiteral;
  std::string literal;
  int group = 0;
};
struct TemplateAst {
  Word word;
  std::vector<TemplatePart> parts;
  int maxGroup() const;
};

struct RewriteAst {
  enum Kind { kStrip, kPrepend, kReplace, kTemplate } kind = kStrip;
  int count = 0;     // strip
  std::string a, b;  // prepend: a; replace: a -> b
  TemplateAst tmpl;  // called TEMPLATE
  Word word;         // the clause's keyword, for messages
};

struct DestAst {
  enum Kind { kRoute, kTable, kRefuse, kGoto } kind = kRoute;
  Word name;  // route list / target / table / context
  int cause = 0;
  std::string reason;
  SourcePos pos;
};

struct CondAst {
  bool negate = false;
  Word name;  // normal, survival, an hours or holidays name
};

struct BodyAst {
  bool has_rewrites = false;
  std::vector<RewriteAst> rewrites;
  std::optional<NumberForm> as;
  Word as_word;
  std::optional<TemplateAst> calling;
  bool has_categories = false;
  std::vector<Word> categories;
  std::optional<DestAst> dest;
};

struct BranchAst {
  CondAst cond;
  BodyAst body;
  SourcePos pos;
};

struct RuleAst {
  enum Kind { kPattern, kRegex, kOtherwise } kind = kPattern;
  Word pattern;  // regex text without the slashes, column of its first character
  std::string name;
  bool wildcards_any = false;
  BodyAst base;
  std::vector<BranchAst> branches;
  std::vector<std::string> lint_ignore;
  SourcePos pos;
  std::string context;
};

struct CallerAst {
  Word pattern;
  TemplateAst calling;
  SourcePos pos;
};

struct ExpectAst {
  enum Kind {
    kRoute,
    kTargets,
    kRefused,
    kEmergency,
    kNoMatch,
    kMoreDigits,
    kCalled,
    kCalling,
    kCategory,
    kSends  // sends TARGET CALLED [from CALLING]: the numbers as that target receives them
  } kind = kRoute;
  std::vector<Word> values;
  int cause = 0;  // kRefused: 0 = any cause
  SourcePos pos;
};

struct TestAst {
  SourcePos pos;
  Word number;
  std::optional<Word> from, context, cos, at, mode;
  bool overlap = false;
  std::vector<ExpectAst> expects;
  std::string block_context;  // the context block it sits in, if any
};

struct FailoverAst {
  bool present = false;
  std::vector<int> causes;
  bool down = false;
  SourcePos pos;
};

struct ContextAst {
  Word name;
  std::string description;
  std::vector<Word> includes;
  std::optional<Word> default_class;
  bool no_emergency = false;
  SourcePos no_emergency_pos;
  std::optional<Word> emergency_route;
  std::vector<RuleAst> rules;
  std::vector<CallerAst> callers;
  std::vector<std::string> lint_ignore;
  SourcePos pos;
};

struct FormatAst {
  bool present = false;
  Presentation presentation = Presentation::kE164;
  std::optional<Ton> ton;
  std::optional<Npi> npi;
  SourcePos pos;
};

struct TargetAst {
  Word name;
  enum Kind { kTrunk, kSip, kLocal } kind = kTrunk;
  std::string address;
  FormatAst called, calling;
  SourcePos pos;
};

struct RouteEntryAst {
  Word target;
  std::optional<CondAst> cond;
  FailoverAst failover;
  SourcePos pos;
};

struct RoutesAst {
  Word name;
  std::vector<RouteEntryAst> entries;
  SourcePos pos;
};

struct ClassAst {
  Word name;
  std::vector<Word> members;
  std::vector<Word> allow, deny;
  bool has_allow = false;
  int refuse_cause = 21;
  SourcePos pos;
};

struct OpenAst {
  unsigned days = 0;
  int from = 0, to = 0;
  SourcePos pos;
};

struct HoursAst {
  Word name;
  std::optional<Word> timezone;
  std::vector<OpenAst> open;
  std::vector<Word> closed;
  SourcePos pos;
};

struct HolidaysAst {
  Word name;
  std::vector<DateSpec> dates;
  SourcePos pos;
};

struct TableAst {
  Word name;
  Word file;
  std::string path;  // resolved against the declaring file
  std::optional<DestAst> default_dest;
  SourcePos pos;
};

struct SiteAst {
  bool present = false;
  std::string name;
  std::optional<Word> country, national_prefix, international_prefix, area_code, timezone,
      default_class;
  int national_length = 0;
  FailoverAst failover;
  std::vector<Word> premium, tollfree;
  SourcePos pos;
};

struct EmergencyAst {
  bool present = false;
  std::vector<Word> regions, numbers, test_numbers, outside_lines;
  std::optional<Word> route;
  SourcePos pos;
};

struct PlanAst {
  SiteAst site;
  EmergencyAst emergency;
  std::vector<TargetAst> targets;
  std::vector<RoutesAst> routes;
  std::vector<ClassAst> classes;
  std::vector<HoursAst> hours;
  std::vector<HolidaysAst> holidays;
  std::vector<TableAst> tables;
  std::vector<ContextAst> contexts;
  std::vector<TestAst> tests;
  std::vector<std::string> files;  // every plan file read, the main one first
};

// Reads a file of the plan (a .dialplan or a CSV table). The loader gives one
// over the filesystem; the daemon's embedded default gives one over memory.
using FileReader =
    std::function<core::Result<std::shared_ptr<const std::string>>(const std::string& path)>;

// Parses `mainPath` and everything it imports. Problems go to `sink`; the
// tree holds whatever parsed.
PlanAst parsePlan(const std::string& mainPath, const FileReader& read, DiagnosticSink& sink);

// Parses text already in memory under the name `name` (imports still go
// through `read`).
PlanAst parsePlanText(const std::string& name, std::shared_ptr<const std::string> text,
                      const FileReader& read, DiagnosticSink& sink);

// "dir/of/including/file" + "other.dialplan", unless absolute.
std::string resolveRelative(const std::string& fromFile, const std::string& path);

}  // namespace outpost::dialplan
