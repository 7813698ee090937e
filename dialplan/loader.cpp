#include "dialplan/loader.hpp"

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "core/strings.hpp"
#include "dialplan/model.hpp"

namespace outpost::dialplan {

PlanFileReader fileSystemReader() {
  return [](const std::string& path) -> core::Result<std::shared_ptr<const std::string>> {
    // Only regular files: reading a directory makes libstdc++ throw.
    std::error_code ec;
    if (std::filesystem::is_directory(path, ec))
      return core::invalidArgument(path + ": is a directory");
    std::ifstream in(path, std::ios::binary);
    if (!in) return core::errnoError(path, errno);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (in.bad()) return core::errnoError(path, errno);
    return std::make_shared<const std::string>(std::move(text));
  };
}

PlanFileReader memoryReader(std::vector<std::pair<std::string, std::string>> files,
                            PlanFileReader fallback) {
  auto shared =
      std::make_shared<std::vector<std::pair<std::string, std::shared_ptr<const std::string>>>>();
  for (auto& [name, text] : files) {
    shared->emplace_back(name, std::make_shared<const std::string>(std::move(text)));
  }
  return [shared,
          fallback](const std::string& path) -> core::Result<std::shared_ptr<const std::string>> {
    for (const auto& [name, text] : *shared) {
      if (name == path) return text;
    }
    if (fallback) return fallback(path);
    return core::notFound("No such file or directory");
  };
}

namespace {

uint64_t fnv1a(uint64_t h, const std::string& s) {
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

LoadResult finish(const std::string& name, std::shared_ptr<const std::string> text,
                  const LoadOptions& opt) {
  auto start = std::chrono::steady_clock::now();
  LoadResult res;
  DiagnosticSink sink;
  // Every file read goes into the fingerprint, so status can tell two loads
  // of the same plan from a changed one.
  uint64_t hash = 1469598103934665603ull;
  PlanFileReader base = opt.reader ? opt.reader : fileSystemReader();
  PlanFileReader reader = [&](const std::string& path) {
    auto r = base(path);
    if (r) hash = fnv1a(hash, **r);
    return r;
  };
  PlanAst ast;
  if (text) {
    hash = fnv1a(hash, *text);
    ast = parsePlanText(name, text, reader, sink);
  } else {
    ast = parsePlan(name, reader, sink);
  }
  std::unique_ptr<PlanModel> model;
  if (sink.errorCount() == 0) model = compilePlan(ast, reader, opt.zoneinfo_dir, sink);
  if (model && opt.lint) lintPlan(*model, sink);
  if (model && opt.run_tests && sink.errorCount() == 0) {
    res.tests = runInlineTests(*model);
    for (const auto& t : res.tests) {
      if (!t.passed)
        sink.error("test", t.where, "test failed: " + t.description + ": " + t.failure);
    }
  }
  res.diagnostics = sink.take();
  sortDiagnostics(res.diagnostics);
  for (const auto& d : res.diagnostics) {
    if (d.severity == Severity::kError)
      ++res.errors;
    else if (d.severity == Severity::kWarning)
      ++res.warnings;
    else
      ++res.notes;
  }
  bool refuse = res.errors > 0 || (opt.warnings_are_errors && res.warnings > 0);
  if (model && !refuse) {
    char fp[17];
    std::snprintf(fp, sizeof fp, "%016llx", static_cast<unsigned long long>(hash));
    model->info.fingerprint = fp;
    res.plan = std::make_shared<const Plan>(std::move(model));
  }
  res.load_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  return res;
}

}  // namespace

LoadResult loadPlan(const std::string& path, const LoadOptions& options) {
  return finish(path, nullptr, options);
}

LoadResult loadPlanText(const std::string& name, const std::string& text,
                        const LoadOptions& options) {
  return finish(name, std::make_shared<const std::string>(text), options);
}

std::string LoadResult::summary() const {
  std::string s;
  if (plan) {
    const PlanInfo& i = plan->info();
    size_t passed = 0;
    for (const auto& t : tests)
      passed += t.passed;
    s = i.source + ": " + std::to_string(i.contexts) + " contexts, " + std::to_string(i.rules) +
        " rules";
    if (i.table_rows) s += ", " + std::to_string(i.table_rows) + " table rows";
    s += ", " + std::to_string(passed) + " tests passed";
  } else {
    s = "refused";
  }
  s += "; " + std::to_string(errors) + (errors == 1 ? " error, " : " errors, ") +
       std::to_string(warnings) + (warnings == 1 ? " warning" : " warnings");
  if (!plan && !diagnostics.empty()) s += "; first: " + diagnostics.front().headline();
  return s;
}

std::string LoadResult::report(bool withNotes) const {
  std::string out;
  for (const auto& d : diagnostics) {
    if (d.severity == Severity::kNote && !withNotes) continue;
    out += d.format() + "\n";
    if (d.code == "test") {
      for (const auto& t : tests) {
        if (!t.passed && t.where == d.where) {
          for (const auto& line : core::split(t.trace, '\n'))
            out += "    | " + line + "\n";
        }
      }
    }
  }
  out += summary() + "\n";
  return out;
}

}  // namespace outpost::dialplan
