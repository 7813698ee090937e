// A self-contained driver for the dial plan fuzz target, for builds without
// libFuzzer (g++): reads a corpus, then applies deterministic mutations (byte
// flips, deletions, duplicated and spliced lines, dial plan words) for N
// iterations. Same seed, same inputs: a failure is reproducible, and the
// input that failed is written out.
//
//   dialplan_fuzz_driver [--iterations N] [--seed S] [--crash-file F] FILE_OR_DIR...
//
// N defaults to $OUTPOST_FUZZ_ITERATIONS, else 5000.
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace {

struct Rng {
  uint64_t s;
  uint64_t next() {
    s ^= s << 13;
    s ^= s >> 7;
    s ^= s << 17;
    return s;
  }
  size_t below(size_t n) { return n ? static_cast<size_t>(next() % n) : 0; }
};

const char* const kWords[] = {
    "site\n",
    "emergency\n",
    "context c\n",
    "dial ",
    "otherwise refuse 1\n",
    "route ",
    "table t \"t.csv\"\n",
    "import \"inc.dialplan\"\n",
    "include inc\n",
    "target pstn trunk pstn\n",
    "routes r\n  via pstn\n",
    "class k\n  members 41XX\n  deny premium\n",
    "hours h\n  open mon-fri 08:00-18:00\n",
    "when ",
    "not ",
    "survival ",
    "strip 1 ",
    "prepend 9 ",
    "called +1$1 ",
    "calling ${calling} ",
    "as national ",
    "as dialled ",
    "category international ",
    "goto ",
    "refuse 21 ",
    "test ",
    "expect ",
    "emergency ",
    "more-digits ",
    "9NXXNXXXXXX",
    "(X.)",
    "[1-5]",
    "!",
    ".",
    "/9(\\d+)/",
    "/(a|)*/",
    "\"",
    "#",
    "$9",
    "region us\n",
    "outside-line 9\n",
    "route pstn\n",
    "no-emergency\n",
    "caller 41(XX) calling +1$1\n",
    "failover 34 503 down\n",
    "format called national ton national npi isdn\n",
    "lint-ignore overlap\n",
    "date 12-25 \"x\"\n",
    "timezone America/Chicago\n",
    "country 1\n",
    "\t",
    "\r\n",
    "\xff",
};

std::string readFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

void collect(const std::string& path, std::vector<std::string>& out) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    std::fprintf(stderr, "dialplan_fuzz_driver: cannot read %s\n", path.c_str());
    std::exit(2);
  }
  if (S_ISDIR(st.st_mode)) {
    DIR* d = ::opendir(path.c_str());
    std::vector<std::string> names;
    while (dirent* e = ::readdir(d)) {
      if (e->d_name[0] != '.') names.push_back(path + "/" + e->d_name);
    }
    ::closedir(d);
    std::sort(names.begin(), names.end());  // deterministic order
    for (const auto& n : names)
      collect(n, out);
  } else {
    out.push_back(readFile(path));
  }
}

std::string mutate(const std::vector<std::string>& corpus, Rng& rng) {
  std::string s = corpus[rng.below(corpus.size())];
  int steps = 1 + static_cast<int>(rng.below(6));
  for (int i = 0; i < steps; ++i) {
    switch (rng.below(7)) {
      case 0:  // flip a byte
        if (!s.empty()) s[rng.below(s.size())] = static_cast<char>(rng.next());
        break;
      case 1: {  // delete a span
        if (s.empty()) break;
        size_t at = rng.below(s.size());
        s.erase(at, 1 + rng.below(16));
        break;
      }
      case 2: {  // insert a dial plan word
        const char* w = kWords[rng.below(sizeof kWords / sizeof kWords[0])];
        s.insert(rng.below(s.size() + 1), w);
        break;
      }
      case 3: {  // duplicate a line
        size_t a = s.rfind('\n', rng.below(s.size() + 1));
        a = a == std::string::npos ? 0 : a + 1;
        size_t b = s.find('\n', a);
        if (b == std::string::npos) break;
        s.insert(a, s.substr(a, b - a + 1));
        break;
      }
      case 4: {  // splice in a piece of another input
        const std::string& o = corpus[rng.below(corpus.size())];
        if (o.empty()) break;
        size_t a = rng.below(o.size());
        s.insert(rng.below(s.size() + 1), o.substr(a, 1 + rng.below(200)));
        break;
      }
      case 5:  // change a digit
        for (size_t k = 0, n = s.size(); k < n && n; ++k) {
          size_t at = rng.below(n);
          if (s[at] >= '0' && s[at] <= '9') {
            s[at] = static_cast<char>('0' + rng.below(10));
            break;
          }
        }
        break;
      case 6: {  // drop a line
        size_t a = s.find('\n', rng.below(s.size() + 1));
        if (a == std::string::npos) break;
        size_t b = s.find('\n', a + 1);
        s.erase(a, b == std::string::npos ? std::string::npos : b - a);
        break;
      }
    }
  }
  return s;
}

std::string g_current;
std::string g_crashFile = "dialplan-fuzz-crash.dialplan";

// On a crash or an abort, the input goes to the crash file (with write(2),
// which is safe in a signal handler), then the signal does what it does.
void onCrash(int sig) {
  int fd = ::open(g_crashFile.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd >= 0) {
    ssize_t ignored = ::write(fd, g_current.data(), g_current.size());
    (void)ignored;
    ::close(fd);
  }
  const char msg[] = "dialplan_fuzz_driver: crashed; the failing input is in the crash file\n";
  ssize_t ignored = ::write(2, msg, sizeof msg - 1);
  (void)ignored;
  std::signal(sig, SIG_DFL);
  std::raise(sig);
}

}  // namespace

int main(int argc, char** argv) {
  long iterations = std::getenv("OUTPOST_FUZZ_ITERATIONS")
                        ? std::atol(std::getenv("OUTPOST_FUZZ_ITERATIONS"))
                        : 5000;
  uint64_t seed = 20261124;
  std::vector<std::string> corpus;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--iterations" && i + 1 < argc)
      iterations = std::atol(argv[++i]);
    else if (a == "--seed" && i + 1 < argc)
      seed = std::strtoull(argv[++i], nullptr, 10);
    else if (a == "--crash-file" && i + 1 < argc)
      g_crashFile = argv[++i];
    else
      collect(a, corpus);
  }
  if (corpus.empty()) {
    std::fprintf(stderr,
                 "usage: dialplan_fuzz_driver [--iterations N] [--seed S] FILE_OR_DIR...\n");
    return 2;
  }
  for (int sig : {SIGABRT, SIGSEGV, SIGBUS, SIGFPE, SIGILL})
    std::signal(sig, onCrash);
  auto start = std::chrono::steady_clock::now();
  // The corpus as it is first, then mutations.
  for (const auto& c : corpus) {
    g_current = c;
    LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(c.data()), c.size());
  }
  Rng rng{seed ? seed : 1};
  for (long i = 0; i < iterations; ++i) {
    g_current = mutate(corpus, rng);
    LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(g_current.data()), g_current.size());
  }
  double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf(
      "dialplan fuzz: %zu corpus inputs and %ld mutations (seed %llu) in %.1f s, no failure\n",
      corpus.size(), iterations, static_cast<unsigned long long>(seed), s);
  return 0;
}
