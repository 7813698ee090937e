#include "media/media_thread.hpp"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <future>

#include "core/log.hpp"

namespace outpost::media {
namespace {

timespec toTimespec(core::TimePoint t) {
  auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
  if (ns <= 0) ns = 1;  // 0 would disarm the timer
  return timespec{static_cast<time_t>(ns / 1000000000), static_cast<long>(ns % 1000000000)};
}

// Tags for epoll data: the low ids are ours.
constexpr uint64_t kWakeTag = 0;
constexpr uint64_t kTimerTag = 1;

}  // namespace

MediaThread::MediaThread(unsigned index, Options options)
    : index_(index),
      options_(std::move(options)),
      epoll_(epoll_create1(EPOLL_CLOEXEC)),
      wake_(eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)),
      timer_fd_(timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC)) {
  if (!epoll_ || !wake_ || !timer_fd_)
    throw std::runtime_error("media thread: cannot create epoll/eventfd/timerfd");
  next_id_ = 2;  // 0 and 1 tag the wake-up and the timer fds
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.u64 = kWakeTag;
  epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, wake_.get(), &ev);
  ev.data.u64 = kTimerTag;
  epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, timer_fd_.get(), &ev);
  thread_ = std::thread([this] { run(); });
}

MediaThread::~MediaThread() {
  // Bridges close (RTCP BYE) on their own thread before it stops.
  runSync([](MediaThread& t) {
    auto now = std::chrono::steady_clock::now();
    for (auto& [id, e] : t.bridges_)
      e.bridge->close(now);
    t.bridges_.clear();
    t.watches_.clear();
    t.timers_.clear();
    t.timer_order_.clear();
  });
  stop_ = true;
  uint64_t one = 1;
  (void)!write(wake_.get(), &one, sizeof one);
  if (thread_.joinable()) thread_.join();
}

void MediaThread::post(std::function<void(MediaThread&)> fn) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    posted_.push_back(std::move(fn));
  }
  uint64_t one = 1;
  (void)!write(wake_.get(), &one, sizeof one);
}

void MediaThread::runSync(const std::function<void(MediaThread&)>& fn) {
  if (std::this_thread::get_id() == thread_.get_id()) {
    fn(*this);
    return;
  }
  std::promise<void> done;
  post([&](MediaThread& t) {
    fn(t);
    done.set_value();
  });
  done.get_future().wait();
}

MediaThread::Id MediaThread::watchFd(int fd, uint32_t events, std::function<void(uint32_t)> fn) {
  Id id = next_id_++;
  auto w = std::make_unique<Watch>(Watch{fd, std::move(fn)});
  epoll_event ev{};
  ev.events = events;
  ev.data.u64 = id;
  if (epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, fd, &ev) != 0) {
    OUTPOST_LOG(Error, "media") << "epoll_ctl add fd " << fd << ": " << std::strerror(errno);
    return 0;
  }
  watches_[id] = std::move(w);
  return id;
}

void MediaThread::unwatchFd(Id id) {
  auto it = watches_.find(id);
  if (it == watches_.end()) return;
  epoll_ctl(epoll_.get(), EPOLL_CTL_DEL, it->second->fd, nullptr);
  watches_.erase(it);
}

MediaThread::Id MediaThread::every(core::Duration period, std::function<void(core::TimePoint)> fn) {
  Id id = next_id_++;
  auto due = std::chrono::steady_clock::now() + period;
  timers_[id] = TimerEntry{due, period, std::move(fn)};
  timer_order_.emplace(due, id);
  armTimerFd();
  return id;
}

MediaThread::Id MediaThread::after(core::Duration delay, std::function<void()> fn) {
  Id id = next_id_++;
  auto due = std::chrono::steady_clock::now() + delay;
  timers_[id] = TimerEntry{due, core::Duration(0), [f = std::move(fn)](core::TimePoint) { f(); }};
  timer_order_.emplace(due, id);
  armTimerFd();
  return id;
}

void MediaThread::cancel(Id id) {
  auto it = timers_.find(id);
  if (it == timers_.end()) return;
  auto range = timer_order_.equal_range(it->second.due);
  for (auto o = range.first; o != range.second; ++o)
    if (o->second == id) {
      timer_order_.erase(o);
      break;
    }
  timers_.erase(it);
}

void MediaThread::armTimerFd() {
  if (timer_order_.empty()) return;
  core::TimePoint first = timer_order_.begin()->first;
  if (first == armed_for_) return;
  armed_for_ = first;
  itimerspec spec{};
  spec.it_value = toTimespec(first);
  timerfd_settime(timer_fd_.get(), TFD_TIMER_ABSTIME, &spec, nullptr);
}

