#include "gateway/load_monitor.hpp"

#include <algorithm>

#include "core/log.hpp"

namespace outpost::gateway {

void LoadMonitor::start(core::EventLoop& loop) {
  if (threshold_.count() <= 0) return;
  schedule(loop, loop.clock().now() + kPeriod);
}

void LoadMonitor::schedule(core::EventLoop& loop, core::TimePoint due) {
  auto delay = std::max(core::Duration::zero(), due - loop.clock().now());
  timer_ = loop.after(delay, [this, &loop, due] {
    core::TimePoint now = loop.clock().now();
    beat(due, now);
    // The next beat is due a period after this one ran: a loop that was
    // behind is not asked to catch up on beats it missed.
    schedule(loop, now + kPeriod);
  });
}

void LoadMonitor::beat(core::TimePoint due, core::TimePoint now) {
  if (threshold_.count() <= 0) return;
  double lag =
      std::chrono::duration<double, std::milli>(std::max(now - due, core::Duration::zero()))
          .count();
  // A quarter of the way to a late beat, a fifth of the way back: a loop
  // with a real backlog runs every beat late and crosses the limit within a
  // few beats (40 ms at twice the limit), while one stall (a disk flush, the
  // VM descheduled) is smoothed away instead of shedding the calls of the
  // next second; one quick beat inside a backlog does not end shedding.
  lag_ms_ += (lag > lag_ms_ ? 0.25 : 0.2) * (lag - lag_ms_);
  double limit = std::chrono::duration<double, std::milli>(threshold_).count();
  if (lag_ms_ > limit) {
    if (!overloaded_) {
      overloaded_ = true;
      ++episodes_;
      OUTPOST_LOG(Warning, "calls") << "control thread " << static_cast<int>(lag_ms_)
                                    << " ms behind: shedding new calls with 503";
    }
    share_ = std::max(0.02, share_ * 0.97);
  } else if (overloaded_ && lag_ms_ < 0.7 * limit) {
    share_ = std::min(1.0, share_ + 0.01);
    if (share_ >= 1.0) {
      overloaded_ = false;
      OUTPOST_LOG(Notice, "calls") << "control thread caught up: taking every new call again";
    }
  }
}

bool LoadMonitor::admitNext() {
  if (!overloaded_) return true;
  credit_ += share_;
  if (credit_ < 1.0) return false;
  credit_ -= 1.0;
  return true;
}

}  // namespace outpost::gateway
