// MediaThread: one thread running an epoll loop with sub-millisecond timers
// (a timerfd on CLOCK_MONOTONIC, the steady clock), that owns bridges and
// their sockets and any other fds given to it (a span's bearer I/O). Other
// threads talk to it only by message: post() queues a function and wakes the
// loop through an eventfd. Bridges' events go back to the control thread's
// core::EventLoop by its post().
//
// Construct and destroy on the control thread; post() from any thread;
// everything else only on the media thread itself (inside posted functions,
// fd callbacks and timers).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "core/clock.hpp"
#include "core/handle.hpp"
#include "media/bridge.hpp"
#include "media/udp.hpp"

namespace outpost::media {

class MediaThread {
 public:
  struct Options {
    std::string name = "media";
    // How often bridges get their upkeep (RTCP, timeouts, idle reads).
    core::Duration housekeeping = std::chrono::milliseconds(100);
    // SCHED_FIFO priority (1-99) so frames leave on time on a busy host, as
    // telephony media threads usually run; 0 keeps normal scheduling. When
    // the system refuses (no CAP_SYS_NICE), a notice is logged and the
    // thread runs normally.
    int realtimePriority = 0;
  };
  MediaThread(unsigned index, Options options);
  ~MediaThread();
  MediaThread(const MediaThread&) = delete;
  MediaThread& operator=(const MediaThread&) = delete;

  unsigned index() const { return index_; }

  // Any thread: runs fn on this thread, in posting order.
  void post(std::function<void(MediaThread&)> fn);
  // Any thread: runs fn on this thread and waits for it (tests, shutdown).
  void runSync(const std::function<void(MediaThread&)>& fn);

  // --- media thread only ---
  using Id = uint64_t;
  // fn(revents) while fd has any of `events` (EPOLLIN, EPOLLOUT...).
  Id watchFd(int fd, uint32_t events, std::function<void(uint32_t)> fn);
  void unwatchFd(Id id);
  // Periodic timer on an absolute schedule (no drift): fn gets the deadline
  // it was due at, so a caller can measure its own lateness.
  Id every(core::Duration period, std::function<void(core::TimePoint due)> fn);
  Id after(core::Duration delay, std::function<void()> fn);
  void cancel(Id id);

  void addBridge(std::unique_ptr<Bridge> bridge);
  // Takes the bridge out (its sockets leave the loop); nullptr if unknown.
  std::unique_ptr<Bridge> removeBridge(BridgeId id);
  Bridge* bridge(BridgeId id);
  size_t bridgeCount() const { return bridges_.size(); }
  template <typename F>
  void forEachBridge(F&& f) {
    for (auto& [id, entry] : bridges_)
      f(*entry.bridge);
  }
  RecvBatch& recvBatch() { return batch_; }

  // Loop statistics, for benchmarks: timer callbacks' lateness.
  core::Duration maxTimerLateness() const { return max_lateness_; }

 private:
  struct Watch {
    int fd;
    std::function<void(uint32_t)> fn;
  };
  struct TimerEntry {
    core::TimePoint due;
    core::Duration period{0};
    std::function<void(core::TimePoint)> fn;
  };
  struct BridgeEntry {
    std::unique_ptr<Bridge> bridge;
    Id rtcpWatch = 0;
  };

  void run();
  void armTimerFd();
  void fireTimers();
  void drainPosted();
  void housekeeping(core::TimePoint now);

  unsigned index_;
  Options options_;
  core::UniqueFd epoll_;
  core::UniqueFd wake_;
  core::UniqueFd timer_fd_;
  std::mutex mutex_;
  std::vector<std::function<void(MediaThread&)>> posted_;
  std::atomic<bool> stop_{false};
  Id next_id_ = 1;
  std::unordered_map<Id, std::unique_ptr<Watch>> watches_;
  std::multimap<core::TimePoint, Id> timer_order_;
  std::unordered_map<Id, TimerEntry> timers_;
  core::TimePoint armed_for_{};
  std::map<BridgeId, BridgeEntry> bridges_;
  RecvBatch batch_;
  core::Duration max_lateness_{0};
  std::thread thread_;
};

}  // namespace outpost::media