void MediaThread::fireTimers() {
  uint64_t expirations;
  (void)!read(timer_fd_.get(), &expirations, sizeof expirations);
  armed_for_ = {};
  auto now = std::chrono::steady_clock::now();
  while (!timer_order_.empty() && timer_order_.begin()->first <= now) {
    auto [due, id] = *timer_order_.begin();
    timer_order_.erase(timer_order_.begin());
    auto it = timers_.find(id);
    if (it == timers_.end()) continue;
    max_lateness_ = std::max(max_lateness_, now - due);
    auto fn = it->second.fn;  // the callback may cancel its own timer
    if (it->second.period.count() > 0) {
      // Next deadline on the original grid; if we fell a whole period behind,
      // skip to the next one to come rather than fire a burst.
      core::TimePoint next = due + it->second.period;
      if (next <= now) next = now + (it->second.period - (now - due) % it->second.period);
      it->second.due = next;
      timer_order_.emplace(next, id);
    } else {
      timers_.erase(it);
    }
    fn(due);
    now = std::chrono::steady_clock::now();
  }
  armTimerFd();
}

void MediaThread::drainPosted() {
  uint64_t n;
  (void)!read(wake_.get(), &n, sizeof n);
  std::vector<std::function<void(MediaThread&)>> work;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    work.swap(posted_);
  }
  for (auto& fn : work) {
    try {
      fn(*this);
    } catch (const std::exception& e) {
      OUTPOST_LOG(Error, "media") << "media thread " << index_
                                  << ": posted work failed: " << e.what();
    }
  }
}

void MediaThread::addBridge(std::unique_ptr<Bridge> bridge) {
  Bridge* b = bridge.get();
  b->useBatch(&batch_);
  BridgeEntry e;
  e.rtcpWatch = watchFd(b->rtcpFd(), EPOLLIN, [this, b](uint32_t) {
    b->onRtcpReadable(std::chrono::steady_clock::now(), batch_);
  });
  e.bridge = std::move(bridge);
  bridges_[b->id()] = std::move(e);
}

std::unique_ptr<Bridge> MediaThread::removeBridge(BridgeId id) {
  auto it = bridges_.find(id);
  if (it == bridges_.end()) return nullptr;
  unwatchFd(it->second.rtcpWatch);
  auto b = std::move(it->second.bridge);
  bridges_.erase(it);
  return b;
}

Bridge* MediaThread::bridge(BridgeId id) {
  auto it = bridges_.find(id);
  return it == bridges_.end() ? nullptr : it->second.bridge.get();
}

void MediaThread::housekeeping(core::TimePoint now) {
  for (auto& [id, e] : bridges_)
    e.bridge->housekeeping(now, batch_);
}

void MediaThread::run() {
  std::string name = options_.name + std::to_string(index_);
  pthread_setname_np(pthread_self(), name.substr(0, 15).c_str());
  if (options_.realtimePriority > 0) {
    sched_param sp{};
    sp.sched_priority = std::clamp(options_.realtimePriority, 1, 99);
    if (int err = pthread_setschedparam(pthread_self(), SCHED_FIFO, &sp); err != 0)
      OUTPOST_LOG(Notice, "media") << "media thread " << index_ << ": no real-time priority ("
                                   << std::strerror(err) << "), running with normal scheduling";
  }
  every(options_.housekeeping,
        [this](core::TimePoint) { housekeeping(std::chrono::steady_clock::now()); });
  std::array<epoll_event, 64> events;
  while (!stop_) {
    int n = epoll_wait(epoll_.get(), events.data(), static_cast<int>(events.size()), -1);
    if (n < 0) {
      if (errno == EINTR) continue;
      OUTPOST_LOG(Critical, "media")
          << "media thread " << index_ << ": epoll_wait: " << std::strerror(errno);
      break;
    }
    for (int i = 0; i < n; ++i) {
      uint64_t tag = events[static_cast<size_t>(i)].data.u64;
      if (tag == kWakeTag) {
        drainPosted();
      } else if (tag == kTimerTag) {
        fireTimers();
      } else {
        auto it = watches_.find(tag);
        if (it == watches_.end()) continue;  // removed by an earlier callback
        auto fn = it->second->fn;
        fn(events[static_cast<size_t>(i)].events);
      }
    }
  }
}

}  // namespace outpost::media
