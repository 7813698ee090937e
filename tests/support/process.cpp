#include "tests/support/process.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <thread>

extern char** environ;

namespace outpost::test {

namespace {
int exitCode(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}
}  // namespace

Process::Process(std::vector<std::string> argv, Options options) {
  int inp[2], outp[2], errp[2];
  if (::pipe2(inp, O_CLOEXEC) || ::pipe2(outp, O_CLOEXEC) || ::pipe2(errp, O_CLOEXEC)) {
    throw std::runtime_error("pipe failed");
  }
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, inp[0], 0);
  posix_spawn_file_actions_adddup2(&fa, outp[1], 1);
  if (options.capture_stderr) posix_spawn_file_actions_adddup2(&fa, errp[1], 2);
  if (!options.cwd.empty()) posix_spawn_file_actions_addchdir_np(&fa, options.cwd.c_str());
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  // The child starts with no blocked signals, whatever the test runner blocked.
  sigset_t none;
  sigemptyset(&none);
  posix_spawnattr_setsigmask(&attr, &none);
  sigset_t deflt;
  sigemptyset(&deflt);
  sigaddset(&deflt, SIGPIPE);
  sigaddset(&deflt, SIGTERM);
  sigaddset(&deflt, SIGINT);
  posix_spawnattr_setsigdefault(&attr, &deflt);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);

  std::vector<std::string> envStore;
  for (char** e = environ; *e; ++e)
    envStore.emplace_back(*e);
  for (const auto& e : options.env) {
    std::string name = e.substr(0, e.find('='));
    std::erase_if(envStore, [&](const std::string& x) { return x.rfind(name + "=", 0) == 0; });
    envStore.push_back(e);
  }
  std::vector<char*> envp;
  for (auto& e : envStore)
    envp.push_back(e.data());
  envp.push_back(nullptr);
  // posix_spawn cannot set PR_SET_PDEATHSIG itself; setpriv (util-linux,
  // always there on Debian) sets it and then execs the command in place, so
  // the pid is the command's.
  const std::string command = argv.empty() ? std::string() : argv[0];
  if (::access("/usr/bin/setpriv", X_OK) == 0) {
    argv.insert(argv.begin(), {"/usr/bin/setpriv", "--pdeathsig", "KILL", "--"});
  }
  std::vector<char*> args;
  for (auto& a : argv)
    args.push_back(a.data());
  args.push_back(nullptr);
  int rc = ::posix_spawnp(&pid_, args[0], &fa, &attr, args.data(), envp.data());
  posix_spawn_file_actions_destroy(&fa);
  posix_spawnattr_destroy(&attr);
  ::close(inp[0]);
  ::close(outp[1]);
  ::close(errp[1]);
  in_ = inp[1];
  out_ = outp[0];
  err_ = errp[0];
  if (rc != 0) {
    pid_ = -1;
    throw std::runtime_error("cannot start " + command + ": " + std::strerror(rc));
  }
  ::fcntl(out_, F_SETFL, O_NONBLOCK);
  ::fcntl(err_, F_SETFL, O_NONBLOCK);
  reader_ = std::thread([this] { readerMain(); });
}

