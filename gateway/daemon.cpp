#include "gateway/daemon.hpp"

#include <signal.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <future>

#include "core/log.hpp"
#include "core/sd_notify.hpp"
#include "core/version.hpp"
#include "gateway/schema.hpp"

namespace outpost::gateway {

using core::ControlReply;
using core::ControlRequest;
using core::Health;
using core::SubsystemStatus;

Daemon::Daemon(DaemonOptions options) : options_(std::move(options)) {}

Daemon::~Daemon() = default;

int Daemon::run() {
  auto cfg = loadDaemonConfig(options_.config_path, options_.overrides);
  if (!cfg) {
    // One line per problem, FILE:LINE first, so editors and scripts can jump.
    std::fprintf(stderr, "%s\n", cfg.error().message.c_str());
    return 2;
  }
  config_ = std::move(cfg).value();
  // The dial plan is configuration too: a refused plan stops the start.
  dialplan_ = std::make_unique<DialplanService>(core::SystemClock::instance());
  if (const auto& plan = dialplan_->load(config_, "start"); !plan.ok()) {
    std::fprintf(stderr, "%s", plan.report().c_str());
    return 2;
  }
  if (options_.check_only) {
    std::printf("%s: configuration OK\n", config_.source.c_str());
    return 0;
  }
  return start();
}

int Daemon::start() {
  auto& log = core::Logger::instance();
  log.setLevel(config_.general.log_level);
  log.setTarget(config_.general.log_target);

  // Signals arrive through the loop, never in a handler; block them before
  // any thread starts so every thread inherits the mask.
  sigset_t mask;
  sigemptyset(&mask);
  sigaddset(&mask, SIGTERM);
  sigaddset(&mask, SIGINT);
  sigaddset(&mask, SIGHUP);
  // A parent may have left these ignored (a shell's background job ignores
  // SIGINT); an ignored signal never reaches the signalfd, so reset them.
  for (int sig : {SIGTERM, SIGINT, SIGHUP})
    ::signal(sig, SIG_DFL);
  pthread_sigmask(SIG_BLOCK, &mask, nullptr);
  ::signal(SIGPIPE, SIG_IGN);
  signal_fd_.reset(::signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC));

  loop_ = std::make_unique<core::EventLoop>();
  started_ = loop_->clock().now();
  started_wall_ = loop_->clock().wallNow();
  signal_watch_ =
      loop_->watchFd(signal_fd_.get(), core::kReadable, [this](unsigned) { onSignal(); });

  const auto& g = config_.general;
  std::error_code ec;
  std::filesystem::create_directories(g.state_dir, ec);
  if (ec) {
    OUTPOST_LOG(Critical, "daemon")
        << "cannot create state_dir " << g.state_dir << ": " << ec.message();
    return 1;
  }
  auto store = core::StoreWriter::start(g.database, schemaMigrations());
  if (!store) {
    OUTPOST_LOG(Critical, "daemon") << "cannot open the store: " << store.error().message;
    return 1;
  }
  store_ = std::move(store).value();

  // Was the previous run stopped cleanly? An admin wants to know about crashes.
  if (auto db = core::Database::open(g.database, core::Database::Mode::kReadOnly)) {
    if (auto st = db->prepare("SELECT started_at, stopped_at, stop_reason FROM daemon_runs ORDER "
                              "BY id DESC LIMIT 1")) {
      if (auto row = st->step(); row && *row) {
        previous_run_ = st->columnIsNull(1)
                            ? "started " + st->columnText(0) + ", did not stop cleanly"
                            : "stopped " + st->columnText(1) + " (" + st->columnText(2) + ")";
        if (st->columnIsNull(1)) {
          OUTPOST_LOG(Warning, "daemon") << "previous run " << previous_run_;
        }
      }
    }
  }
  std::promise<int64_t> idPromise;
  auto idFuture = idPromise.get_future();
  std::string startedAt = core::formatUtc(started_wall_);
  std::string source = config_.source;
  store_->submit(
      [&idPromise, startedAt, source](core::Database& db) -> core::Status {
        auto st = db.cached(
            "INSERT INTO daemon_runs(started_at, version, pid, config) VALUES (?, ?, ?, ?)");
        if (!st) return st.status();
        (*st)->bindAll(startedAt, core::version(), static_cast<int64_t>(::getpid()), source);
        core::Status s = (*st)->run();
        idPromise.set_value(s ? db.lastInsertRowid() : 0);
        return s;
      },
      core::Durability::kCritical);
  run_id_ = idFuture.get();

