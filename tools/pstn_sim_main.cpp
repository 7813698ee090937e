// pstn-sim: a simulated telephone network (central office and PSAP) on the
// far end of emulated PRI spans. One JSON object per line on stdout for every
// event; commands on stdin and on a control socket. `pstn-sim --ctl SOCKET
// COMMAND...` sends one command to a running pstn-sim. See docs/pstn-sim.md.
#include <sched.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <string>
#include <vector>

#include "core/control_socket.hpp"
#include "core/event_loop.hpp"
#include "core/log.hpp"
#include "core/strings.hpp"
#include "core/version.hpp"
#include "tools/pstn_sim.hpp"

using namespace outpost;

namespace {

const char* kUsage = R"(usage:
  pstn-sim --socket PATH [--socket PATH ...] [options]   run the simulated network
  pstn-sim --ctl SOCKET COMMAND [ARGS...]                send one command to a running one
  pstn-sim --check-rules FILE                            check a rules file and exit

options:
  --side network|cpe          our Q.931 side (default network)
  --line t1|e1                line type (default t1)
  --law ulaw|alaw             companding law (default: ulaw on T1, alaw on E1)
  --switchtype TYPE           ni2 dms100 5ess 4ess euroisdn_e1 euroisdn_t1 qsig (default ni2)
  --listen | --connect        socket role (default: network listens, cpe connects)
  --rules FILE                number-behaviour rules (default: answer all, echo)
  --control SOCKET            control socket for --ctl and scripts
  --capture FILE              D-channel pcap (span N > 1 writes FILE-N)
  --record-dir DIR            where record actions write WAV files (default .)
  --overlap                   overlap receiving, numbers completed by the rules
  --overlap-timeout DURATION  inter-digit time (default 5s)
  --timer NAME=DURATION       t200 t203 t303 t305 t308 t309 t313 (bare numbers: ms), n200=N
  --name NAME                 span name toward the far end (default pstn-sim)
  --log-level LEVEL           trace ... critical, on stderr (default warning)
  --realtime-priority N       run under SCHED_FIFO priority N (1-99): pstn-sim is the
                              line clock, as a card's hardware is, so on a machine shared
                              with a loaded gateway it should not wait for the CPU

Events: one JSON object per line on stdout. Commands (stdin or --ctl): type 'help'.
)";

int usage(const std::string& why) {
  std::cerr << "pstn-sim: " << why << "\n" << kUsage;
  return 2;
}

void emit(const nlohmann::json& j) {
  std::cout << j.dump() << "\n" << std::flush;
}

int runCtl(const std::string& socket, const std::vector<std::string>& words) {
  std::vector<std::string> quoted;
  for (const auto& w : words)
    quoted.push_back(core::quoteWord(w));
  auto client = core::ControlClient::connect(socket, std::chrono::seconds(3));
  if (!client) {
    std::cerr << "pstn-sim: no pstn-sim answering on " << socket << ": " << client.error().message
              << "\n";
    return 3;
  }
  auto reply = client->request(core::join(quoted, " "), std::chrono::seconds(10));
  if (!reply) {
    std::cerr << "pstn-sim: " << reply.error().message << "\n";
    return 3;
  }
  if (!reply->ok) {
    std::cerr << "pstn-sim: " << reply->error << "\n";
    return 1;
  }
  for (const auto& l : reply->lines)
    std::cout << l << "\n";
  return 0;
}

