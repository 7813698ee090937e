#define BOOST_TEST_MODULE tdm
#include <boost/test/unit_test.hpp>

// libpri 1.6 has no function that frees a D-channel controller (struct pri):
// every trunk a test creates stays allocated until the process ends. That is
// libpri's shape, not a leak of ours, so LeakSanitizer is told to ignore
// allocations made inside libpri.
extern "C" const char* __lsan_default_suppressions() {
  return "leak:libpri.so\n";
}
