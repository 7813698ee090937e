#include "gateway/load_monitor.hpp"

#include <algorithm>
#include <cmath>

#include "core/log.hpp"

namespace outpost::gateway {

void LoadMonitor::start(core::EventLoop& loop) {
  if (!enabled()) return;
  schedule(loop, loop.clock().now() + kPeriod);
}

void LoadMonitor::schedule(core::EventLoop& loop, core::TimePoint due) {
  auto delay = std::max(core::Duration::zero(), due - loop.clock().now());
  timer_ = loop.after(delay, [this, &loop, due] {
    core::TimePoint now = loop.clock().now();
    beat(due, now, queue_probe_ ? queue_probe_() : 0);
    // The next beat is due a period after this one ran: a loop that was
    // behind is not asked to catch up on beats it missed.
    schedule(loop, now + kPeriod);
  });
}

void LoadMonitor::beat(core::TimePoint due, core::TimePoint now, size_t queued) {
  if (!enabled()) return;
  double lag =
      std::chrono::duration<double, std::milli>(std::max(now - due, core::Duration::zero()))
          .count();
  // A quarter of the way to a late beat, a fifth of the way back: a loop
  // with a real backlog runs every beat late and crosses the limit within a
  // few beats (40 ms at twice the limit), while one stall (a disk flush, the
  // VM descheduled) is smoothed away instead of shedding the calls of the
  // next second; one quick beat inside a backlog does not end shedding. The
  // queue is smoothed the same way: a burst that is read within a few beats
  // is what the receive buffer is for.
  lag_ms_ += (lag > lag_ms_ ? 0.25 : 0.2) * (lag - lag_ms_);
  double q = static_cast<double>(queued);
  queued_ += (q > queued_ ? 0.25 : 0.2) * (q - queued_);
  // How far past its limit the worse of the two measures is (1: at it).
  double limit = std::chrono::duration<double, std::milli>(threshold_).count();
  double lagPressure = limit > 0 ? lag_ms_ / limit : 0;
  double queuePressure = queue_limit_ > 0 ? queued_ / static_cast<double>(queue_limit_) : 0;
  double pressure = std::max(lagPressure, queuePressure);
  double last_pressure = last_pressure_;
  last_pressure_ = pressure;
  if (pressure > 1 && !overloaded_) {
    overloaded_ = true;
    ++episodes_;
    if (lagPressure >= queuePressure) {
      OUTPOST_LOG(Warning, "calls") << "control thread " << static_cast<int>(lag_ms_)
                                    << " ms behind: shedding new calls with 503";
    } else {
      OUTPOST_LOG(Warning, "calls")
          << static_cast<long>(queued_ / 1024)
          << " KB of SIP requests waiting to be read: shedding new calls with 503";
    }
  }
  if (overloaded_) {
    // Steer the pressure to kTarget: each beat the share moves by a fraction
    // proportional to the distance (an integral controller, on the share's
    // logarithm so it acts alike at 80 % and at 5 %). Far above the limit
    // it halves in about ten beats; near the target it moves about 1 % a
    // beat, slower than the queue answers (a call taken now brings its ACK,
    // BYE and 200 tens of milliseconds later), so it settles instead of
    // swinging between refusing nearly all and taking too many.
    double error = std::clamp(pressure - kTarget, -1.0, 3.0);
    // A backlog that is already shrinking needs no deeper cut: the share
    // that makes it shrink is enough. Cutting on until a spike (a stall of
    // the machine) has drained leaves the share at the floor for seconds.
    bool draining = pressure < last_pressure;
    if (error < 0 || !draining) share_ *= std::exp(-kGain * error);
    // Below the target, also climb by a fixed step: from the floor, a purely
    // proportional climb would take seconds to reach the share the
    // gateway can carry.
    if (error < 0) share_ += kClimb;
    share_ = std::clamp(share_, kFloor, 1.0);
    if (share_ >= 1.0 && pressure < kTarget) {
      overloaded_ = false;
      OUTPOST_LOG(Notice, "calls") << "control thread caught up: taking every new call again";
    }
  }
  // While shedding, one line a second says how hard, so an admin (and the
  // benchmark) can see the guard at work without a debugger.
  if (overloaded_ || beats_in_second_ > 0) {
    share_min_ = std::min(share_min_, share_);
    share_max_ = std::max(share_max_, share_);
    if (++beats_in_second_ >= 100) {
      OUTPOST_LOG(Warning, "calls")
          << "overloaded: took " << static_cast<int>(share_min_ * 100) << "-"
          << static_cast<int>(share_max_ * 100) << " % of new calls in the last second; SIP queue "
          << static_cast<long>(queued_ / 1024) << " KB, loop " << static_cast<int>(lag_ms_)
          << " ms late";
      beats_in_second_ = 0;
      share_min_ = 1.0;
      share_max_ = 0;
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