  control_ = std::make_unique<core::ControlServer>(*loop_);
  if (core::Status s = control_->listen(g.control_socket); !s) {
    OUTPOST_LOG(Critical, "daemon") << "control socket: " << s.message();
    return 1;
  }
  telephony_ = std::make_unique<Telephony>(*loop_, *store_, config_.telephony,
                                           [this] { return dialplan_->plan(); });
  if (core::Status s = telephony_->start(); !s) {
    OUTPOST_LOG(Critical, "daemon") << "cannot start the gateway: " << s.message();
    return 1;
  }
  registerCommands();
  registerSubsystems();

  if (auto interval = core::sdWatchdogInterval()) {
    // The watchdog is fed from the loop itself: a wedged control thread stops
    // feeding it and systemd restarts us.
    watchdog_ = loop_->every(*interval, [] { (void)core::sdNotify("WATCHDOG=1"); });
  }
  OUTPOST_LOG(Notice, "daemon") << "outpostd " << core::version() << " serving site '" << g.site
                                << "' (config " << config_.source << ", database " << g.database
                                << ", control " << g.control_socket << ")";
  (void)core::sdNotify("READY=1\nSTATUS=serving " + g.site);

  loop_->run();

  (void)core::sdNotify("STOPPING=1\nSTATUS=stopping: " + stop_reason_);
  OUTPOST_LOG(Notice, "daemon") << "stopping: " << stop_reason_;
  // Calls end first, so every CDR is queued before the store stops.
  bool telephonyDown = false;
  telephony_->shutdown([&telephonyDown] { telephonyDown = true; });
  loop_->resume();
  if (!loop_->runUntil([&] { return telephonyDown; }, std::chrono::seconds(10))) {
    OUTPOST_LOG(Warning, "daemon") << "calls did not all end within 10s";
  }
  telephony_.reset();
  control_.reset();
  std::string stoppedAt = core::formatUtc(loop_->clock().wallNow());
  int64_t runId = run_id_;
  std::string reason = stop_reason_;
  store_->submit(
      [=](core::Database& db) -> core::Status {
        auto st = db.cached("UPDATE daemon_runs SET stopped_at = ?, stop_reason = ? WHERE id = ?");
        if (!st) return st.status();
        (*st)->bindAll(stoppedAt, reason, runId);
        return (*st)->run();
      },
      core::Durability::kCritical);
  store_->flush();
  store_->stop();
  OUTPOST_LOG(Notice, "daemon") << "stopped cleanly";
  return 0;
}

void Daemon::onSignal() {
  signalfd_siginfo si;
  while (::read(signal_fd_.get(), &si, sizeof si) == static_cast<ssize_t>(sizeof si)) {
    switch (si.ssi_signo) {
      case SIGHUP:
        reload("SIGHUP");
        break;
      case SIGTERM:
        requestStop("SIGTERM");
        break;
      case SIGINT:
        requestStop("SIGINT");
        break;
      default:
        break;
    }
  }
}

void Daemon::requestStop(const std::string& why) {
  if (stop_reason_.empty()) stop_reason_ = why;
  loop_->stop();
}

void Daemon::reload(const std::string& why) {
  auto now = std::chrono::duration_cast<std::chrono::microseconds>(
                 std::chrono::steady_clock::now().time_since_epoch())
                 .count();
  (void)core::sdNotify("RELOADING=1\nMONOTONIC_USEC=" + std::to_string(now));
  auto cfg = loadDaemonConfig(options_.config_path, options_.overrides);
  if (!cfg) {
    ++failed_reloads_;
    last_reload_error_ = cfg.error().message;
    OUTPOST_LOG(Error, "daemon") << "reload (" << why << ") refused, keeping the running "
                                 << "configuration: " << last_reload_error_;
    (void)core::sdNotify("READY=1\nSTATUS=reload refused: " + last_reload_error_);
    return;
  }
  const auto& old = config_.general;
  const auto& fresh = cfg->general;
  // Paths cannot move under a running daemon; say so instead of half-applying.
  for (auto [name, a, b] :
       {std::tuple{"state_dir", old.state_dir, fresh.state_dir},
        std::tuple{"database", old.database, fresh.database},
        std::tuple{"control_socket", old.control_socket, fresh.control_socket}}) {
    if (a != b) {
      OUTPOST_LOG(Warning, "daemon") << "reload: [general] " << name << " changed from " << a
                                     << " to " << b << "; takes effect at the next restart";
    }
  }
  DaemonConfig next = std::move(cfg).value();
  next.general.state_dir = old.state_dir;
  next.general.database = old.database;
  next.general.control_socket = old.control_socket;
  config_ = std::move(next);
  core::Logger::instance().setLevel(config_.general.log_level);
  core::Logger::instance().setTarget(config_.general.log_target);
  ++reloads_;
  last_reload_error_.clear();
  if (const auto& plan = dialplan_->load(config_, why); !plan.ok()) {
    ++failed_reloads_;
    last_reload_error_ =
        "dial plan refused, the running plan stays: " +
        (plan.diagnostics.empty() ? plan.summary() : plan.diagnostics.front().headline());
  }
  OUTPOST_LOG(Notice, "daemon") << "reloaded configuration (" << why << ") from " << config_.source
                                << "; log_level " << core::logLevelName(config_.general.log_level);
  (void)core::sdNotify("READY=1\nSTATUS=serving " + config_.general.site);
}

