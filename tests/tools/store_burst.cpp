// store-burst DB COUNT: writes COUNT rows through a StoreWriter as critical
// (synchronous=FULL) records and prints "committed N" after each commit is
// reported. The crash test kills it with SIGKILL in the middle of the burst and
// checks that every row it saw reported committed is in the database.
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "core/store.hpp"

using namespace outpost::core;

namespace {
const Migration kSchema[] = {
    {1, "burst", "CREATE TABLE burst (id INTEGER PRIMARY KEY, payload TEXT NOT NULL)"},
};
}

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: store-burst DB COUNT\n");
    return 2;
  }
  long count = std::atol(argv[2]);
  auto w = StoreWriter::start(argv[1], kSchema, StoreWriter::Options{16, std::chrono::seconds(5)});
  if (!w) {
    std::fprintf(stderr, "store-burst: %s\n", w.error().message.c_str());
    return 1;
  }
  std::string payload(512, 'x');
  for (long i = 1; i <= count; ++i) {
    (*w)->submit(
        [i, payload](Database& db) -> Status {
          auto st = db.cached("INSERT INTO burst(id, payload) VALUES (?, ?)");
          if (!st) return st.status();
          (*st)->bindAll(static_cast<int64_t>(i), payload);
          return (*st)->run();
        },
        Durability::kCritical,
        [i](Status s) {
          if (!s) return;
          // write(2), not stdio: the line must be out before the next commit.
          std::string line = "committed " + std::to_string(i) + "\n";
          ssize_t r = ::write(STDOUT_FILENO, line.data(), line.size());
          (void)r;
        });
  }
  (*w)->flush(std::chrono::minutes(5));
  return 0;
}
