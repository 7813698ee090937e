// LoadMonitor: is the control thread keeping up? It watches how late a 10 ms
// heartbeat runs on the thread's event loop. A loop that is behind delays
// every SIP response and every Q.931 timer, so a late heartbeat is the
// earliest honest sign that new calls must wait: CallControl then sheds new
// non-emergency calls at the door with 503 + Retry-After, which costs a
// fraction of a call, instead of taking them and failing them later (channels
// held longer, timers missed, retransmissions).
// Owned by CallControl; every member runs on the control thread.
#pragma once

#include "core/event_loop.hpp"

namespace outpost::gateway {

class LoadMonitor {
 public:
  // Sheds above `threshold` of smoothed lag, fewer calls the longer it
  // stays there; takes every call again once below 70 % of it.
  // A zero threshold never sheds.
  explicit LoadMonitor(core::Duration threshold) : threshold_(threshold) {}

  // Runs the heartbeat on `loop` until destroyed.
  void start(core::EventLoop& loop);

  // One heartbeat: it was due at `due` and ran at `now`. Public for tests.
  void beat(core::TimePoint due, core::TimePoint now);

  bool overloaded() const { return overloaded_; }
  // While overloaded, the share of new calls to take (0.02-1): it falls by
  // 3 % each beat the lag is above the limit and climbs by 0.01 each beat it
  // is below 70 % of it, so the gateway keeps taking what it can carry
  // instead of refusing everything, whose own cost could hold the lag up.
  double admitShare() const { return share_; }
  // Whether to take the next new call: spreads admitShare() evenly.
  bool admitNext();
  // Smoothed lateness of the heartbeat, in milliseconds.
  double lagMs() const { return lag_ms_; }
  uint64_t episodes() const { return episodes_; }

  static constexpr core::Duration kPeriod = std::chrono::milliseconds(10);

 private:
  void schedule(core::EventLoop& loop, core::TimePoint due);

  core::Duration threshold_;
  double lag_ms_ = 0;
  bool overloaded_ = false;
  double share_ = 1.0;
  double credit_ = 0;
  uint64_t episodes_ = 0;  // times shedding began
  core::Timer timer_;
};

}  // namespace outpost::gateway
