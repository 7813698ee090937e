#include "tdm/call.hpp"

namespace outpost::tdm {

const char* directionName(Direction d) {
  return d == Direction::kIncoming ? "in" : "out";
}

const char* callStateName(CallState s) {
  switch (s) {
    case CallState::kSetup:
      return "setup";
    case CallState::kOverlap:
      return "overlap";
    case CallState::kProceeding:
      return "proceeding";
    case CallState::kAlerting:
      return "alerting";
    case CallState::kConnected:
      return "connected";
    case CallState::kReleasing:
      return "releasing";
  }
  return "?";
}

const char* spanEventName(SpanEvent::Kind k) {
  switch (k) {
    case SpanEvent::Kind::kAlarm:
      return "alarm";
    case SpanEvent::Kind::kDchannelUp:
      return "dchannel_up";
    case SpanEvent::Kind::kDchannelDown:
      return "dchannel_down";
    case SpanEvent::Kind::kRestart:
      return "restart";
    case SpanEvent::Kind::kRestarted:
      return "restarted";
    case SpanEvent::Kind::kService:
      return "service";
  }
  return "?";
}

nlohmann::json PartyNumber::toJson() const {
  return {{"number", digits},
          {"ton", typeOfNumberName(ton)},
          {"plan", numberingPlanName(plan)},
          {"presentation", presentationName(presentation)},
          {"screening", screeningName(screening)}};
}

nlohmann::json CallInfo::toJson() const {
  nlohmann::json j = {{"call", id},
                      {"direction", directionName(direction)},
                      {"state", callStateName(state)},
                      {"span", span},
                      {"channel", channel},
                      {"called", called.toJson()},
                      {"calling", calling.toJson()},
                      {"bearer", bearerName(bearer)},
                      {"complete", sending_complete}};
  if (!calling_name.empty()) {
    j["calling_name"] = calling_name;
    j["name_presentation"] = presentationName(name_presentation);
  }
  if (!redirecting.empty()) j["redirecting"] = redirecting;
  if (emergency) j["emergency"] = true;
  return j;
}

}  // namespace outpost::tdm
