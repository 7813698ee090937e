#include "core/store.hpp"

#include "core/log.hpp"

namespace outpost::core {

namespace {
Error sqlError(sqlite3* db, const std::string& what) {
  return ioError(what + ": " + (db ? sqlite3_errmsg(db) : "out of memory"));
}
}  // namespace

Statement& Statement::bind(int index, int64_t v) {
  sqlite3_bind_int64(stmt_.get(), index, v);
  return *this;
}
Statement& Statement::bind(int index, double v) {
  sqlite3_bind_double(stmt_.get(), index, v);
  return *this;
}
Statement& Statement::bind(int index, std::string_view v) {
  sqlite3_bind_text(stmt_.get(), index, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
  return *this;
}
Statement& Statement::bind(int index, std::nullptr_t) {
  sqlite3_bind_null(stmt_.get(), index);
  return *this;
}
Statement& Statement::bind(int index, const SqlValue& v) {
  std::visit([&](const auto& x) { bind(index, x); }, v);
  return *this;
}

Result<bool> Statement::step() {
  int rc = sqlite3_step(stmt_.get());
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return sqlError(sqlite3_db_handle(stmt_.get()), "sqlite step");
}

Status Statement::run() {
  for (;;) {
    auto r = step();
    if (!r) {
      reset();
      return r.status();
    }
    if (!*r) break;
  }
  reset();
  return Status::ok();
}

void Statement::reset() {
  sqlite3_reset(stmt_.get());
  sqlite3_clear_bindings(stmt_.get());
}

int64_t Statement::columnInt(int i) const {
  return sqlite3_column_int64(stmt_.get(), i);
}
double Statement::columnDouble(int i) const {
  return sqlite3_column_double(stmt_.get(), i);
}
std::string Statement::columnText(int i) const {
  auto* p = sqlite3_column_text(stmt_.get(), i);
  return p ? std::string(reinterpret_cast<const char*>(p),
                         static_cast<size_t>(sqlite3_column_bytes(stmt_.get(), i)))
           : std::string();
}
bool Statement::columnIsNull(int i) const {
  return sqlite3_column_type(stmt_.get(), i) == SQLITE_NULL;
}
int Statement::columnCount() const {
  return sqlite3_column_count(stmt_.get());
}
std::string Statement::columnName(int i) const {
  const char* n = sqlite3_column_name(stmt_.get(), i);
  return n ? n : "";
}

Result<Database> Database::open(const std::string& path, Mode mode) {
  sqlite3* raw = nullptr;
  int flags =
      mode == Mode::kReadOnly ? SQLITE_OPEN_READONLY : (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
  flags |= SQLITE_OPEN_NOMUTEX;  // one thread per connection, by design
  int rc = sqlite3_open_v2(path.c_str(), &raw, flags, nullptr);
  Database db;
  db.db_.reset(raw);
  db.path_ = path;
  if (rc != SQLITE_OK) return sqlError(raw, "cannot open database " + path);
  sqlite3_extended_result_codes(raw, 1);
  sqlite3_busy_timeout(raw, 5000);
  if (mode == Mode::kReadWrite) {
    // WAL lets readers (status, CDR export) run beside the writer thread.
    if (Status s = db.exec("PRAGMA journal_mode=WAL"); !s) return s;
    if (Status s = db.exec("PRAGMA synchronous=NORMAL"); !s) return s;
  }
  if (Status s = db.exec("PRAGMA foreign_keys=ON"); !s) return s;
  return db;
}

Status Database::exec(const std::string& sql) {
  char* err = nullptr;
  int rc = sqlite3_exec(db_.get(), sql.c_str(), nullptr, nullptr, &err);
  if (rc != SQLITE_OK) {
    std::string msg = err ? err : sqlite3_errmsg(db_.get());
    sqlite3_free(err);
    return ioError(path_ + ": " + msg);
  }
  return Status::ok();
}

Result<Statement> Database::prepare(const std::string& sql) {
  sqlite3_stmt* stmt = nullptr;
  int rc = sqlite3_prepare_v2(db_.get(), sql.c_str(), static_cast<int>(sql.size()), &stmt, nullptr);
  if (rc != SQLITE_OK) return sqlError(db_.get(), "cannot prepare '" + sql + "'");
  return Statement(stmt);
}

Result<Statement*> Database::cached(const std::string& sql) {
  auto it = cache_.find(sql);
  if (it == cache_.end()) {
    auto st = prepare(sql);
    if (!st) return st.error();
    it = cache_.emplace(sql, std::make_unique<Statement>(std::move(st).value())).first;
  } else {
    it->second->reset();
  }
  return it->second.get();
}

int64_t Database::lastInsertRowid() const {
  return sqlite3_last_insert_rowid(db_.get());
}
int Database::changes() const {
  return sqlite3_changes(db_.get());
}
std::string Database::errorMessage() const {
  return sqlite3_errmsg(db_.get());
}

int Database::schemaVersion() {
  auto st = prepare("PRAGMA user_version");
  if (!st) return -1;
  auto row = st->step();
  return row && *row ? static_cast<int>(st->columnInt(0)) : -1;
}

Status Database::migrate(std::span<const Migration> migrations) {
  int current = schemaVersion();
  if (current < 0) return ioError(path_ + ": cannot read schema version");
  int newest = 0;
  for (const auto& m : migrations)
    newest = std::max(newest, m.version);
  if (current > newest) {
    return invalidArgument(path_ + ": database schema version " + std::to_string(current) +
                           " is newer than this program knows (" + std::to_string(newest) +
                           "); refusing to touch it");
  }
  if (Status s = exec(
          "CREATE TABLE IF NOT EXISTS schema_migrations ("
          " version INTEGER PRIMARY KEY, description TEXT NOT NULL, applied_at TEXT NOT NULL)");
      !s) {
    return s;
  }
  for (const auto& m : migrations) {
    if (m.version <= current) continue;
    if (Status s = exec("BEGIN IMMEDIATE"); !s) return s;
    Status s = exec(m.sql);
    if (s) {
      auto st = prepare(
          "INSERT INTO schema_migrations(version, description, applied_at) "
          "VALUES (?, ?, strftime('%Y-%m-%dT%H:%M:%fZ','now'))");
      if (!st) {
        s = st.status();
      } else {
        st->bindAll(m.version, m.description);
        s = st->run();
      }
    }
    if (s) s = exec("PRAGMA user_version=" + std::to_string(m.version));
    if (!s) {
      (void)exec("ROLLBACK");
      return ioError(path_ + ": migration " + std::to_string(m.version) + " (" + m.description +
                     ") failed: " + s.message());
    }
    if (Status c = exec("COMMIT"); !c) return c;
    OUTPOST_LOG(Info, "store") << path_ << ": applied migration " << m.version << " ("
                               << m.description << ")";
    current = m.version;
  }
  return Status::ok();
}

Status Database::checkIntegrity() {
  auto st = prepare("PRAGMA integrity_check");
  if (!st) return st.status();
  auto row = st->step();
  if (!row) return row.status();
  std::string verdict = *row ? st->columnText(0) : "no answer";
  if (verdict != "ok") return ioError(path_ + ": integrity check failed: " + verdict);
  return Status::ok();
}

Result<std::unique_ptr<StoreWriter>> StoreWriter::start(const std::string& path,
                                                        std::span<const Migration> migrations,
                                                        Options options) {
  auto db = Database::open(path);
  if (!db) return db.error();
  sqlite3_busy_timeout(
      db->raw(),
      static_cast<int>(
          std::chrono::duration_cast<std::chrono::milliseconds>(options.busy_timeout).count()));
  if (Status s = db->migrate(migrations); !s) return s;
  return std::unique_ptr<StoreWriter>(new StoreWriter(std::move(db).value(), options));
}

StoreWriter::StoreWriter(Database db, Options options)
    : db_(std::move(db)), options_(options), path_(db_.path()) {
  thread_ = std::thread([this] { threadMain(); });
}

StoreWriter::~StoreWriter() {
  stop();
}

void StoreWriter::stop() {
  {
    std::lock_guard lock(mutex_);
    if (stopping_ && !thread_.joinable()) return;
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void StoreWriter::submit(Work work, Durability durability, Done done) {
  {
    std::lock_guard lock(mutex_);
    if (stopping_ && !thread_.joinable()) {
      if (done) done(unavailable(path_ + ": store writer has stopped"));
      return;
    }
    queue_.push_back(Item{std::move(work), durability, std::move(done), next_seq_++});
    ++stats_.queued;
  }
  wake_.notify_one();
}

bool StoreWriter::flush(Duration timeout) {
  std::unique_lock lock(mutex_);
  uint64_t target = next_seq_ - 1;
  return drained_.wait_for(lock, timeout, [&] { return done_seq_ >= target; });
}

StoreWriter::Stats StoreWriter::stats() const {
  std::lock_guard lock(mutex_);
  return stats_;
}

void StoreWriter::threadMain() {
  std::vector<Item> batch;
  for (;;) {
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty() && stopping_) return;
      // One transaction never mixes durabilities: a critical write is not
      // held back behind a long run of normal ones, nor do normal writes pay
      // for a full sync they did not ask for.
      Durability d = queue_.front().durability;
      while (!queue_.empty() && batch.size() < options_.max_batch &&
             queue_.front().durability == d) {
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
    }
    commitBatch(batch);
    uint64_t last = batch.back().seq;
    batch.clear();
    {
      std::lock_guard lock(mutex_);
      done_seq_ = last;
    }
    drained_.notify_all();
  }
}

void StoreWriter::commitBatch(std::vector<Item>& batch) {
  bool wantFull = batch.front().durability == Durability::kCritical;
  if (wantFull != full_sync_) {
    if (db_.exec(wantFull ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL")) {
      full_sync_ = wantFull;
    }
  }
  std::vector<Status> results(batch.size());
  Status began = db_.exec("BEGIN IMMEDIATE");
  if (began) {
    for (size_t i = 0; i < batch.size(); ++i) {
      // A savepoint per write: one bad write is undone alone.
      (void)db_.exec("SAVEPOINT w");
      Status s;
      try {
        s = batch[i].work(db_);
      } catch (const std::exception& e) {
        s = internalError(std::string("store write threw: ") + e.what());
      }
      if (s) {
        (void)db_.exec("RELEASE w");
      } else {
        (void)db_.exec("ROLLBACK TO w");
        (void)db_.exec("RELEASE w");
      }
      results[i] = s;
    }
    Status committed = db_.exec("COMMIT");
    if (!committed) {
      (void)db_.exec("ROLLBACK");
      for (auto& r : results)
        r = committed;
    }
  } else {
    for (auto& r : results)
      r = began;
  }
  uint64_t ok = 0, bad = 0;
  std::string lastError;
  for (size_t i = 0; i < batch.size(); ++i) {
    if (results[i]) {
      ++ok;
    } else {
      ++bad;
      lastError = results[i].message();
      OUTPOST_LOG(Error, "store") << "write failed: " << lastError;
    }
  }
  {
    // Counted before anyone hears back, so a caller woken by `done` sees it.
    std::lock_guard lock(mutex_);
    stats_.committed += ok;
    stats_.failed += bad;
    stats_.transactions += 1;
    stats_.queued -= batch.size();
    if (!lastError.empty()) stats_.last_error = lastError;
  }
  for (size_t i = 0; i < batch.size(); ++i) {
    if (batch[i].done) batch[i].done(results[i]);
  }
}

}  // namespace outpost::core
