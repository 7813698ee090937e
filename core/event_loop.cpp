#include "core/event_loop.hpp"

#include <sofia-sip/su.h>
#include <sofia-sip/su_log.h>
#include <sofia-sip/su_wait.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstdarg>
#include <cstdio>
#include <stdexcept>
#include <vector>

#include "core/log.hpp"

namespace outpost::core {

namespace {

std::mutex g_su_mutex;
int g_su_refs = 0;

// Deleted fd entries wait here until the dispatch that may be running their
// callback has returned.
thread_local std::vector<std::unique_ptr<void, void (*)(void*)>> t_graveyard;

}  // namespace

// Sofia's own diagnostics arrive in pieces (printf-style, a line may take
// several calls); gather them per thread and log whole lines at debug level
// instead of letting them go to stderr unasked.
void sofiaLogger(void*, char const* fmt, va_list ap) {
  thread_local std::string pending;
  char buf[1024];
  int n = std::vsnprintf(buf, sizeof buf, fmt, ap);
  if (n <= 0) return;
  pending.append(buf, std::min<size_t>(static_cast<size_t>(n), sizeof buf - 1));
  size_t nl;
  while ((nl = pending.find('\n')) != std::string::npos) {
    std::string line = pending.substr(0, nl);
    pending.erase(0, nl + 1);
    if (!line.empty()) OUTPOST_LOG(Debug, "sofia") << line;
  }
}

SofiaInit::SofiaInit() {
  std::lock_guard lock(g_su_mutex);
  if (g_su_refs++ == 0) {
    su_init();
    su_log_redirect(su_log_default, sofiaLogger, nullptr);
    su_log_redirect(su_log_global, sofiaLogger, nullptr);
  }
}

SofiaInit::~SofiaInit() {
  std::lock_guard lock(g_su_mutex);
  if (--g_su_refs == 0) su_deinit();
}

LoopHandle& LoopHandle::operator=(LoopHandle&& o) noexcept {
  if (this != &o) {
    cancel();
    loop_ = o.loop_;
    id_ = o.id_;
    o.loop_ = nullptr;
  }
  return *this;
}

void LoopHandle::cancel() {
  if (loop_) loop_->cancel(id_);
  loop_ = nullptr;
}

bool LoopHandle::active() const {
  return loop_ && loop_->isActive(id_);
}

EventLoop::EventLoop(Clock& clock) : clock_(clock) {
  root_ = su_root_create(nullptr);
  if (!root_) throw std::runtime_error("su_root_create failed (was su_init() called?)");
  wake_fd_.reset(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC));
  if (!wake_fd_) throw std::runtime_error("eventfd failed");
  su_wait_t wait[1];
  su_wait_create(wait, wake_fd_.get(), SU_WAIT_IN);
  wake_index_ = su_root_register(
      root_, wait,
      [](su_root_magic_t*, su_wait_t*, su_wakeup_arg_t* arg) -> int {
        auto* self = static_cast<EventLoop*>(arg);
        uint64_t n;
        while (::read(self->wake_fd_.get(), &n, sizeof n) > 0) {
        }
        return 0;
      },
      this, 0);
}

EventLoop::~EventLoop() {
  for (auto& [id, entry] : fds_)
    su_root_deregister(root_, entry->su_index);
  fds_.clear();
  if (wake_index_ >= 0) su_root_deregister(root_, wake_index_);
  su_root_destroy(root_);
  t_graveyard.clear();
}

int EventLoop::onSuWakeup(void*, void* wait, void* arg) {
  auto* entry = static_cast<FdEntry*>(arg);
  auto* w = static_cast<su_wait_t*>(wait);
  int ev = su_wait_events(w, entry->fd);
  unsigned revents = 0;
  if (ev & SU_WAIT_IN) revents |= kReadable;
  if (ev & SU_WAIT_OUT) revents |= kWritable;
  if (ev & SU_WAIT_ERR) revents |= kError;
  if (ev & SU_WAIT_HUP) revents |= kHangup;
  // Copy: the callback may cancel its own watch.
  auto cb = entry->cb;
  cb(revents);
  return 0;
}

static int toSuEvents(unsigned events) {
  int ev = 0;
  if (events & kReadable) ev |= SU_WAIT_IN;
  if (events & kWritable) ev |= SU_WAIT_OUT;
  return ev;
}

FdWatch EventLoop::watchFd(int fd, unsigned events, std::function<void(unsigned)> cb) {
  auto entry = std::make_unique<FdEntry>(FdEntry{fd, -1, std::move(cb)});
  su_wait_t wait[1];
  su_wait_create(wait, fd, toSuEvents(events));
  entry->su_index = su_root_register(
      root_, wait,
      [](su_root_magic_t* m, su_wait_t* w, su_wakeup_arg_t* a) -> int {
        return onSuWakeup(m, w, a);
      },
      entry.get(), 0);
  if (entry->su_index < 0) throw std::runtime_error("su_root_register failed");
  uint64_t id = next_id_++;
  fds_.emplace(id, std::move(entry));
  return FdWatch(this, id);
}

void EventLoop::setFdEvents(const FdWatch& watch, unsigned events) {
  if (watch.loop_ != this) return;
  auto it = fds_.find(watch.id_);
  if (it == fds_.end()) return;
  su_root_eventmask(root_, it->second->su_index, it->second->fd, toSuEvents(events));
}

Timer EventLoop::after(Duration delay, std::function<void()> cb) {
  uint64_t id = next_id_++;
  TimePoint deadline = clock_.now() + delay;
  timers_.emplace(id, TimerEntry{deadline, Duration(0), std::move(cb), false});
  timer_order_.emplace(deadline, id);
  return Timer(this, id);
}