nlohmann::json Daemon::statusJson() const {
  auto uptime = std::chrono::duration_cast<std::chrono::seconds>(loop_->clock().now() - started_);
  nlohmann::json j = {
      {"version", core::version()},
      {"site", config_.general.site},
      {"pid", static_cast<int64_t>(::getpid())},
      {"started", core::formatUtc(started_wall_)},
      {"uptime_s", uptime.count()},
      {"config", config_.source},
      {"database", config_.general.database},
      {"control_socket", config_.general.control_socket},
      {"log_level", core::logLevelName(config_.general.log_level)},
      {"state", core::healthName(subsystems_.overall())},
      {"subsystems", subsystems_.snapshot()},
  };
  if (!previous_run_.empty()) j["previous_run"] = previous_run_;
  return j;
}

void Daemon::registerCommands() {
  control_->addCommand(
      "status", "status", "version, uptime, paths and every subsystem's state",
      [this](const ControlRequest&) {
        nlohmann::json j = statusJson();
        ControlReply r = ControlReply::success(j);
        // Keep the text form flat and greppable.
        std::string t;
        for (const char* k : {"version", "site", "pid", "started", "uptime_s", "config", "database",
                              "control_socket", "log_level", "state", "previous_run"}) {
          if (!j.contains(k)) continue;
          const auto& v = j[k];
          t += std::string(k) + ": " + (v.is_string() ? v.get<std::string>() : v.dump()) + "\n";
        }
        for (const auto& s : j["subsystems"]) {
          t += "subsystem " + s["name"].get<std::string>() + ": " + s["state"].get<std::string>();
          std::string d = s["detail"].get<std::string>();
          if (!d.empty()) t += " (" + d + ")";
          t += "\n";
        }
        r.text = t;
        return r;
      });
  control_->addCommand("version", "version", "the daemon's version", [](const ControlRequest&) {
    return ControlReply::success({{"version", core::version()}});
  });
  control_->addCommand(
      "reload", "reload", "re-read the configuration (like SIGHUP); a bad one is refused",
      [this](const ControlRequest&) {
        int before = failed_reloads_;
        reload("control socket");
        if (failed_reloads_ != before) {
          return ControlReply::failure("reload refused: " + last_reload_error_);
        }
        return ControlReply::success(
            {{"reloaded", true}, {"config", config_.source}, {"reloads", reloads_}});
      });
  dialplan_->registerCommands(*control_, config_);
  telephony_->registerCommands(*control_, config_.general.database);
}

void Daemon::registerSubsystems() {
  subsystems_.add("config", [this] {
    SubsystemStatus s;
    s.health = last_reload_error_.empty() ? Health::kUp : Health::kDegraded;
    s.detail =
        last_reload_error_.empty()
            ? config_.source + ", " + std::to_string(config_.file.sections().size()) + " sections"
            : "last reload refused: " + last_reload_error_;
    s.facts = {{"reloads", reloads_}, {"failed_reloads", failed_reloads_}};
    return s;
  });
  subsystems_.add("store", [this] {
    auto st = store_->stats();
    SubsystemStatus s;
    s.health = st.last_error.empty() ? Health::kUp : Health::kDegraded;
    s.detail = "sqlite " + std::string(sqlite3_libversion()) + ", WAL, " +
               std::to_string(st.committed) + " writes committed";
    if (!st.last_error.empty()) s.detail += ", last error: " + st.last_error;
    s.facts = {{"committed", st.committed},
               {"failed", st.failed},
               {"transactions", st.transactions},
               {"queued", st.queued}};
    return s;
  });
  subsystems_.add("control", [this] {
    SubsystemStatus s;
    s.detail = control_->path() + ", " + std::to_string(control_->clientCount()) + " client(s)";
    s.facts = {{"clients", control_->clientCount()}};
    return s;
  });
  subsystems_.add("dialplan", [this] { return dialplan_->status(); });
  telephony_->registerSubsystems(subsystems_);
}

}  // namespace outpost::gateway
