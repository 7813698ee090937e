// Benchmark support: timing helpers and the record format `make bench`
// gathers into build/bench/results.json. Single-threaded use.
#pragma once

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace outpost::bench {

// Prints the figure and appends one record to $OUTPOST_BENCH_RECORDS.
// baseline/ratio are 0 when the figure has no side-by-side comparison.
inline void record(const std::string& name, double value, const std::string& unit,
                   double baseline = 0, const std::string& detail = "") {
  double ratio = baseline != 0 ? value / baseline : 0;
  std::printf("%-48s %14.3f %-10s", name.c_str(), value, unit.c_str());
  if (baseline != 0) std::printf("  baseline %.3f, ratio %.2fx", baseline, ratio);
  if (!detail.empty()) std::printf("  (%s)", detail.c_str());
  std::printf("\n");
  std::fflush(stdout);
  const char* path = std::getenv("OUTPOST_BENCH_RECORDS");
  if (!path) return;
  nlohmann::json j = {{"name", name},
                      {"value", value},
                      {"unit", unit},
                      {"baseline", baseline != 0 ? nlohmann::json(baseline) : nlohmann::json()},
                      {"ratio", baseline != 0 ? nlohmann::json(ratio) : nlohmann::json()},
                      {"detail", detail}};
  std::ofstream(path, std::ios::app) << j.dump() << "\n";
}

// CPU time (user + system) of this process, for "CPU per call" figures.
inline double cpuSeconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

// CPU time of another process (from /proc/PID/stat), 0 when it is gone.
inline double cpuSeconds(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  // Fields after the ")" that ends the command name: state is the first,
  // utime and stime the 12th and 13th.
  size_t close = text.rfind(')');
  if (close == std::string::npos) return 0;
  unsigned long utime = 0, stime = 0;
  if (std::sscanf(text.c_str() + close + 1, " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu",
                  &utime, &stime) != 2)
    return 0;
  return static_cast<double>(utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

inline double secondsSince(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

// p in [0, 100] over an unsorted sample.
inline double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  size_t i = static_cast<size_t>(p / 100.0 * static_cast<double>(v.size() - 1) + 0.5);
  return v[std::min(i, v.size() - 1)];
}

}  // namespace outpost::bench