Timer EventLoop::every(Duration period, std::function<void()> cb) {
  if (period <= Duration(0)) period = Duration(1);
  uint64_t id = next_id_++;
  TimePoint deadline = clock_.now() + period;
  timers_.emplace(id, TimerEntry{deadline, period, std::move(cb), false});
  timer_order_.emplace(deadline, id);
  return Timer(this, id);
}

void EventLoop::detachAfter(Duration delay, std::function<void()> cb) {
  uint64_t id = next_id_++;
  TimePoint deadline = clock_.now() + delay;
  timers_.emplace(id, TimerEntry{deadline, Duration(0), std::move(cb), true});
  timer_order_.emplace(deadline, id);
}

void EventLoop::cancel(uint64_t id) {
  if (auto it = timers_.find(id); it != timers_.end()) {
    auto range = timer_order_.equal_range(it->second.deadline);
    for (auto o = range.first; o != range.second; ++o) {
      if (o->second == id) {
        timer_order_.erase(o);
        break;
      }
    }
    timers_.erase(it);
    return;
  }
  if (auto it = fds_.find(id); it != fds_.end()) {
    su_root_deregister(root_, it->second->su_index);
    FdEntry* raw = it->second.release();
    fds_.erase(it);
    t_graveyard.emplace_back(raw, [](void* p) { delete static_cast<FdEntry*>(p); });
  }
}

bool EventLoop::isActive(uint64_t id) const {
  return timers_.count(id) || fds_.count(id);
}

void EventLoop::fireDueTimers() {
  // Timers added while firing with a zero delay run in the next iteration, so a
  // timer that re-arms itself cannot starve fds.
  TimePoint now = clock_.now();
  size_t budget = timers_.size();
  while (budget-- > 0 && !timer_order_.empty()) {
    auto first = timer_order_.begin();
    if (first->first > now) break;
    uint64_t id = first->second;
    timer_order_.erase(first);
    auto it = timers_.find(id);
    if (it == timers_.end()) continue;
    TimerEntry& t = it->second;
    if (t.period > Duration(0)) {
      // A late periodic timer fires once and keeps its phase, never a burst.
      TimePoint next = t.deadline + t.period;
      if (next <= now) {
        auto missed = (now - t.deadline) / t.period;
        next = t.deadline + (missed + 1) * t.period;
      }
      t.deadline = next;
      timer_order_.emplace(next, id);
      auto cb = t.cb;  // the callback may cancel its own timer
      cb();
    } else {
      auto cb = std::move(t.cb);
      timers_.erase(it);
      cb();
    }
  }
}

void EventLoop::drainPosted() {
  std::deque<std::function<void()>> work;
  {
    std::lock_guard lock(post_mutex_);
    work.swap(posted_);
  }
  for (auto& fn : work)
    fn();
}

Duration EventLoop::untilNextTimer() const {
  if (timer_order_.empty()) return Duration::max();
  auto d = timer_order_.begin()->first - clock_.now();
  if (d < Duration(0)) return Duration(0);
  if (clock_.isManual() && d > Duration(0)) return Duration::max();
  return d;
}

void EventLoop::post(std::function<void()> fn) {
  {
    std::lock_guard lock(post_mutex_);
    posted_.push_back(std::move(fn));
  }
  uint64_t one = 1;
  ssize_t r = ::write(wake_fd_.get(), &one, sizeof one);
  (void)r;  // EAGAIN means a wake-up is already pending
}

void EventLoop::stop() {
  stopped_ = true;
  uint64_t one = 1;
  ssize_t r = ::write(wake_fd_.get(), &one, sizeof one);
  (void)r;
}

bool EventLoop::runOnce(Duration maxWait) {
  if (stopped_) return false;
  Duration wait = std::min(maxWait, untilNextTimer());
  {
    std::lock_guard lock(post_mutex_);
    if (!posted_.empty()) wait = Duration(0);
  }
  // Round up: waking a little late is fine, spinning on a sub-millisecond
  // remainder is not.
  // Capped at a minute so the arithmetic never overflows on "wait forever".
  su_duration_t tout = 60'000;
  if (wait < std::chrono::seconds(60)) {
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(wait +
                                                                    std::chrono::microseconds(999));
    tout = static_cast<su_duration_t>(ms.count());
  }
  su_root_step(root_, tout);
  fireDueTimers();
  drainPosted();
  t_graveyard.clear();
  return !stopped_;
}

void EventLoop::run() {
  while (runOnce(Duration::max())) {
  }
}

bool EventLoop::runUntil(const std::function<bool()>& pred, Duration limit) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (!pred()) {
    auto left = deadline - std::chrono::steady_clock::now();
    if (left <= Duration(0)) return pred();
    if (!runOnce(std::min<Duration>(left, std::chrono::milliseconds(10)))) return pred();
  }
  return true;
}

void EventLoop::advance(Duration d) {
  auto* manual = dynamic_cast<ManualClock*>(&clock_);
  if (!manual) throw std::logic_error("EventLoop::advance needs a ManualClock");
  TimePoint target = clock_.now() + d;
  for (;;) {
    if (timer_order_.empty() || timer_order_.begin()->first > target) break;
    TimePoint next = timer_order_.begin()->first;
    if (next > clock_.now()) manual->advance(next - clock_.now());
    fireDueTimers();
    drainPosted();
  }
  if (target > clock_.now()) manual->advance(target - clock_.now());
  fireDueTimers();
  drainPosted();
  t_graveyard.clear();
}

}  // namespace outpost::core
