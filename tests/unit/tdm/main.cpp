#define BOOST_TEST_MODULE tdm
#include <boost/test/unit_test.hpp>
#include <cstdlib>

#include "core/log.hpp"

namespace {
// OUTPOST_TEST_LOG=trace (or debug, ...) shows the layer's log, down to
// libpri's decode of every frame at trace.
struct LogLevelFromEnv {
  LogLevelFromEnv() {
    if (const char* l = std::getenv("OUTPOST_TEST_LOG")) {
      if (auto level = outpost::core::parseLogLevel(l))
        outpost::core::Logger::instance().setLevel(*level);
    }
  }
};
BOOST_TEST_GLOBAL_FIXTURE(LogLevelFromEnv);
}  // namespace

// libpri 1.6 has no function that frees a D-channel controller (struct pri):
// every trunk a test creates stays allocated until the process ends. That is
// libpri's shape, not a leak of ours, so LeakSanitizer is told to ignore
// allocations made inside libpri.
extern "C" const char* __lsan_default_suppressions() {
  return "leak:libpri.so\n";
}
