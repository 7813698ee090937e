// Store writer throughput: CDR-sized critical writes through the batching
// writer thread, beside the same writes committed one transaction each (what
// a naive "INSERT with autocommit" does), measured in the same run.
#include <future>

#include "bench/bench.hpp"
#include "core/store.hpp"
#include "tests/support/process.hpp"

using namespace outpost::core;

namespace {
const Migration kSchema[] = {
    {1, "cdr", "CREATE TABLE cdr (id INTEGER PRIMARY KEY, a TEXT, b TEXT, cause INTEGER, t TEXT)"},
};

StoreWriter::Work insert(int i) {
  return [i](Database& db) -> Status {
    auto st = db.cached("INSERT INTO cdr(a, b, cause, t) VALUES (?, ?, ?, ?)");
    if (!st) return st.status();
    (*st)->bindAll("+13125550100", "+1212555" + std::to_string(1000 + i % 9000), 16,
                   "2026-11-24T04:08:27.123Z");
    return (*st)->run();
  };
}

double writerRate(const std::string& path, int n, Durability d) {
  auto w = StoreWriter::start(path, kSchema);
  if (!w) return 0;
  auto t = std::chrono::steady_clock::now();
  for (int i = 0; i < n; ++i)
    (*w)->submit(insert(i), d);
  (*w)->flush(std::chrono::minutes(5));
  return n / outpost::bench::secondsSince(t);
}

double autocommitRate(const std::string& path, int n) {
  auto db = Database::open(path);
  if (!db || !db->migrate(kSchema)) return 0;
  (void)db->exec("PRAGMA synchronous=FULL");
  auto t = std::chrono::steady_clock::now();
  for (int i = 0; i < n; ++i)
    (void)insert(i)(*db);
  return n / outpost::bench::secondsSince(t);
}
}  // namespace

int main() {
  outpost::test::TempDir dir;
  const int n = 20000;
  double batched = writerRate(dir.file("a.db"), n, Durability::kCritical);
  double normal = writerRate(dir.file("b.db"), n, Durability::kNormal);
  double single = autocommitRate(dir.file("c.db"), 2000);
  outpost::bench::record(
      "store.critical_writes_per_s", batched, "writes/s", single,
      "synchronous=FULL, batched by the writer thread vs one transaction per write");
  outpost::bench::record("store.normal_writes_per_s", normal, "writes/s", batched,
                         "synchronous=NORMAL vs FULL, both batched");
  return 0;
}
