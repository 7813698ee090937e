// outpostd as a process: configuration checks, control socket, reload,
// sd_notify, clean stop. Everything through the real binaries.
#define BOOST_TEST_MODULE daemon
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "core/store.hpp"
#include "tests/support/process.hpp"
#include "tests/support/sipp.hpp"

using namespace outpost::test;

namespace {

std::string outpostd() {
  return buildPath("outpostd");
}
std::string outpostctl() {
  return buildPath("outpostctl");
}

// Receives sd_notify datagrams the way systemd would.
class NotifyListener {
 public:
  explicit NotifyListener(const std::string& path) : path_(path) {
    fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_un a{};
    a.sun_family = AF_UNIX;
    std::strncpy(a.sun_path, path.c_str(), sizeof a.sun_path - 1);
    BOOST_REQUIRE(::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
  }
  ~NotifyListener() { ::close(fd_); }
  // Returns the first message containing `needle`, waiting at most `timeout`.
  std::optional<std::string> waitFor(const std::string& needle, Ms timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      auto left = std::chrono::duration_cast<Ms>(deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) return std::nullopt;
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;
      char buf[4096];
      ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
      if (n <= 0) continue;
      std::string msg(buf, static_cast<size_t>(n));
      all_.push_back(msg);
      if (msg.find(needle) != std::string::npos) return msg;
    }
  }
  const std::vector<std::string>& all() const { return all_; }

 private:
  std::string path_;
  int fd_;
  std::vector<std::string> all_;
};

// SIP on an address of this test run's own, so runs in parallel never meet.
std::string config(const std::string& stateDir, const std::string& level = "info") {
  static int n = 0;
  return "[general]\nsite = Test Branch\nstate_dir = " + stateDir + "\nlog_level = " + level +
         "\n[sip]\nlisten = " + testLoopback(40) + ":" + std::to_string(testPort(40 + n++ % 50)) +
         "\n";
}

struct Daemon {
  TempDir dir;
  std::string conf = dir.file("outpost.conf");
  std::string sock = dir.file("state/outpost.sock");
  std::unique_ptr<NotifyListener> notify;
  std::unique_ptr<Process> proc;

