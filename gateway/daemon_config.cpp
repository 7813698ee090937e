#include "gateway/daemon_config.hpp"

#include <filesystem>

#include "core/strings.hpp"
#include "gateway/dialplan_service.hpp"

namespace outpost::gateway {

using core::SectionSpec;

core::ConfigSchema daemonSchema() {
  core::ConfigSchema schema;
  schema.add(SectionSpec{
      "general",
      false,
      false,
      true,
      "where the daemon keeps its state and how it logs",
      {
          core::stringKey("site", "the site's name, shown in status and logs"),
          core::pathKey("state_dir", "folder for the database and control socket"),
          core::pathKey("database", "SQLite file (relative to state_dir)"),
          core::pathKey("control_socket", "control socket (relative to state_dir)"),
          core::choiceKey("log_level",
                          {"trace", "debug", "info", "notice", "warning", "error", "critical"},
                          "lowest level logged"),
          core::choiceKey("log_target", {"stderr", "syslog"}, "where log lines go"),
      }});
  schema.add(dialplanSectionSpec());
  for (auto& spec : telephonySectionSpecs())
    schema.add(std::move(spec));
  return schema;
}

namespace {

std::string resolve(const std::string& base, const std::string& p) {
  if (p.empty() || p[0] == '/') return p;
  return (std::filesystem::path(base) / p).lexically_normal().string();
}

}  // namespace

core::Result<DaemonConfig> loadDaemonConfig(const std::string& path,
                                            const ConfigOverrides& overrides) {
  DaemonConfig cfg;
  core::Result<core::ConfigFile> file =
      path.empty() ? core::ConfigFile::parse(embeddedFile("outpost.conf"), "embedded:outpost.conf")
                   : core::ConfigFile::load(path);
  if (!file) return file.error();
  cfg.file = std::move(file).value();
  cfg.source = path.empty() ? "embedded:outpost.conf" : path;

  std::vector<std::string> problems = daemonSchema().check(cfg.file);
  if (!problems.empty()) return core::invalidArgument(core::join(problems, "\n"));

  const core::ConfigSection* g = cfg.file.find("general");
  GeneralSettings& s = cfg.general;
  auto site = g->getString("site", s.site);
  auto stateDir = g->getString("state_dir", s.state_dir);
  auto db = g->getString("database", "outpost.db");
  auto sock = g->getString("control_socket", "outpost.sock");
  auto level = g->getChoice("log_level", "info",
                            {"trace", "debug", "info", "notice", "warning", "error", "critical"});
  auto target = g->getChoice("log_target", "stderr", {"stderr", "syslog"});
  for (const core::Status& st : {site.status(), stateDir.status(), db.status(), sock.status(),
                                 level.status(), target.status()}) {
    if (!st) return st.error();
  }
  s.site = *site;
  s.state_dir = overrides.state_dir.empty() ? *stateDir : overrides.state_dir;
  s.state_dir = std::filesystem::absolute(s.state_dir).lexically_normal().string();
  s.database = resolve(s.state_dir, *db);
  s.control_socket = resolve(s.state_dir, *sock);
  std::string levelName = overrides.log_level.empty() ? *level : overrides.log_level;
  auto parsed = core::parseLogLevel(levelName);
  if (!parsed) return core::invalidArgument("--log-level: unknown level '" + levelName + "'");
  s.log_level = *parsed;
  s.log_target = *target == "syslog" ? core::LogTarget::kSyslog : core::LogTarget::kStderr;
  auto telephony = readTelephonySettings(cfg.file, s.state_dir);
  if (!telephony) return telephony.error();
  cfg.telephony = std::move(telephony).value();
  return cfg;
}

const char* embeddedFile(const std::string& name) {
  for (const auto& f : embeddedFiles()) {
    if (name == f.name) return f.text;
  }
  return "";
}

}  // namespace outpost::gateway
