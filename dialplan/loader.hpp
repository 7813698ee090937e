// Loading a dial plan: parse, compile, lint, run the inline tests. A plan
// with any error (syntax, unknown names, an emergency number a rule could
// touch, a lint finding at error level, a failing inline test) is refused: the
// result carries the diagnostics and no plan, and whoever holds the live plan
// keeps it. Loading reads files and may take a while for big tables, so the
// daemon does it at start and on reload, never per call. Any thread; nothing
// shared.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/result.hpp"
#include "dialplan/diagnostic.hpp"
#include "dialplan/plan.hpp"

namespace outpost::dialplan {

// Reads one file of a plan (a .dialplan file or a CSV table).
using PlanFileReader =
    std::function<core::Result<std::shared_ptr<const std::string>>(const std::string& path)>;

// Reads from the filesystem.
PlanFileReader fileSystemReader();
// Reads from memory, by path; anything else falls through to `fallback`
// (none: "not found"). The daemon serves its embedded default this way.
PlanFileReader memoryReader(std::vector<std::pair<std::string, std::string>> files,
                            PlanFileReader fallback = nullptr);

struct LoadOptions {
  PlanFileReader reader;  // default: the filesystem
  bool run_tests = true;  // run the inline tests
  bool lint = true;       // run the linter
  bool warnings_are_errors = false;
  std::string zoneinfo_dir = "/usr/share/zoneinfo";
};

struct TestOutcome {
  SourcePos where;
  std::string description;  // "93125550100 from 4101 in phones"
  bool passed = false;
  std::string failure;  // what differed
  std::string trace;    // the evaluation's trace, when it failed
};

struct LoadResult {
  PlanPtr plan;                         // null when refused
  std::vector<Diagnostic> diagnostics;  // errors first, then warnings, notes
  std::vector<TestOutcome> tests;
  size_t errors = 0, warnings = 0, notes = 0;
  double load_ms = 0;

  bool ok() const { return plan != nullptr; }
  // Every diagnostic formatted, then a summary line:
  // "default.dialplan: 3 contexts, 24 rules, 31 tests passed; 0 errors, 0 warnings".
  std::string report(bool withNotes = false) const;
  // One line, for logs and control-socket replies.
  std::string summary() const;
};

LoadResult loadPlan(const std::string& path, const LoadOptions& options = {});
// Text already in memory, named `name` for messages (imports and tables are
// read through options.reader relative to `name`).
LoadResult loadPlanText(const std::string& name, const std::string& text,
                        const LoadOptions& options = {});

}  // namespace outpost::dialplan
