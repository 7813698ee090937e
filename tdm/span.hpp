// Spans and channels. A SpanLayout says which timeslots of a T1 or E1 carry
// calls (bearer channels) and which one carries the D-channel; a Span adds the
// line's state: its alarms, whether its D-channel is up, and each bearer
// channel's state (idle, in use, maintenance, alarmed, restarting). Timeslot
// numbers are the ones Q.931 channel identification uses: T1 1-24, E1 1-31.
// A Span belongs to the control thread (the PRI trunk that runs it).
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/clock.hpp"
#include "core/result.hpp"
#include "tdm/types.hpp"

namespace outpost::tdm {

// Bearer audio moves in 20 ms frames: 160 samples at 8 kHz, one byte each.
constexpr int kFrameSamples = 160;
constexpr auto kFramePeriod = std::chrono::milliseconds(20);

struct SpanLayout {
  LineType line = LineType::kT1;
  int dchannel = 24;           // timeslot of the D-channel; 0 when the span has none
  std::vector<int> bchannels;  // timeslots that carry calls, ascending

  // T1: B-channels 1-23, D-channel 24. E1: B-channels 1-15 and 17-31, D 16.
  static SpanLayout standard(LineType line);

  // The timeslots one line frame carries: T1 1..24; E1 0..31 (0 is framing).
  int firstTimeslot() const { return line == LineType::kT1 ? 1 : 0; }
  int lastTimeslot() const { return line == LineType::kT1 ? 24 : 31; }
  int timeslotCount() const { return lastTimeslot() - firstTimeslot() + 1; }
  bool hasTimeslot(int ts) const { return ts >= firstTimeslot() && ts <= lastTimeslot(); }
  bool isBearer(int ts) const;
  // Position of a timeslot within a frame of the whole line.
  size_t slotIndex(int ts) const { return static_cast<size_t>(ts - firstTimeslot()); }

  // Bearer channels inside the line, none twice, none on the D-channel or on
  // E1 timeslot 0.
  core::Status validate() const;
  bool operator==(const SpanLayout&) const = default;
};

// "1-15,17-31" (as in DAHDI's system.conf) to [1..15, 17..31], ascending and
// without repeats; errors name the bad part.
core::Result<std::vector<int>> parseChannelList(std::string_view text);
// The reverse: [1,2,3,5] -> "1-3,5".
std::string formatChannelList(const std::vector<int>& channels);

class Span {
 public:
  Span(int number, std::string name, SpanLayout layout, Law law);

  int number() const { return number_; }
  const std::string& name() const { return name_; }
  const SpanLayout& layout() const { return layout_; }
  Law law() const { return law_; }

  const Alarms& alarms() const { return alarms_; }
  void setAlarms(const Alarms& a) { alarms_ = a; }
  bool dchannelUp() const { return dchannel_up_; }
  void setDchannelUp(bool up) { dchannel_up_ = up; }
  // New calls may use the span: no alarm and the D-channel is up.
  bool usable() const { return !alarms_.any() && dchannel_up_; }

  // Per bearer channel. state() is derived: maintenance, then in use (a call
  // holds it), then restarting, then alarmed (span not usable), else idle.
  bool isBearer(int ts) const { return channels_.count(ts) != 0; }
  ChannelState state(int ts) const;
  bool isIdle(int ts) const { return state(ts) == ChannelState::kIdle; }
  uint64_t callOn(int ts) const;  // 0 when free
  void assign(int ts, uint64_t call);
  // Frees the channel, remembering when (least-recently-used hunting).
  void release(int ts, core::TimePoint when);
  void setInService(int ts, bool inService);
  bool inService(int ts) const;
  void setRestarting(int ts, bool restarting);
  bool restarting(int ts) const;
  core::TimePoint lastReleased(int ts) const;
  const std::vector<int>& bchannels() const { return layout_.bchannels; }
  size_t idleCount() const;

  // {"span":1,"name":..,"line":"t1","law":"ulaw","alarms":"ok","dchannel":"up",
  //  "channels":{"idle":23,...}} and one entry per channel.
  nlohmann::json summaryJson() const;
  nlohmann::json channelsJson() const;

 private:
  struct Channel {
    uint64_t call = 0;
    bool in_service = true;
    bool restarting = false;
    core::TimePoint last_released{};
  };
  const Channel* find(int ts) const;
  Channel* find(int ts);

  int number_;
  std::string name_;
  SpanLayout layout_;
  Law law_;
  Alarms alarms_;
  bool dchannel_up_ = false;
  std::map<int, Channel> channels_;
};

}  // namespace outpost::tdm
