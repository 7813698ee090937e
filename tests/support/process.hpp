// Test support: real child processes (outpostd, pstn-sim, sipp, ...) with
// bounded waits, and scratch folders. Every process a test starts is killed
// when its Process object goes away, and also when the thread that started
// it ends, even if the test is killed outright (SIGKILL, a CI timeout) and no
// destructor runs: a leftover outpostd or sipp would hold its ports and eat
// CPU under the next run's figures. So a process must not outlive the thread
// that started it. Used by one test thread at a time.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace outpost::test {

using namespace std::chrono_literals;
using Ms = std::chrono::milliseconds;

class Process {
 public:
  struct Options {
    std::vector<std::string> env;  // extra NAME=VALUE
    std::string cwd;
    bool capture_stderr = true;  // else inherited
  };
  Process(std::vector<std::string> argv, Options options);
  explicit Process(std::vector<std::string> argv) : Process(std::move(argv), Options{}) {}
  ~Process();
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  pid_t pid() const { return pid_; }
  bool running();
  void signal(int sig);
  // Waits for exit; returns the exit code (128+N for a signal), or nullopt on timeout.
  std::optional<int> wait(Ms timeout);
  // Sends SIGTERM, waits, then SIGKILL.
  int stop(Ms grace = 5000ms);

  // Next line of stdout (or stderr when `fromStderr`), waiting at most `timeout`.
  std::optional<std::string> readLine(Ms timeout, bool fromStderr = false);
  // Reads lines until one contains `needle`; returns it.
  std::optional<std::string> waitForLine(const std::string& needle, Ms timeout,
                                         bool fromStderr = false);
  // Everything read so far from each stream (for failure messages).
  std::string allStdout() const;
  std::string allStderr() const;
  void writeStdin(const std::string& text);
  void closeStdin();

 private:
  // A reader thread drains both pipes all the time: a child that writes a
  // lot (logs, events) must never block on a full pipe while a test is busy
  // elsewhere.
  void readerMain();

  pid_t pid_ = -1;
  int in_ = -1, out_ = -1, err_ = -1;
  mutable std::mutex mutex_;
  std::condition_variable more_;
  std::string buf_out_, buf_err_, seen_out_, seen_err_;
  bool eof_ = false;
  std::atomic<bool> stop_reader_{false};
  std::thread reader_;
  std::optional<int> status_;
};

// Runs a command to completion (bounded) and returns exit code + output.
struct RunResult {
  int code = -1;
  std::string out;
  std::string err;
  bool timed_out = false;
};
RunResult run(const std::vector<std::string>& argv, Ms timeout = 30000ms,
              const std::vector<std::string>& env = {}, const std::string& stdinText = "");

class TempDir {
 public:
  TempDir();
  ~TempDir();
  const std::string& path() const { return path_; }
  std::string file(const std::string& name) const { return path_ + "/" + name; }
  void write(const std::string& name, const std::string& text) const;

 private:
  std::string path_;
};

// Paths of the build and source trees (set by the test driver; fall back to
// the current folder).
std::string buildDir();
std::string srcDir();
std::string buildPath(const std::string& rel);
std::string srcPath(const std::string& rel);

// Polls `pred` every few ms until it holds or `timeout` passes.
bool eventually(const std::function<bool()>& pred, Ms timeout);

// Number of open file descriptors of this process.
int openFdCount(pid_t pid = 0);

}  // namespace outpost::test
