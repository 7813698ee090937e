// The call model of the TDM layer: what a call on a B-channel carries
// (numbers with type of number, numbering plan, presentation and screening,
// calling name, bearer capability), what the gateway asks for when it places
// a call, and the listener interface through which every PRI event reaches
// the gateway. Value types are plain; the listener is called on the control
// thread only, by PriStack, and may call PriStack back from any callback.
#pragma once

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "core/clock.hpp"
#include "tdm/types.hpp"

namespace outpost::tdm {

// Unique within one PriStack for the life of the process; never 0.
using CallId = uint64_t;

struct PartyNumber {
  std::string digits;  // 0-9, *, #
  TypeOfNumber ton = TypeOfNumber::kUnknown;
  NumberingPlan plan = NumberingPlan::kE164;
  Presentation presentation = Presentation::kAllowed;
  Screening screening = Screening::kUserNotScreened;
  nlohmann::json toJson() const;
};

enum class Direction { kIncoming, kOutgoing };
enum class CallState {
  kSetup,       // SETUP sent or received, no answer to it yet
  kOverlap,     // collecting (incoming) or sending (outgoing) digits
  kProceeding,  // CALL PROCEEDING
  kAlerting,    // ALERTING
  kConnected,   // CONNECT
  kReleasing,   // DISCONNECT or RELEASE sent or received
};
const char* directionName(Direction d);
const char* callStateName(CallState s);

struct CallInfo {
  CallId id = 0;
  Direction direction = Direction::kIncoming;
  CallState state = CallState::kSetup;
  int span = 0;
  int channel = 0;  // B-channel timeslot; 0 while none is held
  PartyNumber called;
  PartyNumber calling;
  std::string calling_name;
  Presentation name_presentation = Presentation::kAllowed;
  std::string redirecting;  // redirecting number, when the network sent one
  Bearer bearer = Bearer::kSpeech;
  bool sending_complete = false;  // the called number is complete
  bool inband = false;            // the far end said in-band information is available
  bool emergency = false;
  core::TimePoint started{};
  core::TimePoint answered{};
  nlohmann::json toJson() const;
};

// What the gateway (or pstn-sim) asks for when it places a call.
struct OutgoingCall {
  PartyNumber called;   // presentation and screening are ignored
  PartyNumber calling;  // no Calling Party Number IE when digits are empty
  std::string calling_name;
  Presentation name_presentation = Presentation::kAllowed;
  Bearer bearer = Bearer::kSpeech;
  // Sending Complete IE. Switches that do not use it (NI2, DMS100, 5ESS,
  // 4ESS) treat every SETUP as complete anyway.
  bool sending_complete = true;
  // Overlap sending: the SETUP carries called.digits (may be empty) and the
  // rest follows with PriStack::sendDigits(), one INFORMATION per digit.
  bool overlap = false;
  // An emergency call takes a channel even when all are busy, by
  // pre-empting a normal call in the group (cause 8, preemption).
  bool emergency = false;
  int channel = 0;  // a particular timeslot; 0 hunts
};

struct ReleaseInfo {
  int cause = cause::kNormalClearing;
  bool by_far_end = true;  // false: we (the listener, an alarm, a timer) ended it
  std::string reason;      // what a person reads: "User busy", "span in red alarm"
};

struct DigitsEvent {
  std::string digits;      // the digits this INFORMATION carried (empty on timeout)
  std::string number;      // the called number so far
  bool complete = false;   // Sending Complete arrived
  bool timed_out = false;  // no digit for the inter-digit time
};

// Things that happen to a span rather than to one call.
struct SpanEvent {
  enum class Kind {
    kAlarm,  // alarms changed: see alarms and detail
    kDchannelUp,
    kDchannelDown,
    kRestart,    // the far end restarted `channel` (every call on it ended)
    kRestarted,  // our RESTART of `channel` was acknowledged
    kService,    // `channel` put in (in_service) or out of service by the far end
  };
  Kind kind = Kind::kAlarm;
  int span = 0;
  int channel = 0;
  bool in_service = true;
  Alarms alarms;
  std::string detail;
};
const char* spanEventName(SpanEvent::Kind k);

// Called on the control thread. Every call ends with exactly one
// onReleased(); after it the CallId is no longer known. Callbacks may call
// any PriStack method, including hangup() of the call being reported.
class TdmListener {
 public:
  virtual ~TdmListener() = default;
  // A SETUP arrived. call.sending_complete says whether the number is known
  // to be complete (always true on a trunk without overlap receiving). Answer
  // with proceed(), alert(), progress(), answer(), hangup(), or, to collect
  // more digits, waitForDigits() (done for you if you return without
  // responding to an incomplete number on an overlap trunk).
  virtual void onIncomingCall(const CallInfo& call) = 0;
  // Overlap receiving: one INFORMATION's digits, or the inter-digit timer ran
  // out (ev.timed_out). Say proceed() when the number is complete, hangup()
  // to reject it, or nothing to wait for more; after a timeout, a call left
  // waiting is cleared with cause 28 (invalid number format).
  virtual void onDigits(const CallInfo& call, const DigitsEvent& ev) {
    (void)call;
    (void)ev;
  }
  // Our overlap SETUP was acknowledged: send the rest with sendDigits().
  virtual void onSetupAcknowledged(const CallInfo& call) { (void)call; }
  virtual void onProceeding(const CallInfo& call) { (void)call; }
  virtual void onAlerting(const CallInfo& call, bool inband) {
    (void)call;
    (void)inband;
  }
  virtual void onProgress(const CallInfo& call, bool inband) {
    (void)call;
    (void)inband;
  }
  virtual void onConnected(const CallInfo& call) { (void)call; }
  // Keypad digits in an INFORMATION during the call.
  virtual void onKeypad(const CallInfo& call, const std::string& digits) {
    (void)call;
    (void)digits;
  }
  virtual void onReleased(const CallInfo& call, const ReleaseInfo& why) {
    (void)call;
    (void)why;
  }
  virtual void onSpanEvent(const SpanEvent& ev) { (void)ev; }
};

}  // namespace outpost::tdm
