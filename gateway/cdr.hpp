// Call detail records: one row per call, written once at the call's end as a
// critical (synchronous=FULL) store write, so a committed CDR survives a crash.
// Built and submitted on the control thread; read back (outpostctl cdr) from a
// read-only connection on the control thread.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "core/result.hpp"
#include "core/store.hpp"

namespace outpost::gateway {

struct Cdr {
  std::string call_ref;                 // the gateway's own call id (in every log line of the call)
  std::string direction;                // "sip-to-pstn", "pstn-to-sip"
  std::string context;                  // dial plan context
  std::string calling_in, called_in;    // numbers as received
  std::string calling_out, called_out;  // numbers as sent
  std::string route;          // the route target that carried the call (trunk group / peer)
  int routes_tried = 0;       // targets attempted (failover)
  int span = 0, channel = 0;  // B-channel used (0: none)
  std::string sip_call_id;
  std::string sip_peer;
  core::WallTime setup_at{};
  std::optional<core::WallTime> answer_at;
  core::WallTime end_at{};
  std::string released_by;  // "sip", "pstn", "gateway"
  int q850_cause = 0;
  int sip_status = 0;
  std::string codec;
  int dtmf_count = 0;
  bool emergency = false;

  double billableSeconds() const;
};

// The migration that creates the table (part of gateway/schema.cpp's list).
extern const char* const kCdrTableSql;

// Queues the row; `done` (writer thread) learns whether it was committed.
void submitCdr(core::StoreWriter& store, const Cdr& cdr,
               std::function<void(core::Status)> done = {});

// Newest first.
core::Result<std::vector<nlohmann::json>> latestCdrs(core::Database& db, int limit);
// RFC 4180 CSV with a header line, oldest first.
core::Result<std::string> cdrCsv(core::Database& db, int limit);

}  // namespace outpost::gateway
