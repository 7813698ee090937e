#include "gateway/schema.hpp"

#include "gateway/cdr.hpp"

namespace outpost::gateway {

namespace {
// Never edit a migration that has shipped: add a new one.
const core::Migration kMigrations[] = {
    {1, "daemon runs",
     "CREATE TABLE daemon_runs ("
     "  id INTEGER PRIMARY KEY,"
     "  started_at TEXT NOT NULL,"
     "  stopped_at TEXT,"
     "  stop_reason TEXT,"
     "  version TEXT NOT NULL,"
     "  pid INTEGER NOT NULL,"
     "  config TEXT NOT NULL)"},
    {2, "call detail records", kCdrTableSql},
};
}  // namespace

std::span<const core::Migration> schemaMigrations() {
  return kMigrations;
}

}  // namespace outpost::gateway
