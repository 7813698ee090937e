// The daemon's dial plan: loads the plan that [dialplan] names (or the
// embedded default), keeps it live for call control, reloads it on SIGHUP and
// `outpostctl dialplan reload` (a refused plan leaves the running one live),
// and answers `dialplan test` and `dialplan status` on the control socket.
// Owned by the Daemon; every method runs on the control thread, except plan(),
// which any thread may call.
#pragma once

#include <memory>
#include <string>

#include "core/clock.hpp"
#include "core/config.hpp"
#include "core/control_socket.hpp"
#include "core/subsystems.hpp"
#include "dialplan/live_plan.hpp"

namespace outpost::gateway {

struct DaemonConfig;

// [dialplan] file = PATH (relative to the configuration file; for the embedded
// configuration, a name among the embedded files). Absent: the embedded
// default plan.
core::SectionSpec dialplanSectionSpec();

class DialplanService {
 public:
  explicit DialplanService(const core::Clock& clock) : clock_(clock) {}

  // Loads the plan the configuration names. Returns the load's result; when
  // it is refused the previous plan (if any) stays live.
  const dialplan::LoadResult& load(const DaemonConfig& config, const std::string& why);
  // The live plan: call control copies it once per call.
  dialplan::PlanPtr plan() const { return live_.current(); }
  const std::string& source() const { return source_; }

  void registerCommands(core::ControlServer& server, const DaemonConfig& config);
  core::SubsystemStatus status() const;

 private:
  struct Where {
    std::string path;
    bool embedded = false;
    std::string error;
  };
  static Where locate(const DaemonConfig& config);

  const core::Clock& clock_;
  dialplan::LivePlan live_;
  std::string source_;
  const DaemonConfig* config_ = nullptr;  // the daemon's, for `dialplan reload`
};

}  // namespace outpost::gateway
