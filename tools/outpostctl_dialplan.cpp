#include "tools/outpostctl_dialplan.hpp"

#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <iterator>
#include <map>
#include <nlohmann/json.hpp>

#include "core/clock.hpp"
#include "core/control_socket.hpp"
#include "core/store.hpp"
#include "core/strings.hpp"
#include "dialplan/diff.hpp"
#include "dialplan/loader.hpp"
#include "dialplan/model.hpp"
#include "dialplan/tracer.hpp"

namespace outpost::tools {

namespace dp = outpost::dialplan;

const char* dialplanUsage() {
  return "  dialplan check FILE [--strict] [--notes]\n"
         "                       compile, lint and run the inline tests of a plan file\n"
         "                       (offline); exit 0 when it would load, 1 when refused\n"
         "  dialplan test NUMBER --context C [--from N] [--class C] [--time T]\n"
         "                [--mode survival] [--overlap] [--plan FILE]\n"
         "                       trace how NUMBER routes: in FILE (offline), else in the\n"
         "                       daemon's live plan\n"
         "  dialplan diff OLD NEW [--numbers FILE] [--db DATABASE] [--limit N]\n"
         "                [--mode normal|survival] [--time T]\n"
         "                       numbers that route differently (default: the numbers of\n"
         "                       recent CDRs and of both plans' inline tests); exit 0 none,\n"
         "                       1 some differ\n"
         "  dialplan reload      reload the daemon's plan (a bad one is refused)\n"
         "  dialplan status      the daemon's live plan: source, fingerprint, counts\n";
}

namespace {

// Options of the form --name VALUE; flags listed in `flags` take no value.
struct Args {
  std::vector<std::string> positional;
  std::map<std::string, std::string> options;
  std::string error;
};

Args parseArgs(const std::vector<std::string>& words, size_t from,
               const std::vector<std::string>& valued, const std::vector<std::string>& flags) {
  Args a;
  for (size_t i = from; i < words.size(); ++i) {
    const std::string& w = words[i];
    if (core::startsWith(w, "--")) {
      std::string name = w.substr(2), value;
      size_t eq = name.find('=');
      if (eq != std::string::npos) {
        value = name.substr(eq + 1);
        name = name.substr(0, eq);
      }
      bool isValued = std::find(valued.begin(), valued.end(), name) != valued.end();
      bool isFlag = std::find(flags.begin(), flags.end(), name) != flags.end();
      if (!isValued && !isFlag) {
        std::vector<std::string> all = valued;
        all.insert(all.end(), flags.begin(), flags.end());
        a.error = "unknown option --" + name;
        if (auto s = core::suggest(name, all)) a.error += " (did you mean --" + *s + "?)";
        return a;
      }
      if (isValued && eq == std::string::npos) {
        if (i + 1 >= words.size()) {
          a.error = "--" + name + " needs a value";
          return a;
        }
        value = words[++i];
      }
      a.options[name] = isFlag ? "1" : value;
    } else {
      a.positional.push_back(w);
    }
  }
  return a;
}

int usageError(const std::string& msg) {
  std::fprintf(stderr, "outpostctl: %s\nusage:\n%s", msg.c_str(), dialplanUsage());
  return 2;
}

int check(const std::vector<std::string>& words, bool json) {
  Args a = parseArgs(words, 2, {}, {"strict", "notes"});
  if (!a.error.empty()) return usageError(a.error);
  if (a.positional.size() != 1) return usageError("dialplan check takes one FILE");
  dp::LoadOptions opt;
  opt.warnings_are_errors = a.options.count("strict") > 0;
  dp::LoadResult r = dp::loadPlan(a.positional[0], opt);
  if (json) {
    nlohmann::json diags = nlohmann::json::array();
    for (const auto& d : r.diagnostics) {
      diags.push_back({{"severity", dp::severityName(d.severity)},
                       {"code", d.code},
                       {"file", d.where.file},
                       {"line", d.where.line},
                       {"column", d.where.column},
                       {"message", d.message},
                       {"hint", d.hint}});
    }
    size_t passed = 0;
    for (const auto& t : r.tests)
      passed += t.passed;
    nlohmann::json j = {{"ok", r.ok()},         {"errors", r.errors},      {"warnings", r.warnings},
                        {"notes", r.notes},     {"tests", r.tests.size()}, {"tests_passed", passed},
                        {"diagnostics", diags}, {"summary", r.summary()}};
    std::printf("%s\n", j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
  } else {
    std::string rep = r.report(a.options.count("notes") > 0);
    std::fputs(rep.c_str(), r.ok() ? stdout : stderr);
  }
  return r.ok() ? 0 : 1;
}

dp::PlanPtr loadOrReport(const std::string& path) {
  dp::LoadResult r = dp::loadPlan(path);
  if (!r.ok()) {
    std::fputs(r.report().c_str(), stderr);
    std::fprintf(stderr, "outpostctl: %s is refused; fix it first (outpostctl dialplan check %s)\n",
                 path.c_str(), path.c_str());
  }
  return r.plan;
}

int test(const std::vector<std::string>& words, bool json) {
  Args a = parseArgs(words, 2, {"context", "from", "class", "time", "mode", "plan"}, {"overlap"});
  if (!a.error.empty()) return usageError(a.error);
  if (a.positional.size() != 1) return usageError("dialplan test takes one NUMBER");
  dp::PlanPtr plan = loadOrReport(a.options["plan"]);
  if (!plan) return 1;
  dp::TestRequest req;
  req.number = a.positional[0];
  req.context = a.options["context"];
  req.from = a.options["from"];
  req.caller_class = a.options["class"];
  req.time = a.options["time"];
  req.mode = a.options["mode"];
  req.overlap = a.options.count("overlap") > 0;
  auto q = dp::makeQuery(*plan, req, core::SystemClock::instance().wallNow());
  if (!q) {
    std::fprintf(stderr, "outpostctl: %s\n", q.error().message.c_str());
    return 2;
  }
  if (json) {
    std::printf("%s\n", dp::traceJson(*plan, *q)
                            .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)
                            .c_str());
  } else {
    std::fputs(dp::traceText(*plan, *q).c_str(), stdout);
  }
  return 0;
}

// The daemon's database, when a daemon answers and says where it is.
std::string daemonDatabase(const std::string& socket) {
  auto client = core::ControlClient::connect(socket, std::chrono::milliseconds(500));
  if (!client) return "";
  auto resp = client->request("status --json", std::chrono::seconds(5));
  if (!resp || !resp->ok) return "";
  auto j = nlohmann::json::parse(resp->body(), nullptr, false);
  if (j.is_discarded() || !j.contains("database")) return "";
  return j["database"].get<std::string>();
}

int diff(const std::vector<std::string>& words, bool json, const std::string& socket) {
  Args a = parseArgs(words, 2, {"numbers", "db", "limit", "mode", "time"}, {});
  if (!a.error.empty()) return usageError(a.error);
  if (a.positional.size() != 2) return usageError("dialplan diff takes two files: OLD NEW");
  dp::PlanPtr before = loadOrReport(a.positional[0]);
  if (!before) return 2;
  dp::PlanPtr after = loadOrReport(a.positional[1]);
  if (!after) return 2;
  std::vector<dp::DiffCase> cases;
  std::vector<std::string> sources;
  if (a.options.count("numbers")) {
    const std::string& path = a.options["numbers"];
    std::ifstream in(path);
    if (!in) {
      std::fprintf(stderr, "outpostctl: cannot read %s\n", path.c_str());
      return 2;
    }
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    auto parsed = dp::parseNumberList(text, path);
    if (!parsed) {
      std::fprintf(stderr, "outpostctl: %s\n", parsed.error().message.c_str());
      return 2;
    }
    cases = std::move(parsed).value();
    sources.push_back(std::to_string(cases.size()) + " from " + path);
  } else {
    // The numbers people actually dial: recent CDRs, when there are any.
    std::string db = a.options.count("db") ? a.options["db"] : daemonDatabase(socket);
    if (db.empty()) db = "/var/lib/outpost/outpost.db";
    long long limit = 1000;
    if (a.options.count("limit")) {
      auto v = core::parseInt(a.options["limit"]);
      if (!v || *v <= 0) return usageError("--limit needs a positive number");
      limit = *v;
    }
    size_t fromCdrs = 0;
    if (::access(db.c_str(), R_OK) == 0) {
      auto d = core::Database::open(db, core::Database::Mode::kReadOnly);
      if (d) {
        auto has = d->prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'cdrs'");
        bool table = false;
        if (has) {
          auto row = has->step();
          table = row && *row;
        }
        if (table) {
          auto st = d->prepare(
              "SELECT DISTINCT context, called_in, calling_in FROM "
              "(SELECT context, called_in, calling_in FROM cdrs ORDER BY id DESC LIMIT ?)");
          if (st) {
            st->bind(1, static_cast<int64_t>(limit));
            for (;;) {
              auto row = st->step();
              if (!row || !*row) break;
              cases.push_back({st->columnText(0), st->columnText(1), st->columnText(2)});
              ++fromCdrs;
            }
          }
        }
      }
    }
    sources.push_back(std::to_string(fromCdrs) + " from the CDRs in " + db);
    size_t n = cases.size();
    for (const auto& p : {before, after}) {
      auto t = dp::casesFromTests(*p);
      cases.insert(cases.end(), t.begin(), t.end());
    }
    sources.push_back(std::to_string(cases.size() - n) + " from the plans' inline tests");
  }
  std::vector<dp::Mode> modes{dp::Mode::kNormal, dp::Mode::kSurvival};
  if (a.options.count("mode")) {
    if (a.options["mode"] == "normal")
      modes = {dp::Mode::kNormal};
    else if (a.options["mode"] == "survival")
      modes = {dp::Mode::kSurvival};
    else
      return usageError("--mode is normal or survival");
  }
  core::WallTime at = core::SystemClock::instance().wallNow();
  if (a.options.count("time")) {
    std::string problem;
    auto t = dp::parseWhen(a.options["time"], *after->model().zone, &problem);
    if (!t) return usageError("--time: " + problem);
    at = *t;
  }
  dp::DiffResult r = dp::diffPlans(*before, *after, cases, modes, at);
  if (json) {
    nlohmann::json changed = nlohmann::json::array();
    for (const auto& e : r.changed) {
      changed.push_back({{"context", e.c.context},
                         {"called", e.c.called},
                         {"calling", e.c.calling},
                         {"mode", dp::modeName(e.mode)},
                         {"before", dp::toJson(e.before)},
                         {"after", dp::toJson(e.after)}});
    }
    std::printf("%s\n", nlohmann::json(
                            {{"compared", r.compared}, {"changed", changed}, {"sources", sources}})
                            .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)
                            .c_str());
  } else {
    std::printf("numbers: %s\n", core::join(sources, ", ").c_str());
    for (const auto& e : r.changed)
      std::printf("%s\n", dp::describeChange(e).c_str());
    std::printf("%zu of %zu evaluations route differently\n", r.changed.size(), r.compared);
  }
  return r.changed.empty() ? 0 : 1;
}

}  // namespace

std::optional<int> runDialplanOffline(const std::vector<std::string>& words, bool json,
                                      const std::string& socket) {
  if (words.size() < 2) return usageError("dialplan needs a command");
  const std::string& cmd = words[1];
  if (cmd == "check") return check(words, json);
  if (cmd == "diff") return diff(words, json, socket);
  if (cmd == "test") {
    for (const auto& w : words) {
      if (w == "--plan" || core::startsWith(w, "--plan=")) return test(words, json);
    }
    return std::nullopt;
  }
  if (cmd == "reload" || cmd == "status") return std::nullopt;
  std::string msg = "unknown dialplan command '" + cmd + "'";
  if (auto s = core::suggest(cmd, {"check", "test", "diff", "reload", "status"}))
    msg += " (did you mean '" + *s + "'?)";
  return usageError(msg);
}

}  // namespace outpost::tools
