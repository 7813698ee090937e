#include "tdm/types.hpp"

#include <algorithm>
#include <cctype>

#include "core/strings.hpp"

namespace outpost::tdm {

namespace {

// One spelling per row; the first row of a value is its canonical name.
template <typename E>
struct Name {
  E value;
  const char* name;
};

// Lower case, with '-', ' ' and '.' folded to '_', so "NI-2", "ni2" and
// "Euro ISDN E1" meet the table halfway.
std::string fold(std::string_view s) {
  std::string out;
  for (char c : core::trim(s)) {
    if (c == '-' || c == ' ' || c == '.') c = '_';
    out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return out;
}

template <typename E, size_t N>
const char* nameOf(const Name<E> (&table)[N], E v) {
  for (const auto& row : table)
    if (row.value == v) return row.name;
  return "?";
}

template <typename E, size_t N>
std::optional<E> parseIn(const Name<E> (&table)[N], std::string_view s) {
  std::string f = fold(s);
  for (const auto& row : table)
    if (f == row.name) return row.value;
  return std::nullopt;
}

template <typename E, size_t N>
std::vector<std::string> canonicalNames(const Name<E> (&table)[N]) {
  std::vector<std::string> out;
  for (const auto& row : table)
    if (std::find(out.begin(), out.end(), nameOf(table, row.value)) == out.end())
      out.push_back(nameOf(table, row.value));
  return out;
}

const Name<LineType> kLineTypes[] = {{LineType::kT1, "t1"}, {LineType::kE1, "e1"}};
const Name<Law> kLaws[] = {{Law::kMulaw, "ulaw"},  {Law::kMulaw, "mulaw"}, {Law::kMulaw, "u_law"},
                           {Law::kMulaw, "µ_law"}, {Law::kMulaw, "µlaw"},  {Law::kAlaw, "alaw"},
                           {Law::kAlaw, "a_law"}};
const Name<Side> kSides[] = {{Side::kCpe, "cpe"},
                             {Side::kCpe, "user"},
                             {Side::kNetwork, "network"},
                             {Side::kNetwork, "net"}};
const Name<SwitchType> kSwitchTypes[] = {
    {SwitchType::kNi2, "ni2"},
    {SwitchType::kNi2, "ni_2"},
    {SwitchType::kNi2, "national"},
    {SwitchType::kDms100, "dms100"},
    {SwitchType::k5ess, "5ess"},
    {SwitchType::k5ess, "lucent5e"},
    {SwitchType::k4ess, "4ess"},
    {SwitchType::k4ess, "att4ess"},
    {SwitchType::kEuroIsdnE1, "euroisdn_e1"},
    {SwitchType::kEuroIsdnE1, "euroisdn"},
    {SwitchType::kEuroIsdnT1, "euroisdn_t1"},
    {SwitchType::kQsig, "qsig"},
};
const Name<ChannelState> kChannelStates[] = {{ChannelState::kIdle, "idle"},
                                             {ChannelState::kInUse, "in_use"},
                                             {ChannelState::kMaintenance, "maintenance"},
                                             {ChannelState::kAlarmed, "alarmed"},
                                             {ChannelState::kRestarting, "restarting"}};
const Name<TypeOfNumber> kTypesOfNumber[] = {
    {TypeOfNumber::kUnknown, "unknown"},
    {TypeOfNumber::kInternational, "international"},
    {TypeOfNumber::kNational, "national"},
    {TypeOfNumber::kNetworkSpecific, "network_specific"},
    {TypeOfNumber::kSubscriber, "subscriber"},
    {TypeOfNumber::kSubscriber, "local"},
    {TypeOfNumber::kAbbreviated, "abbreviated"},
};
const Name<NumberingPlan> kPlans[] = {
    {NumberingPlan::kUnknown, "unknown"}, {NumberingPlan::kE164, "e164"},
    {NumberingPlan::kE164, "isdn"},       {NumberingPlan::kData, "data"},
    {NumberingPlan::kTelex, "telex"},     {NumberingPlan::kNational, "national"},
    {NumberingPlan::kPrivate, "private"},
};
const Name<Presentation> kPresentations[] = {{Presentation::kAllowed, "allowed"},
                                             {Presentation::kRestricted, "restricted"},
                                             {Presentation::kRestricted, "prohibited"},
                                             {Presentation::kUnavailable, "unavailable"}};
const Name<Screening> kScreenings[] = {{Screening::kUserNotScreened, "user_not_screened"},
                                       {Screening::kUserNotScreened, "not_screened"},
                                       {Screening::kUserPassed, "user_passed"},
                                       {Screening::kUserPassed, "passed"},
                                       {Screening::kUserFailed, "user_failed"},
                                       {Screening::kUserFailed, "failed"},
                                       {Screening::kNetworkProvided, "network_provided"},
                                       {Screening::kNetworkProvided, "network"}};
const Name<Bearer> kBearers[] = {{Bearer::kSpeech, "speech"},
                                 {Bearer::kAudio3k1, "3k1audio"},
                                 {Bearer::kAudio3k1, "audio"},
                                 {Bearer::kDigital64k, "digital"},
                                 {Bearer::kDigital64k, "unrestricted"}};

struct CauseRow {
  int cause;
  const char* name;  // short name for files and commands
  const char* text;  // what a person reads
};
const CauseRow kCauses[] = {
    {1, "unallocated", "Unallocated (unassigned) number"},
    {2, "no_route_transit_net", "No route to specified transit network"},
    {3, "no_route", "No route to destination"},
    {6, "channel_unacceptable", "Channel unacceptable"},
    {7, "call_awarded", "Call awarded and being delivered in an established channel"},
    {8, "preemption", "Preemption"},
    {16, "normal", "Normal call clearing"},
    {17, "busy", "User busy"},
    {18, "no_user_response", "No user responding"},
    {19, "no_answer", "No answer from user (user alerted)"},
    {20, "subscriber_absent", "Subscriber absent"},
    {21, "rejected", "Call rejected"},
    {22, "number_changed", "Number changed"},
    {26, "non_selected", "Non-selected user clearing"},
    {27, "out_of_order", "Destination out of order"},
    {28, "invalid_number", "Invalid number format (address incomplete)"},
    {29, "facility_rejected", "Facility rejected"},
    {30, "status_response", "Response to STATUS ENQUIRY"},
    {31, "normal_unspecified", "Normal, unspecified"},
    {34, "congestion", "No circuit/channel available"},
    {38, "network_out_of_order", "Network out of order"},
    {41, "temporary_failure", "Temporary failure"},
    {42, "switch_congestion", "Switching equipment congestion"},
    {43, "access_info_discarded", "Access information discarded"},
    {44, "channel_unavailable", "Requested circuit/channel not available"},
    {45, "preempted", "Pre-empted"},
    {47, "resource_unavailable", "Resource unavailable, unspecified"},
    {50, "facility_not_subscribed", "Requested facility not subscribed"},
    {52, "outgoing_barred", "Outgoing calls barred"},
    {54, "incoming_barred", "Incoming calls barred"},
    {57, "bearer_not_authorized", "Bearer capability not authorized"},
    {58, "bearer_not_available", "Bearer capability not presently available"},
    {63, "service_not_available", "Service or option not available, unspecified"},
    {65, "bearer_not_implemented", "Bearer capability not implemented"},
    {66, "channel_not_implemented", "Channel type not implemented"},
    {69, "facility_not_implemented", "Requested facility not implemented"},
    {79, "service_not_implemented", "Service or option not implemented, unspecified"},
    {81, "invalid_call_reference", "Invalid call reference value"},
    {82, "channel_does_not_exist", "Identified channel does not exist"},
    {88, "incompatible_destination", "Incompatible destination"},
    {95, "invalid_message", "Invalid message, unspecified"},
    {96, "mandatory_ie_missing", "Mandatory information element is missing"},
    {97, "message_type_nonexistent", "Message type non-existent or not implemented"},
    {98, "wrong_message", "Message not compatible with call state"},
    {99, "ie_nonexistent", "Information element non-existent or not implemented"},
    {100, "invalid_ie_contents", "Invalid information element contents"},
    {101, "wrong_call_state", "Message not compatible with call state"},
    {102, "timer_expiry", "Recovery on timer expiry"},
    {111, "protocol_error", "Protocol error, unspecified"},
    {127, "interworking", "Interworking, unspecified"},
};

}  // namespace

std::string alarmsName(const Alarms& a) {
  if (!a.any()) return "ok";
  std::vector<std::string> parts;
  if (a.red) parts.emplace_back("red");
  if (a.yellow) parts.emplace_back("yellow");
  if (a.blue) parts.emplace_back("blue");
  return core::join(parts, "+");
}

const char* lineTypeName(LineType t) {
  return nameOf(kLineTypes, t);
}
const char* lawName(Law l) {
  return nameOf(kLaws, l);
}
const char* sideName(Side s) {
  return nameOf(kSides, s);
}
const char* switchTypeName(SwitchType s) {
  return nameOf(kSwitchTypes, s);
}
const char* channelStateName(ChannelState s) {
  return nameOf(kChannelStates, s);
}
const char* typeOfNumberName(TypeOfNumber t) {
  return nameOf(kTypesOfNumber, t);
}
const char* numberingPlanName(NumberingPlan p) {
  return nameOf(kPlans, p);
}
const char* presentationName(Presentation p) {
  return nameOf(kPresentations, p);
}
const char* screeningName(Screening s) {
  return nameOf(kScreenings, s);
}
const char* bearerName(Bearer b) {
  return nameOf(kBearers, b);
}

std::optional<LineType> parseLineType(std::string_view s) {
  return parseIn(kLineTypes, s);
}
std::optional<Law> parseLaw(std::string_view s) {
  return parseIn(kLaws, s);
}
std::optional<Side> parseSide(std::string_view s) {
  return parseIn(kSides, s);
}
std::optional<SwitchType> parseSwitchType(std::string_view s) {
  return parseIn(kSwitchTypes, s);
}
std::optional<TypeOfNumber> parseTypeOfNumber(std::string_view s) {
  return parseIn(kTypesOfNumber, s);
}
std::optional<NumberingPlan> parseNumberingPlan(std::string_view s) {
  return parseIn(kPlans, s);
}
std::optional<Presentation> parsePresentation(std::string_view s) {
  return parseIn(kPresentations, s);
}
std::optional<Screening> parseScreening(std::string_view s) {
  return parseIn(kScreenings, s);
}
std::optional<Bearer> parseBearer(std::string_view s) {
  return parseIn(kBearers, s);
}

std::vector<std::string> switchTypeNames() {
  return canonicalNames(kSwitchTypes);
}
std::vector<std::string> typeOfNumberNames() {
  return canonicalNames(kTypesOfNumber);
}
std::vector<std::string> numberingPlanNames() {
  return canonicalNames(kPlans);
}
std::vector<std::string> presentationNames() {
  return canonicalNames(kPresentations);
}

Law defaultLaw(LineType t) {
  return t == LineType::kT1 ? Law::kMulaw : Law::kAlaw;
}
uint8_t idleCode(Law l) {
  return l == Law::kMulaw ? 0xFF : 0xD5;
}

std::string causeText(int c) {
  for (const auto& row : kCauses)
    if (row.cause == c) return row.text;
  return "cause " + std::to_string(c);
}

std::optional<int> parseCause(std::string_view s) {
  if (auto n = core::parseInt(s)) {
    if (*n >= 1 && *n <= 127) return static_cast<int>(*n);
    return std::nullopt;
  }
  std::string f = fold(s);
  if (f == "user_busy") return cause::kUserBusy;
  if (f == "normal_clearing") return cause::kNormalClearing;
  for (const auto& row : kCauses)
    if (f == row.name) return row.cause;
  return std::nullopt;
}

std::vector<std::string> causeNames() {
  std::vector<std::string> out;
  for (const auto& row : kCauses)
    out.emplace_back(row.name);
  return out;
}

}  // namespace outpost::tdm
