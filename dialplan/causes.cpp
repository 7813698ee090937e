#include "dialplan/causes.hpp"

namespace outpost::dialplan {

namespace {
struct Named {
  int value;
  const char* name;
};

// ITU-T Q.850 (the causes an admin meets on a PRI).
constexpr Named kQ850[] = {
    {1, "unallocated number"},
    {2, "no route to specified transit network"},
    {3, "no route to destination"},
    {6, "channel unacceptable"},
    {16, "normal call clearing"},
    {17, "user busy"},
    {18, "no user responding"},
    {19, "no answer from user"},
    {20, "subscriber absent"},
    {21, "call rejected"},
    {22, "number changed"},
    {27, "destination out of order"},
    {28, "invalid number format"},
    {29, "facility rejected"},
    {31, "normal, unspecified"},
    {34, "no circuit/channel available"},
    {38, "network out of order"},
    {41, "temporary failure"},
    {42, "switching equipment congestion"},
    {43, "access information discarded"},
    {44, "requested circuit/channel not available"},
    {47, "resource unavailable, unspecified"},
    {50, "requested facility not subscribed"},
    {52, "outgoing calls barred"},
    {54, "incoming calls barred"},
    {57, "bearer capability not authorized"},
    {58, "bearer capability not presently available"},
    {63, "service or option not available"},
    {65, "bearer capability not implemented"},
    {79, "service or option not implemented"},
    {88, "incompatible destination"},
    {96, "mandatory information element is missing"},
    {100, "invalid information element contents"},
    {102, "recovery on timer expiry"},
    {111, "protocol error, unspecified"},
    {127, "interworking, unspecified"},
};

constexpr Named kSip[] = {
    {400, "bad request"},
    {403, "forbidden"},
    {404, "not found"},
    {408, "request timeout"},
    {410, "gone"},
    {480, "temporarily unavailable"},
    {484, "address incomplete"},
    {486, "busy here"},
    {487, "request terminated"},
    {488, "not acceptable here"},
    {500, "server internal error"},
    {502, "bad gateway"},
    {503, "service unavailable"},
    {504, "server time-out"},
    {600, "busy everywhere"},
    {603, "decline"},
};

constexpr Named kWords[] = {
    {1, "unallocated"},
    {3, "no-route"},
    {17, "busy"},
    {21, "rejected"},
    {28, "invalid-number"},
    {34, "no-circuit"},
    {38, "network-out-of-order"},
    {41, "temporary-failure"},
    {42, "congestion"},
    {47, "resource-unavailable"},
    {52, "barred"},
    {408, "timeout"},
    {503, "unavailable"},
};
}  // namespace

const char* q850Name(int cause) {
  for (const auto& n : kQ850) {
    if (n.value == cause) return n.name;
  }
  return "";
}

const char* sipReason(int status) {
  for (const auto& n : kSip) {
    if (n.value == status) return n.name;
  }
  return "";
}

std::optional<int> causeByName(std::string_view word) {
  for (const auto& n : kWords) {
    if (word == n.name) return n.value;
  }
  return std::nullopt;
}

std::string describeCause(int cause) {
  if (isQ850(cause)) {
    std::string s = std::to_string(cause);
    const char* n = q850Name(cause);
    if (*n) s += std::string(" (") + n + ")";
    return s;
  }
  std::string s = "SIP " + std::to_string(cause);
  const char* n = sipReason(cause);
  if (*n) s += std::string(" (") + n + ")";
  return s;
}

}  // namespace outpost::dialplan
