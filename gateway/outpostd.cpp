// outpostd: command line entry point. See gateway/daemon.hpp.
#include <getopt.h>

#include <cstdio>
#include <cstring>

#include "core/version.hpp"
#include "gateway/daemon.hpp"

namespace {

void usage(FILE* to) {
  std::fprintf(
      to,
      "usage: outpostd [-c FILE] [--check-config] [--state-dir DIR] [--log-level LEVEL]\n"
      "  -c, --config FILE    configuration file (default: the embedded demo branch)\n"
      "      --check-config   check the configuration, print problems as FILE:LINE,\n"
      "                       exit 0 when good and 2 when not\n"
      "      --state-dir DIR  keep the database and control socket in DIR\n"
      "      --log-level L    trace, debug, info, notice, warning, error, critical\n"
      "  -V, --version        print the version\n"
      "Runs in the foreground. SIGTERM/SIGINT stop it, SIGHUP reloads the configuration.\n");
}

}  // namespace

int main(int argc, char** argv) {
  outpost::gateway::DaemonOptions opts;
  static const option longOpts[] = {
      {"config", required_argument, nullptr, 'c'},
      {"check-config", no_argument, nullptr, 'k'},
      {"state-dir", required_argument, nullptr, 's'},
      {"log-level", required_argument, nullptr, 'l'},
      {"version", no_argument, nullptr, 'V'},
      {"help", no_argument, nullptr, 'h'},
      {nullptr, 0, nullptr, 0},
  };
  int c;
  while ((c = getopt_long(argc, argv, "c:Vh", longOpts, nullptr)) != -1) {
    switch (c) {
      case 'c':
        opts.config_path = optarg;
        break;
      case 'k':
        opts.check_only = true;
        break;
      case 's':
        opts.overrides.state_dir = optarg;
        break;
      case 'l':
        opts.overrides.log_level = optarg;
        break;
      case 'V':
        std::printf("outpostd %s\n", outpost::core::version());
        return 0;
      case 'h':
        usage(stdout);
        return 0;
      default:
        usage(stderr);
        return 2;
    }
  }
  if (optind < argc) {
    std::fprintf(stderr, "outpostd: unexpected argument '%s'\n", argv[optind]);
    usage(stderr);
    return 2;
  }
  outpost::gateway::Daemon daemon(std::move(opts));
  return daemon.run();
}
