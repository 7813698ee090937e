#include "gateway/dialplan_service.hpp"

#include <filesystem>

#include "core/log.hpp"
#include "core/strings.hpp"
#include "dialplan/lexer.hpp"
#include "dialplan/model.hpp"
#include "dialplan/tracer.hpp"
#include "gateway/daemon_config.hpp"

namespace outpost::gateway {

namespace dp = outpost::dialplan;

namespace {
constexpr const char* kEmbeddedPrefix = "embedded:";
constexpr const char* kDefaultPlan = "default.dialplan";

// The embedded default plan and its tables, by name ("embedded:NAME" or NAME).
dp::PlanFileReader embeddedReader() {
  return [](const std::string& path) -> core::Result<std::shared_ptr<const std::string>> {
    std::string name = core::startsWith(path, kEmbeddedPrefix) ? path.substr(9) : path;
    for (const auto& f : embeddedFiles()) {
      if (name == f.name) return std::make_shared<const std::string>(f.text);
    }
    return core::notFound("no embedded file named '" + name + "'");
  };
}
}  // namespace

core::SectionSpec dialplanSectionSpec() {
  return core::SectionSpec{
      "dialplan",
      false,
      false,
      false,
      "the dial plan (docs/dialplan.md)",
      {core::pathKey("file", "the plan file, relative to this configuration file")}};
}

DialplanService::Where DialplanService::locate(const DaemonConfig& config) {
  Where w;
  std::string file = kDefaultPlan;
  bool fromConfig = false;
  if (const core::ConfigSection* s = config.file.find("dialplan")) {
    auto v = s->getString("file", kDefaultPlan);
    if (!v) {
      w.error = v.error().message;
      return w;
    }
    file = *v;
    fromConfig = true;
  }
  const bool embeddedConfig = core::startsWith(config.source, kEmbeddedPrefix);
  if (!fromConfig || (embeddedConfig && file[0] != '/')) {
    // No [dialplan] (or the embedded configuration naming an embedded plan).
    w.embedded = true;
    w.path = kEmbeddedPrefix + file;
    return w;
  }
  w.path = dp::resolveRelative(config.source, file);
  return w;
}

const dp::LoadResult& DialplanService::load(const DaemonConfig& config, const std::string& why) {
  config_ = &config;
  Where w = locate(config);
  auto run = [&]() {
    if (!w.error.empty()) {
      dp::LoadResult r;
      dp::Diagnostic d;
      d.message = w.error;
      d.code = "config";
      r.diagnostics.push_back(d);
      r.errors = 1;
      return r;
    }
    dp::LoadOptions opt;
    if (w.embedded) opt.reader = embeddedReader();
    return dp::loadPlan(w.path, opt);
  };
  const dp::LoadResult& r = live_.reload(run, clock_.wallNow());
  if (r.ok()) {
    source_ = w.path;
    OUTPOST_LOG(Notice, "dialplan")
        << "loaded (" << why << ") " << r.summary() << ", fingerprint "
        << r.plan->info().fingerprint << ", " << static_cast<int>(r.load_ms) << " ms";
    for (const auto& d : r.diagnostics) {
      if (d.severity == dp::Severity::kWarning) OUTPOST_LOG(Warning, "dialplan") << d.headline();
    }
  } else {
    OUTPOST_LOG(Error, "dialplan")
        << "plan " << w.path << " refused (" << why << ")"
        << (live_.current() ? ", the running plan stays" : "") << ": " << r.summary();
  }
  return r;
}

void DialplanService::registerCommands(core::ControlServer& server, const DaemonConfig& config) {
  config_ = &config;
  server.addCommand("dialplan test",
                    "dialplan test NUMBER --context C [--from N] [--class C] [--time T] [--mode "
                    "survival] [--overlap]",
                    "trace how NUMBER routes in the live dial plan",
                    [this](const core::ControlRequest& req) {
                      dp::PlanPtr p = plan();
                      if (!p) return core::ControlReply::failure("no dial plan is loaded");
                      auto pos = req.positional({"context", "from", "class", "time", "mode"});
                      if (pos.size() != 1) {
                        return core::ControlReply::failure(
                            "usage: dialplan test NUMBER --context C [--from N] [--class C] "
                            "[--time T] [--mode survival]");
                      }
                      dp::TestRequest tr;
                      tr.number = pos[0];
                      tr.context = req.option("context").value_or("");
                      tr.from = req.option("from").value_or("");
                      tr.caller_class = req.option("class").value_or("");
                      tr.time = req.option("time").value_or("");
                      tr.mode = req.option("mode").value_or("");
                      tr.overlap = req.flag("overlap");
                      auto q = dp::makeQuery(*p, tr, clock_.wallNow());
                      if (!q) return core::ControlReply::failure(q.error().message);
                      core::ControlReply r = core::ControlReply::success(dp::traceJson(*p, *q));
                      r.text = dp::traceText(*p, *q);
                      return r;
                    });
  server.addCommand(
      "dialplan reload", "dialplan reload",
      "reload the dial plan file; a plan that fails to load is refused and the running one stays",
      [this](const core::ControlRequest&) {
        const dp::LoadResult& r = load(*config_, "control socket");
        if (!r.ok()) {
          std::string first = r.diagnostics.empty() ? "" : r.diagnostics.front().headline();
          return core::ControlReply::failure(
              "dial plan refused, the running plan stays: " + first + " (" +
              std::to_string(r.errors) + " error(s); 'outpostctl dialplan check FILE' lists them)");
        }
        core::ControlReply ok =
            core::ControlReply::success({{"reloaded", true},
                                         {"source", source_},
                                         {"fingerprint", r.plan->info().fingerprint},
                                         {"summary", r.summary()}});
        ok.text = "reloaded " + r.summary() + ", fingerprint " + r.plan->info().fingerprint + "\n";
        return ok;
      });
  server.addCommand("dialplan status", "dialplan status",
                    "the live dial plan: source, fingerprint, counts",
                    [this](const core::ControlRequest&) {
                      core::SubsystemStatus s = status();
                      return core::ControlReply::success(s.facts);
                    });
}

core::SubsystemStatus DialplanService::status() const {
  core::SubsystemStatus s;
  dp::PlanPtr p = plan();
  auto st = live_.stats();
  if (!p) {
    s.health = core::Health::kDown;
    s.detail = "no plan: " + st.last_error;
    return s;
  }
  const auto& i = p->info();
  s.health = st.last_error.empty() ? core::Health::kUp : core::Health::kDegraded;
  s.detail = source_ + ", " + std::to_string(i.contexts) + " contexts, " + std::to_string(i.rules) +
             " rules, " + std::to_string(i.tests) + " tests";
  if (!st.last_error.empty()) s.detail += "; last reload refused: " + st.last_error;
  std::vector<std::string> files;
  for (const auto& f : i.files)
    files.push_back(dp::validUtf8(f));
  s.facts = {{"source", dp::validUtf8(source_)},
             {"fingerprint", i.fingerprint},
             {"files", files},
             {"contexts", i.contexts},
             {"rules", i.rules},
             {"table_rows", i.table_rows},
             {"tests", i.tests},
             {"emergency_numbers", i.emergency_numbers},
             {"loaded_at", core::formatUtc(st.loaded_at)},
             {"loads", st.loads},
             {"refused", st.refused},
             {"last_error", dp::validUtf8(st.last_error)}};
  return s;
}

}  // namespace outpost::gateway
