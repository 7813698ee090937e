#include "gateway/cdr.hpp"

namespace outpost::gateway {

const char* const kCdrTableSql =
    "CREATE TABLE cdrs ("
    "  id INTEGER PRIMARY KEY,"
    "  call_ref TEXT NOT NULL,"
    "  direction TEXT NOT NULL,"
    "  context TEXT NOT NULL,"
    "  calling_in TEXT NOT NULL, called_in TEXT NOT NULL,"
    "  calling_out TEXT NOT NULL, called_out TEXT NOT NULL,"
    "  route TEXT NOT NULL, routes_tried INTEGER NOT NULL,"
    "  span INTEGER NOT NULL, channel INTEGER NOT NULL,"
    "  sip_call_id TEXT NOT NULL, sip_peer TEXT NOT NULL,"
    "  setup_at TEXT NOT NULL, answer_at TEXT, end_at TEXT NOT NULL,"
    "  billsec REAL NOT NULL,"
    "  released_by TEXT NOT NULL,"
    "  q850_cause INTEGER NOT NULL, sip_status INTEGER NOT NULL,"
    "  codec TEXT NOT NULL, dtmf_count INTEGER NOT NULL,"
    "  emergency INTEGER NOT NULL);"
    "CREATE INDEX cdrs_end ON cdrs(end_at);"
    "CREATE INDEX cdrs_ref ON cdrs(call_ref);";

namespace {
const char* kColumns =
    "id, call_ref, direction, context, calling_in, called_in, calling_out, called_out, route, "
    "routes_tried, span, channel, sip_call_id, sip_peer, setup_at, answer_at, end_at, billsec, "
    "released_by, q850_cause, sip_status, codec, dtmf_count, emergency";

nlohmann::json rowJson(core::Statement& st) {
  nlohmann::json j = nlohmann::json::object();
  for (int i = 0; i < st.columnCount(); ++i) {
    std::string name = st.columnName(i);
    switch (sqlite3_column_type(st.raw(), i)) {
      case SQLITE_INTEGER:
        j[name] = st.columnInt(i);
        break;
      case SQLITE_FLOAT:
        j[name] = st.columnDouble(i);
        break;
      case SQLITE_NULL:
        j[name] = nullptr;
        break;
      default:
        j[name] = st.columnText(i);
        break;
    }
  }
  return j;
}

std::string csvField(std::string v) {
  if (v.find_first_of(",\"\r\n") == std::string::npos) return v;
  std::string out = "\"";
  for (char c : v) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}
}  // namespace

double Cdr::billableSeconds() const {
  if (!answer_at) return 0;
  return std::chrono::duration<double>(end_at - *answer_at).count();
}

void submitCdr(core::StoreWriter& store, const Cdr& c, std::function<void(core::Status)> done) {
  store.submit(
      [c](core::Database& db) -> core::Status {
        auto st = db.cached(
            "INSERT INTO cdrs(call_ref, direction, context, calling_in, called_in, calling_out, "
            "called_out, route, routes_tried, span, channel, sip_call_id, sip_peer, setup_at, "
            "answer_at, end_at, billsec, released_by, q850_cause, sip_status, codec, dtmf_count, "
            "emergency) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)");
        if (!st) return st.status();
        core::Statement& s = **st;
        s.bindAll(c.call_ref, c.direction, c.context, c.calling_in, c.called_in, c.calling_out,
                  c.called_out, c.route, c.routes_tried, c.span, c.channel, c.sip_call_id,
                  c.sip_peer, core::formatUtc(c.setup_at));
        if (c.answer_at) {
          s.bind(15, core::formatUtc(*c.answer_at));
        } else {
          s.bind(15, nullptr);
        }
        s.bind(16, core::formatUtc(c.end_at));
        s.bind(17, c.billableSeconds());
        s.bind(18, c.released_by);
        s.bind(19, c.q850_cause);
        s.bind(20, c.sip_status);
        s.bind(21, c.codec);
        s.bind(22, c.dtmf_count);
        s.bind(23, c.emergency ? 1 : 0);
        return s.run();
      },
      core::Durability::kCritical, std::move(done));
}

core::Result<std::vector<nlohmann::json>> latestCdrs(core::Database& db, int limit) {
  auto st = db.prepare(std::string("SELECT ") + kColumns + " FROM cdrs ORDER BY id DESC LIMIT ?");
  if (!st) return st.error();
  st->bind(1, limit);
  std::vector<nlohmann::json> rows;
  for (;;) {
    auto r = st->step();
    if (!r) return r.error();
    if (!*r) break;
    rows.push_back(rowJson(*st));
  }
  return rows;
}

core::Result<std::string> cdrCsv(core::Database& db, int limit) {
  auto st = db.prepare(std::string("SELECT * FROM (SELECT ") + kColumns +
                       " FROM cdrs ORDER BY id DESC LIMIT ?) ORDER BY id");
  if (!st) return st.error();
  st->bind(1, limit);
  std::string out;
  for (int i = 0; i < st->columnCount(); ++i)
    out += (i ? "," : "") + st->columnName(i);
  out += "\r\n";
  for (;;) {
    auto r = st->step();
    if (!r) return r.error();
    if (!*r) break;
    for (int i = 0; i < st->columnCount(); ++i) {
      if (i) out += ",";
      if (!st->columnIsNull(i)) out += csvField(st->columnText(i));
    }
    out += "\r\n";
  }
  return out;
}

}  // namespace outpost::gateway
