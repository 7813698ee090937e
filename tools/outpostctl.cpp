// outpostctl: the admin's command line. Sends one command to outpostd's control
// socket and prints the reply; `--json` prints the JSON form. Exit codes: 0 ok,
// 1 the daemon refused the command, 2 usage, 3 no daemon answering.
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "core/control_socket.hpp"
#include "core/strings.hpp"
#include "tools/outpostctl_dialplan.hpp"

namespace {

constexpr const char* kDefaultSocket = "/var/lib/outpost/outpost.sock";

void usage(FILE* to) {
  std::fprintf(to,
               "usage: outpostctl [-s SOCKET] [--json] [--timeout SECONDS] COMMAND [ARGS...]\n"
               "  -s, --socket SOCKET  control socket (default: $OUTPOST_SOCKET or %s)\n"
               "      --json           print the reply as JSON\n"
               "      --timeout S      give up after S seconds (default 30)\n"
               "Commands come from the daemon: `outpostctl help` lists them.\n"
               "  status               version, uptime, paths, every subsystem's state\n"
               "  reload               re-read the configuration (like SIGHUP)\n",
               kDefaultSocket);
  std::fputs(outpost::tools::dialplanUsage(), to);
}

}  // namespace

int main(int argc, char** argv) {
  using namespace outpost::core;
  std::string socket =
      std::getenv("OUTPOST_SOCKET") ? std::getenv("OUTPOST_SOCKET") : kDefaultSocket;
  bool json = false;
  long timeoutS = 30;
  std::vector<std::string> words;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (words.empty() && (a == "-s" || a == "--socket")) {
      if (++i >= argc) {
        usage(stderr);
        return 2;
      }
      socket = argv[i];
    } else if (words.empty() && startsWith(a, "--socket=")) {
      socket = a.substr(9);
    } else if (a == "--json") {
      json = true;
    } else if (words.empty() && a == "--timeout") {
      auto v = ++i < argc ? parseInt(argv[i]) : std::nullopt;
      if (!v || *v <= 0) {
        usage(stderr);
        return 2;
      }
      timeoutS = *v;
    } else if (words.empty() && (a == "-h" || a == "--help")) {
      usage(stdout);
      return 0;
    } else {
      words.push_back(a);
    }
  }
  if (words.empty()) {
    usage(stderr);
    return 2;
  }
  // Dial plan files are checked, traced and compared without a daemon.
  if (words[0] == "dialplan") {
    if (auto code = outpost::tools::runDialplanOffline(words, json, socket)) return *code;
  }
  std::string line;
  for (const auto& w : words) {
    if (!line.empty()) line += ' ';
    line += quoteWord(w);
  }
  if (json) line += " --json";

  auto client = ControlClient::connect(socket, std::chrono::seconds(2));
  if (!client) {
    std::fprintf(stderr, "outpostctl: %s\n", client.error().message.c_str());
    return 3;
  }
  auto resp = client->request(line, std::chrono::seconds(timeoutS));
  if (!resp) {
    std::fprintf(stderr, "outpostctl: %s\n", resp.error().message.c_str());
    return 3;
  }
  if (!resp->ok) {
    std::fprintf(stderr, "outpostctl: %s\n", resp->error.c_str());
    return 1;
  }
  for (const auto& l : resp->lines)
    std::printf("%s\n", l.c_str());
  return 0;
}