  explicit Daemon(std::vector<std::string> extraEnv = {}) {
    dir.write("outpost.conf", config(dir.file("state")));
    notify = std::make_unique<NotifyListener>(dir.file("notify.sock"));
    Process::Options o;
    o.env = {"NOTIFY_SOCKET=" + dir.file("notify.sock")};
    for (auto& e : extraEnv)
      o.env.push_back(e);
    proc = std::make_unique<Process>(std::vector<std::string>{outpostd(), "-c", conf}, o);
    auto ready = notify->waitFor("READY=1", 10000ms);
    BOOST_REQUIRE_MESSAGE(ready, "outpostd did not become ready: " + proc->allStderr());
  }
  RunResult ctl(std::vector<std::string> args) {
    std::vector<std::string> argv{outpostctl(), "-s", sock};
    argv.insert(argv.end(), args.begin(), args.end());
    return run(argv, 10000ms);
  }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(check_config)

BOOST_AUTO_TEST_CASE(good_file_exits_0) {
  TempDir dir;
  dir.write("o.conf", config(dir.path()));
  auto r = run({outpostd(), "--check-config", "-c", dir.file("o.conf")});
  BOOST_TEST(r.code == 0);
  BOOST_TEST(r.out == dir.file("o.conf") + ": configuration OK\n");
}

BOOST_AUTO_TEST_CASE(embedded_default_is_valid) {
  auto r = run({outpostd(), "--check-config"});
  BOOST_TEST(r.code == 0, r.err);
  BOOST_TEST(r.out == "embedded:outpost.conf: configuration OK\n");
  // The file shipped in etc/ is the same text and passes too.
  auto f = run({outpostd(), "--check-config", "-c", srcPath("etc/outpost/outpost.conf")});
  BOOST_TEST(f.code == 0, f.err);
}

BOOST_AUTO_TEST_CASE(typo_gives_exit_2_and_one_line_naming_file_line_and_key) {
  TempDir dir;
  dir.write("o.conf", "[general]\nsite = x\nlgo_level = debug\n");
  auto r = run({outpostd(), "--check-config", "-c", dir.file("o.conf")});
  BOOST_TEST(r.code == 2);
  BOOST_TEST(r.err == dir.file("o.conf") +
                          ":3: unknown key 'lgo_level' in [general] (did you mean 'log_level'?)\n");
  BOOST_TEST(r.out.empty());
}

BOOST_AUTO_TEST_CASE(bad_value_and_missing_file_exit_2) {
  TempDir dir;
  dir.write("o.conf", "[general]\nlog_level = loud\n");
  auto r = run({outpostd(), "--check-config", "-c", dir.file("o.conf")});
  BOOST_TEST(r.code == 2);
  BOOST_TEST(r.err.find(dir.file("o.conf") + ":2: [general] log_level: expected one of") == 0u);
  auto m = run({outpostd(), "--check-config", "-c", dir.file("missing.conf")});
  BOOST_TEST(m.code == 2);
  BOOST_TEST(m.err == dir.file("missing.conf") + ": No such file or directory\n");
}

BOOST_AUTO_TEST_CASE(overload_keys_are_checked_with_file_line_and_key) {
  TempDir dir;
  // Line 4 of a file `[general] site = x` + `[SECTION] LINE` is refused,
  // naming file, line, section and key.
  auto refused = [&](const std::string& section, const std::string& line, const std::string& key) {
    dir.write("o.conf", "[general]\nsite = x\n[" + section + "]\n" + line + "\n");
    auto r = run({outpostd(), "--check-config", "-c", dir.file("o.conf")});
    BOOST_TEST(r.code == 2);
    BOOST_TEST(r.err.find(dir.file("o.conf") + ":4: [" + section + "] " + key + ":") == 0u, r.err);
  };
  refused("sip", "udp_receive_buffer_kb = -5", "udp_receive_buffer_kb");
  refused("calls", "overload_sip_queue_kb = lots", "overload_sip_queue_kb");
  refused("sip", "t2 = 5s", "t2");
  refused("sip", "transaction_timeout = 1s", "transaction_timeout");
  dir.write("o.conf",
            "[general]\nsite = x\n[sip]\nudp_receive_buffer_kb = 0\nt2 = 4s\n"
            "transaction_timeout = 32s\n[calls]\noverload_sip_queue_kb = 256\n");
  auto r = run({outpostd(), "--check-config", "-c", dir.file("o.conf")});
  BOOST_TEST(r.code == 0, r.err);
}

BOOST_AUTO_TEST_CASE(starting_on_a_bad_file_exits_2_without_side_effects) {
  TempDir dir;
  dir.write("o.conf", "[general]\nstate_dir = " + dir.file("state") + "\nbogus = 1\n");
  auto r = run({outpostd(), "-c", dir.file("o.conf")});
  BOOST_TEST(r.code == 2);
  BOOST_TEST(!std::filesystem::exists(dir.file("state")));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(running)

BOOST_AUTO_TEST_CASE(status_answers_in_text_and_json) {
  Daemon d;
  auto r = d.ctl({"status"});
  BOOST_TEST(r.code == 0, r.err);
  for (const char* want :
       {"version: 0.1.0\n", "site: Test Branch\n", "uptime_s: ", "subsystem config: up",
        "subsystem store: up", "subsystem control: up"}) {
    BOOST_TEST(r.out.find(want) != std::string::npos, "missing '" << want << "' in:\n" << r.out);
  }
  BOOST_TEST(r.out.find("config: " + d.conf + "\n") != std::string::npos);
  BOOST_TEST(r.out.find("database: " + d.dir.file("state/outpost.db") + "\n") != std::string::npos);

  auto j = d.ctl({"--json", "status"});
  BOOST_REQUIRE(j.code == 0);
  auto parsed = nlohmann::json::parse(j.out);
  BOOST_TEST(parsed["site"] == "Test Branch");
  BOOST_TEST(parsed["state"] == "up");
  std::vector<std::string> names;
  for (const auto& sub : parsed["subsystems"])
    names.push_back(sub["name"]);
  BOOST_TEST(names == (std::vector<std::string>{"config", "store", "control", "dialplan", "pri",
                                                "sip", "calls", "media"}),
             parsed["subsystems"].dump());
  BOOST_TEST(parsed["pid"].get<int>() == d.proc->pid());
}

BOOST_AUTO_TEST_CASE(unknown_command_exits_1_with_suggestion) {
  Daemon d;
  auto r = d.ctl({"stauts"});
  BOOST_TEST(r.code == 1);
  BOOST_TEST(r.err.find("did you mean 'status'?") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(no_daemon_exits_3) {
  TempDir dir;
  auto r = run({outpostctl(), "-s", dir.file("none.sock"), "status"});
  BOOST_TEST(r.code == 3);
  BOOST_TEST(r.err.find("is outpostd running?") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(sighup_reloads_and_a_bad_reload_keeps_the_running_config) {
  Daemon d;
  d.dir.write("outpost.conf", config(d.dir.file("state"), "debug"));
  d.proc->signal(SIGHUP);
  BOOST_REQUIRE(d.notify->waitFor("RELOADING=1", 5000ms));
  BOOST_REQUIRE(d.notify->waitFor("READY=1", 5000ms));
  BOOST_TEST(d.ctl({"status"}).out.find("log_level: debug\n") != std::string::npos);

  d.dir.write("outpost.conf", "[general]\nlog_levle = info\n");
  d.proc->signal(SIGHUP);
  BOOST_REQUIRE(d.notify->waitFor("reload refused", 5000ms));
  auto s = d.ctl({"status"});
  BOOST_TEST(s.code == 0);
  BOOST_TEST(s.out.find("log_level: debug\n") != std::string::npos);
  BOOST_TEST(s.out.find("subsystem config: degraded (last reload refused: " + d.conf +
                        ":2: unknown key 'log_levle'") != std::string::npos,
             s.out);
  auto r = d.ctl({"reload"});
  BOOST_TEST(r.code == 1);
  BOOST_TEST(r.err.find("reload refused") != std::string::npos);

  d.dir.write("outpost.conf", config(d.dir.file("state"), "warning"));
  auto ok = d.ctl({"reload"});
  BOOST_TEST(ok.code == 0, ok.err);
  BOOST_TEST(d.ctl({"status"}).out.find("subsystem config: up") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(sigterm_stops_cleanly_and_records_the_run) {
  Daemon d;
  d.proc->signal(SIGTERM);
  auto code = d.proc->wait(10000ms);
  BOOST_REQUIRE(code.has_value());
  BOOST_TEST(*code == 0, d.proc->allStderr());
  BOOST_TEST(d.notify->waitFor("STOPPING=1", 2000ms).has_value());
  BOOST_TEST(!std::filesystem::exists(d.sock));
  auto db = outpost::core::Database::open(d.dir.file("state/outpost.db"),
                                          outpost::core::Database::Mode::kReadOnly);
  BOOST_REQUIRE(db);
  auto st = db->prepare("SELECT stop_reason, stopped_at IS NOT NULL FROM daemon_runs");
  BOOST_REQUIRE(st);
  BOOST_REQUIRE(*st->step());
  BOOST_TEST(st->columnText(0) == "SIGTERM");
  BOOST_TEST(st->columnInt(1) == 1);
}

BOOST_AUTO_TEST_CASE(sigint_stops_cleanly_too) {
  Daemon d;
  d.proc->signal(SIGINT);
  auto code = d.proc->wait(10000ms);
  BOOST_REQUIRE(code.has_value());
  BOOST_TEST(*code == 0);
}

BOOST_AUTO_TEST_CASE(an_unclean_stop_is_reported_at_the_next_start) {
  TempDir keep;
  {
    Daemon d;
    d.proc->signal(SIGKILL);
    d.proc->wait(5000ms);
    // The database with its WAL, as the killed process left it.
    std::filesystem::create_directories(keep.file("state"));
    for (auto& e : std::filesystem::directory_iterator(d.dir.file("state"))) {
      if (e.is_regular_file()) {
        std::filesystem::copy_file(e.path(), keep.file("state/" + e.path().filename().string()));
      }
    }
  }
  keep.write("outpost.conf", config(keep.file("state")));
  Process p({outpostd(), "-c", keep.file("outpost.conf")});
  BOOST_TEST(p.waitForLine("did not stop cleanly", 10000ms, true).has_value(), p.allStderr());
  BOOST_TEST(
      eventually([&] { return std::filesystem::exists(keep.file("state/outpost.sock")); }, 5000ms));
  auto r = run({outpostctl(), "-s", keep.file("state/outpost.sock"), "status"});
  BOOST_TEST(r.out.find("previous_run: started ") != std::string::npos, r.out);
  BOOST_TEST(p.stop() == 0);
}

BOOST_AUTO_TEST_CASE(a_second_daemon_on_the_same_socket_refuses_to_start) {
  Daemon d;
  auto r = run({outpostd(), "-c", d.conf}, 10000ms);
  BOOST_TEST(r.code == 1);
  BOOST_TEST(r.err.find("in use by another running process") != std::string::npos, r.err);
  BOOST_TEST(d.ctl({"status"}).code == 0);  // the first one is untouched
}

BOOST_AUTO_TEST_CASE(watchdog_is_fed_when_systemd_asks) {
  Daemon d({"WATCHDOG_USEC=200000"});
  BOOST_TEST(d.notify->waitFor("WATCHDOG=1", 2000ms).has_value());
}

// The embedded default listens on 127.0.0.1:5060 like `make run`: run it in a
// network namespace of its own so it cannot meet anything else on this host.
bool canUnshareNet() {
  return run({"unshare", "-n", "true"}, 5000ms).code == 0;
}

BOOST_AUTO_TEST_CASE(state_dir_override_and_embedded_default_run,
                     *boost::unit_test::precondition([](boost::unit_test::test_unit_id) {
                       return canUnshareNet();
                     })) {
  TempDir dir;
  Process p({"unshare", "-n", "sh", "-c",
             "ip link set lo up && exec " + outpostd() + " --state-dir " + dir.file("run")});
  BOOST_REQUIRE(
      eventually([&] { return std::filesystem::exists(dir.file("run/outpost.sock")); }, 10000ms));
  auto r = run({outpostctl(), "-s", dir.file("run/outpost.sock"), "status"});
  BOOST_TEST(r.code == 0);
  BOOST_TEST(r.out.find("site: Chicago 12\n") != std::string::npos, r.out);
  BOOST_TEST(r.out.find("config: embedded:outpost.conf\n") != std::string::npos);
  BOOST_TEST(r.out.find("subsystem sip: up (127.0.0.1:5060, 1 peer(s)") != std::string::npos,
             r.out);
  BOOST_TEST(p.stop() == 0);
}

BOOST_AUTO_TEST_SUITE_END()
