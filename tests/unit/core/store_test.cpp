#include <atomic>
#include <boost/test/unit_test.hpp>
#include <future>

#include "core/store.hpp"
#include "tests/support/process.hpp"

using namespace outpost::core;
using outpost::test::TempDir;

namespace {
const Migration kV1[] = {
    {1, "calls", "CREATE TABLE calls (id INTEGER PRIMARY KEY, number TEXT NOT NULL UNIQUE)"},
};
const Migration kV2[] = {
    {1, "calls", "CREATE TABLE calls (id INTEGER PRIMARY KEY, number TEXT NOT NULL UNIQUE)"},
    {2, "cause", "ALTER TABLE calls ADD COLUMN cause INTEGER"},
};
const Migration kBroken[] = {
    {1, "calls", "CREATE TABLE calls (id INTEGER PRIMARY KEY, number TEXT NOT NULL UNIQUE)"},
    {2, "half", "CREATE TABLE half (x INTEGER); THIS IS NOT SQL"},
};

int64_t count(Database& db, const std::string& sql) {
  auto st = db.prepare(sql);
  BOOST_REQUIRE(st);
  auto row = st->step();
  BOOST_REQUIRE(row && *row);
  return st->columnInt(0);
}

StoreWriter::Work insertNumber(std::string n) {
  return [n](Database& db) -> Status {
    auto st = db.cached("INSERT INTO calls(number) VALUES (?)");
    if (!st) return st.status();
    (*st)->bind(1, n);
    return (*st)->run();
  };
}
}  // namespace

BOOST_AUTO_TEST_SUITE(store)

BOOST_AUTO_TEST_CASE(migrations_apply_in_order_once_and_are_recorded) {
  TempDir dir;
  std::string path = dir.file("o.db");
  {
    auto db = Database::open(path);
    BOOST_REQUIRE(db);
    BOOST_TEST(db->migrate(kV1).isOk());
    BOOST_TEST(db->schemaVersion() == 1);
  }
  {
    auto db = Database::open(path);
    BOOST_REQUIRE(db);
    BOOST_TEST(db->migrate(kV2).isOk());
    BOOST_TEST(db->schemaVersion() == 2);
    BOOST_TEST(db->migrate(kV2).isOk());  // nothing left to do
    BOOST_TEST(count(*db, "SELECT COUNT(*) FROM schema_migrations") == 2);
    BOOST_TEST(db->exec("INSERT INTO calls(number, cause) VALUES ('911', 16)").isOk());
    auto mode = db->prepare("PRAGMA journal_mode");
    BOOST_REQUIRE(mode && *mode->step());
    BOOST_TEST(mode->columnText(0) == "wal");
  }
}

BOOST_AUTO_TEST_CASE(a_database_newer_than_the_code_is_refused) {
  TempDir dir;
  std::string path = dir.file("o.db");
  {
    auto db = Database::open(path);
    BOOST_REQUIRE(db->migrate(kV2).isOk());
  }
  auto db = Database::open(path);
  Status s = db->migrate(kV1);
  BOOST_TEST(!s.isOk());
  BOOST_TEST(s.message().find("schema version 2 is newer than this program knows (1)") !=
             std::string::npos);
  BOOST_TEST(db->schemaVersion() == 2);
}

BOOST_AUTO_TEST_CASE(a_failing_migration_changes_nothing) {
  TempDir dir;
  auto db = Database::open(dir.file("o.db"));
  Status s = db->migrate(kBroken);
  BOOST_TEST(!s.isOk());
  BOOST_TEST(s.message().find("migration 2 (half) failed") != std::string::npos);
  BOOST_TEST(db->schemaVersion() == 1);
  BOOST_TEST(count(*db, "SELECT COUNT(*) FROM sqlite_master WHERE name = 'half'") == 0);
}

