// Q.850 cause <-> SIP status: the one explicit table the gateway uses in both
// directions (RFC 3398 sections 7.2.4.1 and 8.2.6.1, RFC 4497 for QSIG, ITU-T
// Q.1912.5), plus the Reason header (RFC 3326) that carries the exact cause
// across. Pure functions over constant tables; any thread.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace outpost::gateway {

namespace q850 {
constexpr int kUnallocatedNumber = 1;
constexpr int kNoRouteToDestination = 3;
constexpr int kNormalClearing = 16;
constexpr int kUserBusy = 17;
constexpr int kNoUserResponding = 18;
constexpr int kNoAnswer = 19;
constexpr int kCallRejected = 21;
constexpr int kNumberChanged = 22;
constexpr int kDestinationOutOfOrder = 27;
constexpr int kInvalidNumberFormat = 28;
constexpr int kNormalUnspecified = 31;
constexpr int kNoCircuitAvailable = 34;
constexpr int kNetworkOutOfOrder = 38;
constexpr int kTemporaryFailure = 41;
constexpr int kSwitchingCongestion = 42;
constexpr int kResourceUnavailable = 47;
constexpr int kBearerCapabilityNotImplemented = 65;
constexpr int kServiceNotImplemented = 79;
constexpr int kRecoveryOnTimerExpiry = 102;
constexpr int kProtocolError = 111;
constexpr int kInterworking = 127;
}  // namespace q850

struct SipStatus {
  int code;
  const char* phrase;
};

// The SIP final response for a call the PSTN refused or released before
// answer with `cause` (RFC 3398 8.2.6.1; unknown causes use their class).
SipStatus sipStatusForCause(int cause);
// The Q.850 cause to send on the PRI for a SIP final response (RFC 3398
// 7.2.4.1). A Reason: Q.850 header, when present, wins over this.
int causeForSipStatus(int status);
// Text of a cause for logs, CDRs and the Reason header's text= parameter.
const char* causeText(int cause);

// `Q.850;cause=17;text="User busy"`
std::string reasonHeaderValue(int cause);
// The Q.850 cause in a Reason header value (several may be comma-separated;
// SIP reasons are ignored), if any.
std::optional<int> parseReasonCause(const std::string& value);

// The whole table, for `outpostctl causes` and the docs.
struct CauseRow {
  int cause;
  int sip;
};
struct SipRow {
  int sip;
  int cause;
};
std::vector<CauseRow> causeToSipTable();
std::vector<SipRow> sipToCauseTable();

}  // namespace outpost::gateway
