// Shared by the tdm benchmarks: the process's CPU time, for "CPU per call"
// and "CPU per channel" figures. Single-threaded use.
#pragma once

#include <sys/resource.h>

namespace outpost::bench {

inline double cpuSeconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

}  // namespace outpost::bench
