// The TDM vocabulary: line types, companding laws, sides, switch types, alarms,
// channel states, the ISDN number attributes (type of number, numbering plan,
// presentation, screening), bearer capabilities and Q.850 causes, each with
// the names used in configuration files, commands, logs and JSON. Plain values
// and pure functions: safe on any thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace outpost::tdm {

enum class LineType { kT1, kE1 };
enum class Law { kMulaw, kAlaw };
// Q.931 roles: the network side is the exchange; the CPE (user) side is us on
// a branch PRI. Two Outposts facing each other take one role each.
enum class Side { kCpe, kNetwork };
enum class SwitchType { kNi2, kDms100, k5ess, k4ess, kEuroIsdnE1, kEuroIsdnT1, kQsig };

enum class ChannelState {
  kIdle,
  kInUse,
  kMaintenance,  // taken out of service by command or by a SERVICE message
  kAlarmed,      // the span is in alarm or its D-channel is down
  kRestarting,   // RESTART sent, waiting for RESTART ACKNOWLEDGE
};

// Type of number and numbering plan, with their Q.931 code points.
enum class TypeOfNumber : int {
  kUnknown = 0,
  kInternational = 1,
  kNational = 2,
  kNetworkSpecific = 3,
  kSubscriber = 4,
  kAbbreviated = 6,
};
enum class NumberingPlan : int {
  kUnknown = 0,
  kE164 = 1,  // ISDN/telephony
  kData = 3,
  kTelex = 4,
  kNational = 8,
  kPrivate = 9,
};
// Presentation indicator (Q.931 octet 3a bits 7-6) and screening (bits 2-1).
enum class Presentation : int { kAllowed = 0, kRestricted = 1, kUnavailable = 2 };
enum class Screening : int {
  kUserNotScreened = 0,
  kUserPassed = 1,
  kUserFailed = 2,
  kNetworkProvided = 3,
};
// Information transfer capability of the bearer.
enum class Bearer { kSpeech, kAudio3k1, kDigital64k };

// Line alarms as a T1/E1 framer reports them. Red: we receive no usable
// signal; yellow (RAI): the far end receives none of ours; blue (AIS): the
// far end sends all ones (its own upstream is broken).
struct Alarms {
  bool red = false;
  bool yellow = false;
  bool blue = false;
  bool any() const { return red || yellow || blue; }
  // Red or blue: no bearer audio can pass in our receive direction.
  bool severe() const { return red || blue; }
  bool operator==(const Alarms&) const = default;
};
// "ok", or the alarms present joined with '+': "red+yellow".
std::string alarmsName(const Alarms& a);

// Names (as written in configuration and commands) and parsers. Parsers take
// the forms people write ("ni2", "NI-2", "euroisdn_e1", "µ-law", "ulaw").
const char* lineTypeName(LineType t);
const char* lawName(Law l);
const char* sideName(Side s);
const char* switchTypeName(SwitchType s);
const char* channelStateName(ChannelState s);
const char* typeOfNumberName(TypeOfNumber t);
const char* numberingPlanName(NumberingPlan p);
const char* presentationName(Presentation p);
const char* screeningName(Screening s);
const char* bearerName(Bearer b);

std::optional<LineType> parseLineType(std::string_view s);
std::optional<Law> parseLaw(std::string_view s);
std::optional<Side> parseSide(std::string_view s);
std::optional<SwitchType> parseSwitchType(std::string_view s);
std::optional<TypeOfNumber> parseTypeOfNumber(std::string_view s);
std::optional<NumberingPlan> parseNumberingPlan(std::string_view s);
std::optional<Presentation> parsePresentation(std::string_view s);
std::optional<Screening> parseScreening(std::string_view s);
std::optional<Bearer> parseBearer(std::string_view s);

// The names each parser accepts, for "did you mean" and help texts.
std::vector<std::string> switchTypeNames();
std::vector<std::string> typeOfNumberNames();
std::vector<std::string> numberingPlanNames();
std::vector<std::string> presentationNames();

// The usual law of a line type: µ-law on T1, A-law on E1.
Law defaultLaw(LineType t);
// The idle code a silent channel carries in each law.
uint8_t idleCode(Law l);

// Q.850 causes. The common ones have short names for rules files and
// commands ("busy" = 17, "unallocated" = 1, "congestion" = 34).
namespace cause {
constexpr int kUnallocated = 1;
constexpr int kNoRouteToDestination = 3;
constexpr int kChannelUnacceptable = 6;
constexpr int kPreemption = 8;
constexpr int kNormalClearing = 16;
constexpr int kUserBusy = 17;
constexpr int kNoUserResponse = 18;
constexpr int kNoAnswer = 19;
constexpr int kCallRejected = 21;
constexpr int kNumberChanged = 22;
constexpr int kDestinationOutOfOrder = 27;
constexpr int kInvalidNumberFormat = 28;
constexpr int kFacilityRejected = 29;
constexpr int kNormalUnspecified = 31;
constexpr int kNoCircuitAvailable = 34;
constexpr int kNetworkOutOfOrder = 38;
constexpr int kTemporaryFailure = 41;
constexpr int kSwitchingCongestion = 42;
constexpr int kRequestedChannelUnavailable = 44;
constexpr int kResourceUnavailable = 47;
constexpr int kBearerNotAvailable = 58;
constexpr int kServiceNotAvailable = 63;
constexpr int kBearerNotImplemented = 65;
constexpr int kInvalidCallReference = 81;
constexpr int kIdentifiedChannelDoesNotExist = 82;
constexpr int kIncompatibleDestination = 88;
constexpr int kMandatoryIeMissing = 96;
constexpr int kRecoveryOnTimerExpiry = 102;
constexpr int kProtocolError = 111;
constexpr int kInterworking = 127;
}  // namespace cause

// "User busy" for 17; "cause 77" for a value without a text.
std::string causeText(int cause);
// A cause from a number ("17") or a short name ("busy", "user_busy").
std::optional<int> parseCause(std::string_view s);
// The short names parseCause() accepts, for help texts.
std::vector<std::string> causeNames();

}  // namespace outpost::tdm
