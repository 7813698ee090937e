// LoadMonitor: is the control thread keeping up? It watches two things
// every 10 ms: how late a heartbeat runs on the thread's event loop, and how
// many bytes of SIP requests wait unread in the kernel (a loop that handles
// one datagram per turn keeps its timers on time while that queue grows, and
// every request in it waits). Either one behind delays every SIP response
// and every Q.931 timer, so it is the earliest honest sign that new calls
// must wait: CallControl then sheds new
// non-emergency calls at the door with 503 + Retry-After, which costs a
// fraction of a call, instead of taking them and failing them later (channels
// held longer, timers missed, retransmissions).
// Owned by CallControl; every member runs on the control thread.
#pragma once

#include <cstddef>
#include <functional>

#include "core/event_loop.hpp"

namespace outpost::gateway {

class LoadMonitor {
 public:
  // Sheds once the smoothed lag passes `threshold`, then steers the share
  // of calls it takes (see kTarget) until it is back to all of them.
  // A zero threshold does not watch the lag.
  explicit LoadMonitor(core::Duration threshold) : threshold_(threshold) {}

  // Also sheds while `probe()` (bytes waiting to be read) stays above
  // `limitBytes` (0: the queue is not watched). Set before start().
  void watchQueue(std::function<size_t()> probe, size_t limitBytes) {
    queue_probe_ = std::move(probe);
    queue_limit_ = limitBytes;
  }

  // Runs the heartbeat on `loop` until destroyed.
  void start(core::EventLoop& loop);

  // One heartbeat: it was due at `due` and ran at `now`, with `queued` bytes
  // waiting. Public for tests.
  void beat(core::TimePoint due, core::TimePoint now, size_t queued = 0);

  bool overloaded() const { return overloaded_; }
  // While overloaded, the share of new calls to take (kFloor-1), steered so
  // the gateway keeps taking what it can carry instead of refusing
  // everything, whose own cost could hold the backlog up.
  double admitShare() const { return share_; }
  // Whether to take the next new call: spreads admitShare() evenly.
  bool admitNext();
  // Smoothed lateness of the heartbeat, in milliseconds.
  double lagMs() const { return lag_ms_; }
  // Smoothed bytes waiting in the watched queue.
  double queuedBytes() const { return queued_; }
  uint64_t episodes() const { return episodes_; }

  static constexpr core::Duration kPeriod = std::chrono::milliseconds(10);
  // While shedding, the pressure (the worse of lag/limit and queue/limit)
  // the share is steered to, and how hard: share *= exp(-kGain * (p - kTarget))
  // per beat. Never below kFloor, so the gateway keeps learning whether it
  // can take more.
  static constexpr double kTarget = 0.6;
  static constexpr double kGain = 0.02;
  static constexpr double kFloor = 0.02;
  static constexpr double kClimb = 0.004;  // added per beat below kTarget

 private:
  void schedule(core::EventLoop& loop, core::TimePoint due);

  bool enabled() const { return threshold_.count() > 0 || queue_limit_ > 0; }

  core::Duration threshold_;
  std::function<size_t()> queue_probe_;
  size_t queue_limit_ = 0;
  double lag_ms_ = 0;
  double queued_ = 0;
  double last_pressure_ = 0;
  int beats_in_second_ = 0;  // of the current once-a-second report
  double share_min_ = 1.0, share_max_ = 0;
  bool overloaded_ = false;
  double share_ = 1.0;
  double credit_ = 0;
  uint64_t episodes_ = 0;  // times shedding began
  core::Timer timer_;
};

}  // namespace outpost::gateway
