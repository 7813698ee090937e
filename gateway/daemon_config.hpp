// The daemon's configuration: the schema of every section outpostd knows, and
// the typed settings read from it. Built on the control thread at start and at
// every reload; a DaemonConfig that exists has passed every check.
#pragma once

#include <string>
#include <vector>

#include "core/config.hpp"
#include "core/log.hpp"
#include "core/result.hpp"
#include "gateway/telephony.hpp"

namespace outpost::gateway {

struct GeneralSettings {
  std::string site = "outpost";
  std::string state_dir = "/var/lib/outpost";
  std::string database;        // absolute, resolved against state_dir
  std::string control_socket;  // absolute, resolved against state_dir
  core::LogLevel log_level = core::LogLevel::kInfo;
  core::LogTarget log_target = core::LogTarget::kStderr;
};

struct DaemonConfig {
  core::ConfigFile file;
  std::string source;  // the main file's path, or "embedded:outpost.conf"
  GeneralSettings general;
  TelephonySettings telephony;  // [sip] [peer] [span] [trunkgroup] [media] [calls]
};

struct ConfigOverrides {
  std::string state_dir;  // --state-dir
  std::string log_level;  // --log-level
};

core::ConfigSchema daemonSchema();

// Reads `path`, or the embedded default when `path` is empty. On failure the
// error message holds every problem, one "FILE:LINE: ..." per line.
core::Result<DaemonConfig> loadDaemonConfig(const std::string& path,
                                            const ConfigOverrides& overrides);

// The default configuration compiled into outpostd (etc/outpost/*).
struct EmbeddedFile {
  const char* name;
  const char* text;
};
const std::vector<EmbeddedFile>& embeddedFiles();
const char* embeddedFile(const std::string& name);

}  // namespace outpost::gateway
