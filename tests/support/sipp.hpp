// Test support: sipp as a real SIP peer. Scenarios live in tests/sipp/ (plain
// .xml, or .xml.in templates with @NAME@ placeholders filled per test). Every
// run is bounded (-timeout) and bound to a loopback address.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "tests/support/process.hpp"

namespace outpost::test {

struct SippOptions {
  std::string scenario;  // file under tests/sipp/ (.xml or .xml.in), or "uac"/"uas" built-ins
  std::map<std::string, std::string> vars;  // @NAME@ -> value for .xml.in
  std::string local_ip = "127.0.0.1";
  int local_port = 0;               // 0: sipp picks
  std::string remote;               // ip:port
  std::string service = "service";  // Request-URI user (-s)
  int calls = 1;
  double rate = 10;              // calls per second
  int limit = 0;                 // max simultaneous calls (0: sipp's default)
  std::string transport = "u1";  // u1, un, t1, tn
  int timeout_s = 20;
  std::vector<std::string> extra;  // more sipp arguments
};

struct SippResult {
  int code = -1;  // 0: every call succeeded; 1: some failed; 97/99: sipp errors
  int successful = 0, failed = 0;
  std::string out, err, stats_csv;
  bool ok() const { return code == 0; }
};

// Runs sipp to completion inside `dir` (scenario copies and logs go there).
SippResult runSipp(const SippOptions& o, const TempDir& dir);
// Starts sipp in the background (for a UAS peer); stop it when done.
std::unique_ptr<Process> startSipp(const SippOptions& o, const TempDir& dir);

// A loopback address and port pair no other concurrent test run uses:
// 127.N.M.1 derived from the pid, and a port base per process.
std::string testLoopback(int index = 0);
int testPort(int index);

}  // namespace outpost::test
