// Q.850 cause values and SIP status codes by name, for failover sets
// ("failover 34 38 41 42 47 408 503 down") and for traces that say what a
// number means. Pure functions; any thread.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace outpost::dialplan {

// "no circuit/channel available" for 34; "" when unknown.
const char* q850Name(int cause);
const char* sipReason(int status);
// Words admins may write instead of numbers: "congestion" -> 42, "timeout" -> 408.
std::optional<int> causeByName(std::string_view word);
// "34 (no circuit/channel available)" or "SIP 503 (service unavailable)".
std::string describeCause(int cause);

inline bool isQ850(int v) {
  return v >= 1 && v <= 127;
}
inline bool isSipFailure(int v) {
  return v >= 300 && v <= 699;
}

}  // namespace outpost::dialplan
