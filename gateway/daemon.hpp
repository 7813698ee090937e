// outpostd: the daemon that wires the parts together. It loads and checks the
// configuration, opens the store, serves the control socket, handles signals
// (TERM/INT stop, HUP reloads) and speaks sd_notify. Construct and run() it on
// the main thread; it becomes the control thread.
#pragma once

#include <memory>
#include <string>

#include "core/clock.hpp"
#include "core/control_socket.hpp"
#include "core/event_loop.hpp"
#include "core/store.hpp"
#include "core/subsystems.hpp"
#include "gateway/daemon_config.hpp"
#include "gateway/dialplan_service.hpp"

namespace outpost::gateway {

struct DaemonOptions {
  std::string config_path;  // empty: the embedded default
  ConfigOverrides overrides;
  bool check_only = false;
};

class Daemon {
 public:
  explicit Daemon(DaemonOptions options);
  ~Daemon();
  // Returns the process exit code: 0 clean stop, 1 start-up failure, 2 bad
  // configuration.
  int run();

 private:
  int start();
  void reload(const std::string& why);
  void requestStop(const std::string& why);
  void registerCommands();
  void registerSubsystems();
  nlohmann::json statusJson() const;
  void onSignal();

  DaemonOptions options_;
  DaemonConfig config_;
  core::SofiaInit sofia_;
  std::unique_ptr<core::EventLoop> loop_;
  std::unique_ptr<core::StoreWriter> store_;
  std::unique_ptr<core::ControlServer> control_;
  std::unique_ptr<DialplanService> dialplan_;
  std::unique_ptr<Telephony> telephony_;
  core::SubsystemRegistry subsystems_;
  core::UniqueFd signal_fd_;
  core::FdWatch signal_watch_;
  core::Timer watchdog_;
  core::TimePoint started_{};
  core::WallTime started_wall_{};
  int64_t run_id_ = 0;
  int reloads_ = 0;
  int failed_reloads_ = 0;
  std::string last_reload_error_;
  std::string stop_reason_;
  std::string previous_run_;
};

}  // namespace outpost::gateway
