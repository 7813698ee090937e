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
  // Rises fast (half the way to a late beat at once) so shedding starts
  // within a few beats; falls at a fifth per beat so one quiet beat in a
  // backlog does not let the flood back in.
  lag_ms_ += (lag > lag_ms_ ? 0.5 : 0.2) * (lag - lag_ms_);
  double limit = std::chrono::duration<double, std::milli>(threshold_).count();
  if (!overloaded_ && lag_ms_ > limit) {
    overloaded_ = true;
    ++episodes_;
    OUTPOST_LOG(Warning, "calls") << "control thread " << static_cast<int>(lag_ms_)
                                  << " ms behind: new calls get 503 until it catches up";
  } else if (overloaded_ && lag_ms_ < 0.7 * limit) {
    overloaded_ = false;
    OUTPOST_LOG(Notice, "calls") << "control thread caught up: taking new calls again";
  }
}

}  // namespace outpost::gateway