BOOST_AUTO_TEST_CASE(writer_commits_queued_writes_and_reports_each) {
  TempDir dir;
  auto w = StoreWriter::start(dir.file("o.db"), kV1);
  BOOST_REQUIRE(w);
  std::atomic<int> ok{0}, bad{0};
  for (int i = 0; i < 500; ++i) {
    (*w)->submit(insertNumber("n" + std::to_string(i)),
                 i % 10 == 0 ? Durability::kCritical : Durability::kNormal,
                 [&](Status s) { (s ? ok : bad)++; });
  }
  BOOST_TEST((*w)->flush());
  BOOST_TEST(ok.load() == 500);
  BOOST_TEST(bad.load() == 0);
  auto stats = (*w)->stats();
  BOOST_TEST(stats.committed == 500u);
  // Batched: far fewer transactions than writes.
  BOOST_TEST(stats.transactions < 500u);
  auto db = Database::open(dir.file("o.db"), Database::Mode::kReadOnly);
  BOOST_TEST(count(*db, "SELECT COUNT(*) FROM calls") == 500);
}

BOOST_AUTO_TEST_CASE(one_bad_write_fails_alone) {
  TempDir dir;
  auto w = StoreWriter::start(dir.file("o.db"), kV1);
  BOOST_REQUIRE(w);
  std::vector<std::promise<Status>> results(3);
  (*w)->submit(insertNumber("4100"), Durability::kNormal,
               [&](Status s) { results[0].set_value(s); });
  (*w)->submit(insertNumber("4100"), Durability::kNormal,  // UNIQUE violation
               [&](Status s) { results[1].set_value(s); });
  (*w)->submit(insertNumber("4101"), Durability::kNormal,
               [&](Status s) { results[2].set_value(s); });
  BOOST_TEST(results[0].get_future().get().isOk());
  Status dup = results[1].get_future().get();
  BOOST_TEST(!dup.isOk());
  BOOST_TEST(dup.message().find("UNIQUE") != std::string::npos);
  BOOST_TEST(results[2].get_future().get().isOk());
  auto db = Database::open(dir.file("o.db"), Database::Mode::kReadOnly);
  BOOST_TEST(count(*db, "SELECT COUNT(*) FROM calls") == 2);
  BOOST_TEST((*w)->stats().failed == 1u);
}

BOOST_AUTO_TEST_CASE(critical_writes_are_not_batched_with_normal_ones) {
  TempDir dir;
  auto w = StoreWriter::start(dir.file("o.db"), kV1);
  BOOST_REQUIRE(w);
  // Hold the writer busy so everything queues up behind one write.
  std::promise<void> release, started;
  auto released = release.get_future().share();
  (*w)->submit(
      [released, &started](Database&) -> Status {
        started.set_value();
        released.wait();
        return Status::ok();
      },
      Durability::kNormal);
  started.get_future().wait();
  for (int i = 0; i < 10; ++i)
    (*w)->submit(insertNumber("a" + std::to_string(i)), Durability::kNormal);
  (*w)->submit(insertNumber("cdr"), Durability::kCritical);
  for (int i = 0; i < 10; ++i)
    (*w)->submit(insertNumber("b" + std::to_string(i)), Durability::kNormal);
  release.set_value();
  BOOST_TEST((*w)->flush());
  // [blocker] [10 normal] [1 critical] [10 normal]
  BOOST_TEST((*w)->stats().transactions == 4u);
}

BOOST_AUTO_TEST_CASE(stopping_commits_what_is_queued) {
  TempDir dir;
  {
    auto w = StoreWriter::start(dir.file("o.db"), kV1);
    BOOST_REQUIRE(w);
    for (int i = 0; i < 200; ++i)
      (*w)->submit(insertNumber(std::to_string(i)), Durability::kNormal);
  }  // destructor stops the writer
  auto db = Database::open(dir.file("o.db"), Database::Mode::kReadOnly);
  BOOST_TEST(count(*db, "SELECT COUNT(*) FROM calls") == 200);
}

BOOST_AUTO_TEST_CASE(an_unopenable_database_fails_start) {
  auto w = StoreWriter::start("/nonexistent-dir/o.db", kV1);
  BOOST_TEST(!w);
  BOOST_TEST(w.error().message.find("/nonexistent-dir/o.db") != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()
