// Benchmark support: timing helpers and the record format `make bench`
// gathers into build/bench/results.json. Single-threaded use.
#pragma once

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
