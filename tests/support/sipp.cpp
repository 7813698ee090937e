#include "tests/support/sipp.hpp"

#include <unistd.h>

#include <fstream>
#include <random>
#include <sstream>

namespace outpost::test {

namespace {

std::string scenarioPath(const SippOptions& o, const TempDir& dir) {
  if (o.scenario == "uac" || o.scenario == "uas") return "";
  std::string src = srcPath("tests/sipp/" + o.scenario);
  std::ifstream in(src);
  std::stringstream ss;
  ss << in.rdbuf();
  std::string text = ss.str();
  for (const auto& [k, v] : o.vars) {
    std::string key = "@" + k + "@";
    for (size_t p; (p = text.find(key)) != std::string::npos;) {
      // An empty value alone on its line takes the line with it: a blank
      // line would end the SIP headers.
      size_t bol = text.rfind('\n', p);
      bol = bol == std::string::npos ? 0 : bol + 1;
      size_t eol = text.find('\n', p);
      bool alone =
          v.empty() && text.find_first_not_of(" \t", bol) == p &&
          (eol == std::string::npos || text.find_first_not_of(" \t", p + key.size()) == eol);
      if (alone) {
        text.erase(bol, (eol == std::string::npos ? text.size() : eol + 1) - bol);
      } else {
        text.replace(p, key.size(), v);
      }
    }
  }
  std::string name = o.scenario;
  if (name.size() > 3 && name.substr(name.size() - 3) == ".in") name.resize(name.size() - 3);
  static int n = 0;
  std::string out = dir.file(std::to_string(++n) + "-" + name);
  std::ofstream(out) << text;
  return out;
}

std::vector<std::string> argvFor(const SippOptions& o, const TempDir& dir) {
  std::vector<std::string> a{"sipp"};
  std::string sf = scenarioPath(o, dir);
  if (sf.empty()) {
    a.insert(a.end(), {"-sn", o.scenario});
  } else {
    a.insert(a.end(), {"-sf", sf});
  }
  if (!o.remote.empty()) a.push_back(o.remote);
  a.insert(a.end(), {"-i",
                     o.local_ip,
                     "-bind_local",
                     "-nostdin",
                     "-t",
                     o.transport,
                     "-s",
                     o.service,
                     "-timeout",
                     std::to_string(o.timeout_s) + "s",
                     "-timeout_error",
                     "-m",
                     std::to_string(o.calls),
                     "-r",
                     std::to_string(o.rate),
                     "-trace_err",
                     "-error_file",
                     dir.file("sipp-errors.log"),
                     "-trace_stat",
                     "-stf",
                     dir.file("sipp-stats.csv"),
                     "-mp",
                     std::to_string(testPort(90) + (o.local_port % 50) * 2)});
  if (o.local_port) a.insert(a.end(), {"-p", std::to_string(o.local_port)});
  if (o.limit) a.insert(a.end(), {"-l", std::to_string(o.limit)});
  a.insert(a.end(), o.extra.begin(), o.extra.end());
  return a;
}

int countAfter(const std::string& text, const std::string& label) {
  // sipp's final screen: "Successful call | 0 | 1"
  size_t p = text.rfind(label);
  if (p == std::string::npos) return -1;
  size_t bar = text.rfind('|', text.find('\n', p));
  if (bar == std::string::npos) return -1;
  return std::atoi(text.c_str() + bar + 1);
}

}  // namespace

SippResult runSipp(const SippOptions& o, const TempDir& dir) {
  auto argv = argvFor(o, dir);
  RunResult r = run(argv, Ms((o.timeout_s + 10) * 1000));
  SippResult s;
  s.code = r.code;
  s.out = r.out;
  s.err = r.err;
  s.successful = countAfter(r.out, "Successful call");
  s.failed = countAfter(r.out, "Failed call");
  std::ifstream errs(dir.file("sipp-errors.log"));
  std::stringstream ss;
  ss << errs.rdbuf();
  if (!ss.str().empty()) s.err += "\n--- sipp unexpected messages ---\n" + ss.str().substr(0, 4000);
  return s;
}

std::unique_ptr<Process> startSipp(const SippOptions& o, const TempDir& dir) {
  return std::make_unique<Process>(argvFor(o, dir));
}

std::string testLoopback(int index) {
  // 127.A.B.C from the pid: two concurrent runs get different addresses.
  unsigned pid = static_cast<unsigned>(::getpid());
  return "127." + std::to_string(1 + (pid >> 8) % 250) + "." + std::to_string(pid % 250 + 1) + "." +
         std::to_string(1 + index % 250);
}

int testPort(int index) {
  static int base = [] {
    std::random_device rd;
    return 20000 + static_cast<int>(rd() % 200) * 100;
  }();
  return base + index;
}

}  // namespace outpost::test