bool setTimer(tools::PstnSimOptions& o, const std::string& spec, std::string& err) {
  auto eq = spec.find('=');
  if (eq == std::string::npos) {
    err = "--timer " + spec + ": expected NAME=DURATION";
    return false;
  }
  std::string name = core::toLower(spec.substr(0, eq));
  std::string value = spec.substr(eq + 1);
  if (name == "n200") {
    auto n = core::parseInt(value);
    if (!n || *n < 1 || *n > 10) {
      err = "--timer n200=" + value + ": expected 1-10";
      return false;
    }
    o.timers.n200 = static_cast<int>(*n);
    return true;
  }
  auto d = core::parseDuration(value, std::chrono::milliseconds(1));
  if (!d || *d <= core::Duration(0)) {
    err = "--timer " + spec + ": expected a duration such as 500ms or 10s";
    return false;
  }
  std::optional<core::Duration>* slot = name == "t200"   ? &o.timers.t200
                                        : name == "t203" ? &o.timers.t203
                                        : name == "t303" ? &o.timers.t303
                                        : name == "t305" ? &o.timers.t305
                                        : name == "t308" ? &o.timers.t308
                                        : name == "t309" ? &o.timers.t309
                                        : name == "t313" ? &o.timers.t313
                                                         : nullptr;
  if (!slot) {
    err = "--timer " + name + ": unknown timer (t200 t203 t303 t305 t308 t309 t313 n200)";
    return false;
  }
  *slot = *d;
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  tools::PstnSimOptions o;
  int realtime = 0;  // SCHED_FIFO priority, 0 for normal
  auto& logger = core::Logger::instance();
  logger.setLevel(core::LogLevel::kWarning);

  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    auto value = [&](std::string& out) {
      if (i + 1 >= args.size()) return false;
      out = args[++i];
      return true;
    };
    std::string v;
    if (a == "--help" || a == "-h") {
      std::cout << kUsage;
      return 0;
    } else if (a == "--version") {
      std::cout << "pstn-sim " << core::version() << "\n";
      return 0;
    } else if (a == "--ctl") {
      if (i + 2 >= args.size()) return usage("--ctl needs SOCKET and a COMMAND");
      return runCtl(args[i + 1],
                    std::vector<std::string>(args.begin() + static_cast<long>(i) + 2, args.end()));
    } else if (a == "--check-rules") {
      if (!value(v)) return usage("--check-rules needs a FILE");
      auto r = tools::RuleSet::load(v);
      if (!r) {
        std::cerr << r.error().message << "\n";
        return 2;
      }
      std::cout << v << ": " << r->rules().size() << " rules, ok\n";
      return 0;
    } else if (a == "--socket") {
      if (!value(v)) return usage("--socket needs a PATH");
      o.sockets.push_back(v);
    } else if (a == "--side") {
      if (!value(v) || !tdm::parseSide(v)) return usage("--side takes network or cpe");
      o.side = *tdm::parseSide(v);
    } else if (a == "--line") {
      if (!value(v) || !tdm::parseLineType(v)) return usage("--line takes t1 or e1");
      o.line = *tdm::parseLineType(v);
    } else if (a == "--law") {
      if (!value(v) || !tdm::parseLaw(v)) return usage("--law takes ulaw or alaw");
      o.law = *tdm::parseLaw(v);
    } else if (a == "--switchtype") {
      if (!value(v) || !tdm::parseSwitchType(v)) {
        return usage("--switchtype takes " + core::join(tdm::switchTypeNames(), ", "));
      }
      o.switch_type = *tdm::parseSwitchType(v);
    } else if (a == "--listen") {
      o.mode = tdm::EmulatedOptions::Mode::kListen;
    } else if (a == "--connect") {
      o.mode = tdm::EmulatedOptions::Mode::kConnect;
    } else if (a == "--rules") {
      if (!value(v)) return usage("--rules needs a FILE");
      o.rules_path = v;
    } else if (a == "--control") {
      if (!value(v)) return usage("--control needs a SOCKET path");
      o.control_path = v;
    } else if (a == "--capture") {
      if (!value(v)) return usage("--capture needs a FILE");
      o.capture_path = v;
    } else if (a == "--record-dir") {
      if (!value(v)) return usage("--record-dir needs a DIR");
      o.record_dir = v;
    } else if (a == "--overlap") {
      o.overlap = true;
    } else if (a == "--overlap-timeout") {
      auto d = value(v) ? core::parseDuration(v) : std::nullopt;
      if (!d) return usage("--overlap-timeout takes a duration such as 5s");
      o.overlap_timeout = *d;
    } else if (a == "--timer") {
      std::string err;
      if (!value(v)) return usage("--timer needs NAME=DURATION");
      if (!setTimer(o, v, err)) return usage(err);
    } else if (a == "--name") {
      if (!value(v)) return usage("--name needs a NAME");
      o.name = v;
    } else if (a == "--realtime-priority") {
      auto n = value(v) ? core::parseInt(v) : std::nullopt;
      if (!n || *n < 1 || *n > 99) return usage("--realtime-priority takes 1 to 99");
      realtime = static_cast<int>(*n);
    } else if (a == "--log-level") {
      auto l = value(v) ? core::parseLogLevel(v) : std::nullopt;
      if (!l)
        return usage("--log-level takes trace, debug, info, notice, warning, error, critical");
      logger.setLevel(*l);
    } else {
      return usage("unknown option '" + a + "'");
    }
  }
  if (o.sockets.empty()) return usage("no --socket given");
  if (realtime > 0) {
    // Before any thread starts, so the span threads inherit it.
    sched_param sp{};
    sp.sched_priority = realtime;
    if (sched_setscheduler(0, SCHED_FIFO, &sp) != 0) {
      std::cerr << "pstn-sim: no real-time priority (" << std::strerror(errno)
                << "); running at normal priority\n";
    }
  }

  // SIGINT/SIGTERM stop the loop cleanly (WAV files closed, sockets removed).
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  sigprocmask(SIG_BLOCK, &set, nullptr);
  signal(SIGPIPE, SIG_IGN);
  core::UniqueFd sigfd(signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC));

  core::SofiaInit su;
  core::EventLoop loop;
  tools::PstnSim sim(loop, o, emit);
  if (auto s = sim.start(); !s) {
    std::cerr << "pstn-sim: " << s.message() << "\n";
    return 2;
  }
  auto sigWatch = loop.watchFd(sigfd.get(), core::kReadable, [&](unsigned) {
    signalfd_siginfo si;
    while (::read(sigfd.get(), &si, sizeof si) == sizeof si) {
    }
    loop.stop();
  });

  std::string pending;
  bool tty = ::isatty(0);
  core::FdWatch stdinWatch;
  auto onStdin = [&](unsigned) {
    char buf[4096];
    ssize_t n = ::read(0, buf, sizeof buf);
    if (n <= 0) {
      stdinWatch.cancel();  // stdin closed: the control socket and signals remain
      if (tty) loop.stop();
      return;
    }
    pending.append(buf, static_cast<size_t>(n));
    size_t nl;
    while ((nl = pending.find('\n')) != std::string::npos) {
      std::string line(core::trim(std::string_view(pending).substr(0, nl)));
      pending.erase(0, nl + 1);
      if (line.empty() || line[0] == '#') continue;
      auto reply = sim.command(line);
      nlohmann::json j = {{"event", "reply"}, {"command", line}, {"ok", reply.ok}};
      if (reply.ok) {
        j["result"] = reply.body;
      } else {
        j["error"] = reply.error;
      }
      emit(j);
    }
    if (pending.size() > 64 * 1024) {
      emit({{"event", "reply"}, {"ok", false}, {"error", "command line too long; dropped"}});
      pending.clear();
    }
  };
  // Under a service manager or `< /dev/null`, stdin may be something epoll
  // cannot watch (a regular file, /dev/null). Then commands come through the
  // control socket only; that is not an error.
  try {
    stdinWatch = loop.watchFd(0, core::kReadable, onStdin);
  } catch (const std::exception&) {
    std::cerr << "pstn-sim: stdin cannot be watched; commands through --control only\n";
  }
  loop.run();
  emit({{"event", "stopped"}});
  return 0;
}
