// The SQLite store: a connection (Database) with prepared statements, versioned
// migrations, and the single writer thread (StoreWriter) that commits queued
// writes in small transactions. A Database belongs to one thread at a time;
// StoreWriter::submit() may be called from any thread.
#pragma once

#include <sqlite3.h>

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <thread>
#include <variant>
#include <vector>

#include "core/clock.hpp"
#include "core/handle.hpp"
#include "core/result.hpp"

namespace outpost::core {

using SqlValue = std::variant<std::nullptr_t, int64_t, double, std::string>;

class Statement {
 public:
  Statement() = default;
  explicit Statement(sqlite3_stmt* s) : stmt_(s) {}

  // Binds by 1-based position.
  Statement& bind(int index, int64_t v);
  Statement& bind(int index, int v) { return bind(index, static_cast<int64_t>(v)); }
  Statement& bind(int index, double v);
  Statement& bind(int index, std::string_view v);
  Statement& bind(int index, const char* v) { return bind(index, std::string_view(v)); }
  Statement& bind(int index, const std::string& v) { return bind(index, std::string_view(v)); }
  Statement& bind(int index, std::nullptr_t);
  Statement& bind(int index, const SqlValue& v);
  template <typename... Args>
  Statement& bindAll(const Args&... args) {
    int i = 0;
    (bind(++i, args), ...);
    return *this;
  }

  // true: a row is ready; false: done.
  Result<bool> step();
  // Runs to completion (for INSERT/UPDATE/DELETE).
  Status run();
  void reset();

  int64_t columnInt(int i) const;
  double columnDouble(int i) const;
  std::string columnText(int i) const;
  bool columnIsNull(int i) const;
  int columnCount() const;
  std::string columnName(int i) const;

  sqlite3_stmt* raw() const { return stmt_.get(); }

 private:
  UniqueHandle<sqlite3_stmt, sqlite3_finalize> stmt_;
};

struct Migration {
  int version;
  const char* description;
  const char* sql;
};

class Database {
 public:
  enum class Mode { kReadWrite, kReadOnly };

  static Result<Database> open(const std::string& path, Mode mode = Mode::kReadWrite);

  Database() = default;
  Database(Database&&) = default;
  Database& operator=(Database&&) = default;

  Status exec(const std::string& sql);
  Result<Statement> prepare(const std::string& sql);
  // A prepared statement kept for the life of the connection, reset and ready.
  Result<Statement*> cached(const std::string& sql);
  int64_t lastInsertRowid() const;
  int changes() const;
  int schemaVersion();
  std::string errorMessage() const;
  const std::string& path() const { return path_; }
  sqlite3* raw() const { return db_.get(); }

  // Applies every migration newer than the schema version, each in its own
  // transaction; refuses a database newer than the code.
  Status migrate(std::span<const Migration> migrations);
  // PRAGMA integrity_check == ok.
  Status checkIntegrity();

 private:
  UniqueHandle<sqlite3, sqlite3_close_v2> db_;
  std::string path_;
  std::map<std::string, std::unique_ptr<Statement>> cache_;
};

// How hard a write must hold on to the disk. kCritical commits with
// synchronous=FULL (CDRs, emergency calls, callbacks); kNormal with NORMAL,
// which in WAL mode survives a process crash but may lose the last commits
// on power loss.
enum class Durability { kNormal, kCritical };

class StoreWriter {
 public:
  using Work = std::function<Status(Database&)>;
  using Done = std::function<void(Status)>;

  struct Options {
    size_t max_batch = 64;  // writes per transaction
    Duration busy_timeout = std::chrono::seconds(5);
  };

  // Opens (creating if needed) and migrates the database on the caller's
  // thread, so a bad database fails start-up, then starts the writer thread.
  static Result<std::unique_ptr<StoreWriter>> start(const std::string& path,
                                                    std::span<const Migration> migrations,
                                                    Options options);
  static Result<std::unique_ptr<StoreWriter>> start(const std::string& path,
                                                    std::span<const Migration> migrations) {
    return start(path, migrations, Options{});
  }
  ~StoreWriter();  // commits what is queued, then stops

  // Any thread. `done` runs on the writer thread after the commit (or with the
  // error of this write alone: one failing write does not undo the others).
  void submit(Work work, Durability durability, Done done = {});
  // Blocks until everything submitted before the call is committed.
  bool flush(Duration timeout = std::chrono::seconds(30));
  void stop();

  struct Stats {
    uint64_t committed = 0;
    uint64_t failed = 0;
    uint64_t transactions = 0;
    uint64_t queued = 0;
    std::string last_error;
  };
  Stats stats() const;
  const std::string& path() const { return path_; }

 private:
  struct Item {
    Work work;
    Durability durability;
    Done done;
    uint64_t seq;
  };
  explicit StoreWriter(Database db, Options options);
  void threadMain();
  void commitBatch(std::vector<Item>& batch);

  Database db_;
  Options options_;
  std::string path_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::condition_variable drained_;
  std::deque<Item> queue_;
  uint64_t next_seq_ = 1;
  uint64_t done_seq_ = 0;
  bool stopping_ = false;
  Stats stats_;
  bool full_sync_ = false;
  std::thread thread_;
};

}  // namespace outpost::core
