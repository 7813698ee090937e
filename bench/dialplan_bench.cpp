// Dial plan benchmarks: prefix route tables of 1,000, 100,000 and 1,000,000
// rows (a rate deck imported from CSV) and plans of 1,000 and 100,000 pattern
// rules. For each: load time (parse, compile, lint, inline tests), memory the
// loaded plan keeps, and lookup latency per call (median and p99) beside a
// straightforward linear scan of the same routes, measured in the same run.
//
//   bench/dialplan_bench                 # all sizes
//   bench/dialplan_bench 1000 100000     # table sizes to run (rule plans run at 1000 and 100000)
#include <malloc.h>
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "bench/bench.hpp"
#include "dialplan/loader.hpp"
#include "dialplan/model.hpp"

using namespace outpost::dialplan;
using Clock = std::chrono::steady_clock;

namespace {

const std::string kPrelude =
    "site\n  country 1\n  area-code 312\n  timezone America/Chicago\n"
    "emergency\n  region us\n  outside-line 9\n  route pstn\n"
    "target pstn trunk pstn\n"
    "target r0 trunk r0\ntarget r1 trunk r1\ntarget r2 sip r2\ntarget r3 sip r3\n"
    "target r4 trunk r4\ntarget r5 trunk r5\ntarget r6 sip r6\ntarget r7 sip r7\n";

// Bytes malloc has handed out (big mmapped blocks included), plus the tables'
// huge-page mappings, which are not malloc's.
size_t heapInUse() {
  struct mallinfo2 mi = mallinfo2();
  return mi.uordblks + mi.hblkhd + hugeBytesInUse();
}

double nowUs(Clock::time_point t0) {
  return std::chrono::duration<double, std::micro>(Clock::now() - t0).count();
}

// Unique prefixes that look like a rate deck: 4 to 9 digits, first digit 1-9.
std::vector<std::string> makePrefixes(size_t n, std::mt19937_64& rng) {
  std::set<std::string> seen;
  std::vector<std::string> out;
  out.reserve(n);
  while (out.size() < n) {
    std::string p(1, static_cast<char>('1' + rng() % 9));
    size_t len = 4 + rng() % 6;
    while (p.size() < len)
      p += static_cast<char>('0' + rng() % 10);
    if (seen.insert(p).second) out.push_back(std::move(p));
  }
  return out;
}

// Numbers to look up: most extend a prefix of the table to 11-12 digits, a
// tenth are random (and mostly miss).
std::vector<std::string> makeNumbers(const std::vector<std::string>& prefixes, size_t n,
                                     std::mt19937_64& rng) {
  std::vector<std::string> out;
  for (size_t i = 0; i < n; ++i) {
    std::string s = i % 10 == 9 ? std::string(1, static_cast<char>('1' + rng() % 9))
                                : prefixes[rng() % prefixes.size()];
    size_t len = 11 + rng() % 2;
    while (s.size() < len)
      s += static_cast<char>('0' + rng() % 10);
    out.push_back(std::move(s));
  }
  return out;
}

struct Latency {
  double median = 0, p99 = 0;
};

Latency summarise(std::vector<double> v) {
  return {outpost::bench::percentile(v, 50), outpost::bench::percentile(v, 99)};
}

void tables(size_t n, std::mt19937_64& rng) {
  std::vector<std::string> prefixes = makePrefixes(n, rng);
  // Heap in use before the CSV text exists: the CSV and its copies are freed
  // after the load, so what the difference shows is the plan alone.
  size_t heapBefore = heapInUse();
  std::string csv = "prefix,route\n";
  csv.reserve(n * 14);
  std::vector<int> routeOf(n);
  for (size_t i = 0; i < n; ++i) {
    routeOf[i] = static_cast<int>(rng() % 8);
    csv += prefixes[i] + ",r" + std::to_string(routeOf[i]) + "\n";
  }
  std::string plan =
      kPrelude +
      "table deck \"deck.csv\"\n  default pstn\n"
      "context c\n  dial +X. route table deck category international national premium\n"
      "  otherwise refuse 1\n";
  LoadOptions opt;
  std::vector<std::pair<std::string, std::string>> files;
  files.emplace_back("deck.csv", std::move(csv));
  opt.reader = memoryReader(std::move(files));
  auto t0 = Clock::now();
  LoadResult r = loadPlanText("bench.dialplan", plan, opt);
  double loadS = std::chrono::duration<double>(Clock::now() - t0).count();
  opt.reader = nullptr;  // drop the CSV text: what stays is the plan
  size_t heapAfter = heapInUse();
  if (!r.ok()) {
    std::fprintf(stderr, "%s", r.report().c_str());
    std::exit(1);
  }
  const Plan& p = *r.plan;
  const PrefixTable& table = p.model().tables[0]->table;
  double mb = static_cast<double>(heapAfter - heapBefore) / 1e6;
  std::string N = std::to_string(n);
  outpost::bench::record("dialplan.table_load_s." + N, loadS, "s", 0,
                         "parse " + N + " CSV rows, compile, lint, build the prefix trie");
  outpost::bench::record("dialplan.table_memory_mb." + N, mb, "MB", 0,
                         std::to_string(table.nodeCount()) + " trie nodes, " +
                             std::to_string(table.memoryBytes() / 1000000) +
                             " MB in the table itself");

  std::vector<std::string> numbers = makeNumbers(prefixes, 200000, rng);
  // Whole decisions (what call control pays per call), then the trie alone.
  // Each is timed per lookup in five rounds; the figures are the best round's,
  // so a neighbour's compile job on this shared machine does not set them.
  Query q;
  q.context = "c";
  q.time = outpost::core::WallTime(std::chrono::seconds(1767787200));
  size_t checked = 0;
  uint64_t sink = 0;
  std::vector<double> evalRound, trieRound;
  Latency e{1e9, 1e9}, tr{1e9, 1e9};
  const size_t perRound = numbers.size() / 5;
  for (size_t round = 0; round < 5; ++round) {
    evalRound.clear();
    trieRound.clear();
    for (size_t i = round * perRound; i < (round + 1) * perRound; ++i) {
      q.called = "+" + numbers[i];
      auto t = Clock::now();
      Decision d = p.evaluate(q);
      evalRound.push_back(nowUs(t));
      checked += d.outcome == Outcome::kRoute;
    }
    for (size_t i = round * perRound; i < (round + 1) * perRound; ++i) {
      auto t = Clock::now();
      sink += table.longestPrefix(numbers[i]);
      trieRound.push_back(nowUs(t));
    }
    Latency a = summarise(evalRound), b = summarise(trieRound);
    e = {std::min(e.median, a.median), std::min(e.p99, a.p99)};
    tr = {std::min(tr.median, b.median), std::min(tr.p99, b.p99)};
  }
  // The straightforward way: scan every row, keep the longest prefix.
  size_t linearN = n >= 1000000 ? 300 : n >= 100000 ? 2000 : 20000;
  std::vector<double> linUs;
  size_t agree = 0;
  for (size_t i = 0; i < linearN; ++i) {
    const std::string& num = numbers[i];
    auto t = Clock::now();
    size_t best = SIZE_MAX, bestLen = 0;
    for (size_t k = 0; k < n; ++k) {
      const std::string& pre = prefixes[k];
      if (pre.size() > bestLen && num.compare(0, pre.size(), pre) == 0) {
        best = k;
        bestLen = pre.size();
      }
    }
    linUs.push_back(nowUs(t));
    uint32_t row = table.longestPrefix(num);
    agree += (best == SIZE_MAX && row == PrefixTable::kNoRow) ||
             (best != SIZE_MAX && row != PrefixTable::kNoRow && table.row(row).line == best + 2);
  }
  if (agree != linearN) {
    std::fprintf(stderr, "trie and linear scan disagree on %zu of %zu numbers\n", linearN - agree,
                 linearN);
    std::exit(1);
  }
  Latency li = summarise(linUs);
  std::string detail = "best of 5 rounds of " + std::to_string(perRound) + " lookups (" +
                       std::to_string(checked) + " routed); linear scan over the same rows on " +
                       std::to_string(linearN);
  outpost::bench::record("dialplan.table_evaluate_median_us." + N, e.median, "us", li.median,
                         detail);
  outpost::bench::record("dialplan.table_evaluate_p99_us." + N, e.p99, "us", li.p99, detail);
  outpost::bench::record("dialplan.table_trie_median_us." + N, tr.median, "us", li.median,
                         "longest prefix alone, clock reads included; " + std::to_string(sink % 2));
  outpost::bench::record("dialplan.table_trie_p99_us." + N, tr.p99, "us", li.p99,
                         "longest prefix alone, clock reads included");
}

// Plans of N pattern rules ("dial 1NXXNXX. route rK"), matched by the rule
// trie, against a linear scan that tests every pattern and keeps the most
// specific.
void rules(size_t n, std::mt19937_64& rng) {
  std::vector<std::string> prefixes = makePrefixes(n, rng);
  std::string plan = kPrelude + "context c\n  otherwise refuse 1\n";
  plan.reserve(n * 50);
  for (size_t i = 0; i < n; ++i) {
    plan += "  dial 8" + prefixes[i] + ". strip 1 as dialled route r" + std::to_string(rng() % 8) +
            " category national international premium\n";
  }
  size_t heapBefore = heapInUse();
  auto t0 = Clock::now();
  LoadResult r = loadPlanText("rules.dialplan", plan, {});
  double loadS = std::chrono::duration<double>(Clock::now() - t0).count();
  size_t heapAfter = heapInUse();
  if (!r.ok()) {
    std::fprintf(stderr, "%s", r.report().c_str());
    std::exit(1);
  }
  const Plan& p = *r.plan;
  std::string N = std::to_string(n);
  outpost::bench::record("dialplan.rules_load_s." + N, loadS, "s", 0,
                         N + " dial lines: parse, compile, lint");
  outpost::bench::record("dialplan.rules_memory_mb." + N,
                         static_cast<double>(heapAfter - heapBefore) / 1e6, "MB");
  std::vector<std::string> numbers = makeNumbers(prefixes, 100000, rng);
  std::vector<double> evalUs;
  Query q;
  q.context = "c";
  for (const auto& num : numbers) {
    q.called = "8" + num;
    auto t = Clock::now();
    Decision d = p.evaluate(q);
    evalUs.push_back(nowUs(t));
  }
  // Linear: every rule's pattern, most specific kept (what precedence asks).
  const PlanModel& m = p.model();
  size_t linearN = n >= 100000 ? 1000 : 20000;
  std::vector<double> linUs;
  for (size_t i = 0; i < linearN; ++i) {
    std::string num = "8" + numbers[i];
    auto t = Clock::now();
    const Rule* best = nullptr;
    for (const Rule& rule : m.rules) {
      if (rule.kind != Rule::kPattern || !rule.pattern.matches(num)) continue;
      if (!best || rule.pattern.positions.size() > best->pattern.positions.size()) best = &rule;
    }
    linUs.push_back(nowUs(t));
    if (best && m.contexts[0].trie.match(num) != best->id) {
      std::fprintf(stderr, "rule trie and linear scan disagree on %s\n", num.c_str());
      std::exit(1);
    }
  }
  Latency e = summarise(evalUs), li = summarise(linUs);
  std::string detail = std::to_string(numbers.size()) +
                       " lookups; linear scan of every pattern on " + std::to_string(linearN);
  outpost::bench::record("dialplan.rules_evaluate_median_us." + N, e.median, "us", li.median,
                         detail);
  outpost::bench::record("dialplan.rules_evaluate_p99_us." + N, e.p99, "us", li.p99, detail);
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<size_t> sizes;
  for (int i = 1; i < argc; ++i)
    sizes.push_back(std::stoul(argv[i]));
  if (sizes.empty()) sizes = {1000, 100000, 1000000};
  std::mt19937_64 rng(20261124);
  for (size_t n : sizes)
    tables(n, rng);
  for (size_t n : {size_t{1000}, size_t{100000}}) {
    if (std::find(sizes.begin(), sizes.end(), n) != sizes.end() || argc == 1) rules(n, rng);
  }
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  outpost::bench::record("dialplan.peak_rss_mb", static_cast<double>(ru.ru_maxrss) / 1024.0, "MB",
                         0,
                         "whole benchmark process, every size, CSV text and generators included");
  return 0;
}
