// EventLoop: the control thread's loop, over Sofia's su_root so that nua (SIP)
// and our own fd watches and timers share one thread. Timers read a Clock: with
// a ManualClock, tests move time by hand with advance() and timers fire at
// their exact deadlines. Create, run and use a loop on one thread; only post()
// and stop() may be called from other threads.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <unordered_map>

#include "core/clock.hpp"
#include "core/handle.hpp"
#include "core/result.hpp"

struct su_root_s;
typedef struct su_root_s su_root_t;

namespace outpost::core {

class EventLoop;

enum FdEvents : unsigned {
  kReadable = 1u << 0,
  kWritable = 1u << 1,
  kError = 1u << 2,   // reported, never requested
  kHangup = 1u << 3,  // reported, never requested
};

// A registration on the loop; destroying the handle cancels it. Handles must
// not outlive their loop.
class LoopHandle {
 public:
  LoopHandle() = default;
  LoopHandle(EventLoop* loop, uint64_t id) : loop_(loop), id_(id) {}
  ~LoopHandle() { cancel(); }
  LoopHandle(LoopHandle&& o) noexcept : loop_(o.loop_), id_(o.id_) { o.loop_ = nullptr; }
  LoopHandle& operator=(LoopHandle&& o) noexcept;
  LoopHandle(const LoopHandle&) = delete;
  LoopHandle& operator=(const LoopHandle&) = delete;

  void cancel();
  bool active() const;

 private:
  friend class EventLoop;
  EventLoop* loop_ = nullptr;
  uint64_t id_ = 0;
};
using Timer = LoopHandle;
using FdWatch = LoopHandle;

class EventLoop {
 public:
  // Creates the su_root on the calling thread; su_init() must have been called
  // (SofiaInit below does it for the process).
  explicit EventLoop(Clock& clock = SystemClock::instance());
  ~EventLoop();
  EventLoop(const EventLoop&) = delete;
  EventLoop& operator=(const EventLoop&) = delete;

  Clock& clock() const { return clock_; }
  su_root_t* suRoot() const { return root_; }

  // Calls cb(revents) while fd has any of `events`. The fd stays the caller's.
  [[nodiscard]] FdWatch watchFd(int fd, unsigned events, std::function<void(unsigned)> cb);
  void setFdEvents(const FdWatch& watch, unsigned events);

  [[nodiscard]] Timer after(Duration delay, std::function<void()> cb);
  [[nodiscard]] Timer every(Duration period, std::function<void()> cb);
  // Fire-and-forget versions: live until they fire (once) or the loop ends.
  void detachAfter(Duration delay, std::function<void()> cb);

  // Thread-safe: runs fn on the loop thread, in posting order.
  void post(std::function<void()> fn);
  // Thread-safe: run() returns after the current dispatch.
  void stop();
  // Lets a stopped loop run again (a daemon winding down after stop()).
  void resume() { stopped_ = false; }

  void run();
  // One iteration: wait at most maxWait (less if a timer is due), dispatch
  // ready fds, due timers and posted work. Returns false once stop() was called.
  bool runOnce(Duration maxWait);
  // Runs iterations until pred() is true or `limit` of real time passes.
  bool runUntil(const std::function<bool()>& pred, Duration limit);

  // Tests on a ManualClock: moves the clock forward by d, firing every timer
  // that falls due on the way at its own deadline, in order.
  void advance(Duration d);

  size_t pendingTimers() const { return timers_.size(); }

 private:
  friend class LoopHandle;
  struct TimerEntry {
    TimePoint deadline;
    Duration period{0};
    std::function<void()> cb;
    bool detached = false;
  };
  struct FdEntry {
    int fd;
    int su_index;
    std::function<void(unsigned)> cb;
  };

  void cancel(uint64_t id);
  bool isActive(uint64_t id) const;
  void fireDueTimers();
  void drainPosted();
  Duration untilNextTimer() const;
  static int onSuWakeup(void* magic, void* wait, void* arg);

  Clock& clock_;
  su_root_t* root_ = nullptr;
  uint64_t next_id_ = 1;
  std::multimap<TimePoint, uint64_t> timer_order_;
  std::unordered_map<uint64_t, TimerEntry> timers_;
  std::unordered_map<uint64_t, std::unique_ptr<FdEntry>> fds_;
  UniqueFd wake_fd_;
  int wake_index_ = -1;
  std::mutex post_mutex_;
  std::deque<std::function<void()>> posted_;
  std::atomic<bool> stopped_{false};
};

// Process-wide su_init()/su_deinit(), reference counted.
class SofiaInit {
 public:
  SofiaInit();
  ~SofiaInit();
  SofiaInit(const SofiaInit&) = delete;
  SofiaInit& operator=(const SofiaInit&) = delete;
};

}  // namespace outpost::core