void Process::readerMain() {
  bool openOut = true, openErr = true;
  char buf[8192];
  while ((openOut || openErr) && !stop_reader_) {
    pollfd fds[2] = {{openOut ? out_ : -1, POLLIN, 0}, {openErr ? err_ : -1, POLLIN, 0}};
    if (::poll(fds, 2, 50) <= 0) continue;
    for (int i = 0; i < 2; ++i) {
      if (!(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      ssize_t n;
      bool got = false;
      while ((n = ::read(fds[i].fd, buf, sizeof buf)) > 0) {
        std::lock_guard lock(mutex_);
        (i == 0 ? buf_out_ : buf_err_).append(buf, static_cast<size_t>(n));
        (i == 0 ? seen_out_ : seen_err_).append(buf, static_cast<size_t>(n));
        got = true;
      }
      if (n == 0) (i == 0 ? openOut : openErr) = false;
      if (got || n == 0) more_.notify_all();
    }
  }
  std::lock_guard lock(mutex_);
  eof_ = true;
  more_.notify_all();
}

std::string Process::allStdout() const {
  std::lock_guard lock(mutex_);
  return seen_out_;
}

std::string Process::allStderr() const {
  std::lock_guard lock(mutex_);
  return seen_err_;
}

Process::~Process() {
  if (pid_ > 0 && !status_) {
    ::kill(pid_, SIGKILL);
    int st;
    ::waitpid(pid_, &st, 0);
  }
  stop_reader_ = true;
  if (reader_.joinable()) reader_.join();
  for (int fd : {in_, out_, err_}) {
    if (fd >= 0) ::close(fd);
  }
}

bool Process::running() {
  if (status_) return false;
  int st;
  pid_t r = ::waitpid(pid_, &st, WNOHANG);
  if (r == pid_) {
    status_ = exitCode(st);
    return false;
  }
  return true;
}

void Process::signal(int sig) {
  if (running()) ::kill(pid_, sig);
}

std::optional<int> Process::wait(Ms timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (running()) {
    if (std::chrono::steady_clock::now() >= deadline) return std::nullopt;
    std::this_thread::sleep_for(5ms);
  }
  // Let the reader take what the child wrote last.
  std::unique_lock lock(mutex_);
  more_.wait_for(lock, 500ms, [&] { return eof_; });
  return status_;
}

int Process::stop(Ms grace) {
  if (!running()) return *status_;
  ::kill(pid_, SIGTERM);
  if (auto c = wait(grace)) return *c;
  ::kill(pid_, SIGKILL);
  return wait(5000ms).value_or(-1);
}

std::optional<std::string> Process::readLine(Ms timeout, bool fromStderr) {
  std::unique_lock lock(mutex_);
  std::string& buf = fromStderr ? buf_err_ : buf_out_;
  auto has = [&] { return buf.find('\n') != std::string::npos; };
  more_.wait_for(lock, timeout, [&] { return has() || eof_; });
  if (!has()) return std::nullopt;
  size_t nl = buf.find('\n');
  std::string line = buf.substr(0, nl);
  buf.erase(0, nl + 1);
  return line;
}

std::optional<std::string> Process::waitForLine(const std::string& needle, Ms timeout,
                                                bool fromStderr) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    auto left = std::chrono::duration_cast<Ms>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return std::nullopt;
    auto line = readLine(left, fromStderr);
    if (!line) return std::nullopt;
    if (line->find(needle) != std::string::npos) return line;
  }
}

void Process::writeStdin(const std::string& text) {
  size_t off = 0;
  while (off < text.size()) {
    ssize_t n = ::write(in_, text.data() + off, text.size() - off);
    if (n <= 0) return;
    off += static_cast<size_t>(n);
  }
}

void Process::closeStdin() {
  if (in_ >= 0) ::close(in_);
  in_ = -1;
}

RunResult run(const std::vector<std::string>& argv, Ms timeout, const std::vector<std::string>& env,
              const std::string& stdinText) {
  Process::Options o;
  o.env = env;
  Process p(argv, o);
  if (!stdinText.empty()) p.writeStdin(stdinText);
  p.closeStdin();
  RunResult r;
  auto code = p.wait(timeout);
  if (!code) {
    r.timed_out = true;
    code = p.stop(1000ms);
  }
  r.code = *code;
  r.out = p.allStdout();
  r.err = p.allStderr();
  return r;
}

TempDir::TempDir() {
  std::string tmpl = (std::filesystem::temp_directory_path() / "outpost-test-XXXXXX").string();
  if (!::mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
  path_ = tmpl;
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

void TempDir::write(const std::string& name, const std::string& text) const {
  std::filesystem::create_directories(std::filesystem::path(file(name)).parent_path());
  std::ofstream(file(name)) << text;
}

std::string buildDir() {
  const char* d = std::getenv("OUTPOST_BUILDDIR");
  return d ? d : std::filesystem::current_path().string();
}
std::string srcDir() {
  const char* d = std::getenv("OUTPOST_SRCDIR");
  return d ? d : std::filesystem::current_path().string();
}
std::string buildPath(const std::string& rel) {
  return buildDir() + "/" + rel;
}
std::string srcPath(const std::string& rel) {
  return srcDir() + "/" + rel;
}

bool eventually(const std::function<bool()>& pred, Ms timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!pred()) {
    if (std::chrono::steady_clock::now() >= deadline) return pred();
    std::this_thread::sleep_for(5ms);
  }
  return true;
}

int openFdCount(pid_t pid) {
  std::string dir = pid ? "/proc/" + std::to_string(pid) + "/fd" : "/proc/self/fd";
  int n = 0;
  for ([[maybe_unused]] auto& e : std::filesystem::directory_iterator(dir))
    ++n;
  return n;
}

}  // namespace outpost::test
