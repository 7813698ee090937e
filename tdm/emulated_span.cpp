#include "tdm/emulated_span.hpp"

#include <poll.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>

#include "core/log.hpp"

namespace outpost::tdm {

namespace detail {

// The hand-over point between the span (control thread) and its bearer port
// (the thread that owns it): new connections go in under the mutex, and the
// eventfd wakes the port's epoll so it adopts them.
struct BearerShared {
  std::mutex mutex;
  core::UniqueFd pending;  // guarded by mutex
  core::UniqueFd wake;
  std::atomic<bool> open{false};
  std::atomic<bool> connected{false};
  std::atomic<int> alarm{0};  // SimulatedAlarm: what this end transmits

  void handOver(core::UniqueFd fd) {
    {
      std::lock_guard lock(mutex);
      pending = std::move(fd);
    }
    uint64_t one = 1;
    ssize_t r = ::write(wake.get(), &one, sizeof one);
    (void)r;
  }
};

}  // namespace detail

namespace {

constexpr const char* kLog = "tdm";

core::Result<sockaddr_un> unixAddress(const std::string& path) {
  sockaddr_un a{};
  a.sun_family = AF_UNIX;
  if (path.empty()) return core::invalidArgument("emulated span: no socket path");
  if (path.size() >= sizeof a.sun_path) {
    return core::invalidArgument("emulated span socket path is " + std::to_string(path.size()) +
                                 " bytes; the limit is " + std::to_string(sizeof a.sun_path - 1) +
                                 ": " + path);
  }
  std::memcpy(a.sun_path, path.c_str(), path.size() + 1);
  return a;
}

core::UniqueFd seqpacketSocket() {
  return core::UniqueFd(::socket(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
}

// Reads one message: its length; 0 when none is waiting; kClosed on EOF or
// error; kEmpty for a zero-length message (SEQPACKET allows them, and recv()
// returns 0 for them as for EOF, so the hang-up flag tells the two apart).
constexpr ssize_t kClosed = -1;
constexpr ssize_t kEmpty = -2;
ssize_t recvOne(int fd, std::vector<uint8_t>& buf) {
  buf.resize(wire::kMaxMessage + 1);
  for (;;) {
    ssize_t n = ::recv(fd, buf.data(), buf.size(), MSG_DONTWAIT);
    if (n > 0) {
      buf.resize(static_cast<size_t>(n));
      return n;
    }
    if (n == 0) {
      pollfd p{fd, POLLRDHUP, 0};
      if (::poll(&p, 1, 0) == 1 && (p.revents & (POLLRDHUP | POLLHUP))) return kClosed;
      buf.clear();
      return kEmpty;
    }
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) return 0;
    return -1;
  }
}

// The bearer port of an emulated span. Everything here runs on the thread
// that owns the port, except BearerShared's hand-over.
class EmulatedBearer final : public BearerPort {
 public:
  EmulatedBearer(const SpanLayout& layout, Law law, Clocking clocking,
                 std::shared_ptr<detail::BearerShared> shared)
      : layout_(layout), law_(law), clocking_(clocking), shared_(std::move(shared)) {
    slots_ = layout_.timeslotCount();
    frame_bytes_ = static_cast<size_t>(slots_) * kFrameSamples;
    rx_.assign(frame_bytes_, idleCode(law_));
    msg_.assign(wire::kBFrameHeader + frame_bytes_, 0);
    echo_.assign(static_cast<size_t>(layout_.lastTimeslot() + 1), false);
    epoll_.reset(::epoll_create1(EPOLL_CLOEXEC));
    add(shared_->wake.get(), kWake);
    if (clocking_ == Clocking::kMaster) {
      timer_.reset(::timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC));
      // The grid starts one period from now; every tick has its own slot.
      // Each further master port in this process starts its grid at another
      // phase of the frame (golden-ratio steps spread any number evenly):
      // lines that are not one card's ports do not deliver their frames in
      // the same instant, and a far end that ticked 40 spans at once would
      // hand the gateway one burst per frame that no real line produces.
      static std::atomic<unsigned> opened{0};
      double phase = std::fmod(0.6180339887 * opened++, 1.0);
      start_ =
          std::chrono::steady_clock::now() + kFramePeriod +
          std::chrono::duration_cast<std::chrono::steady_clock::duration>(kFramePeriod * phase);
      itimerspec its{};
      auto ns = start_.time_since_epoch().count();
      its.it_value.tv_sec = ns / 1'000'000'000;
      its.it_value.tv_nsec = ns % 1'000'000'000;
      its.it_interval.tv_nsec = std::chrono::nanoseconds(kFramePeriod).count();
      ::timerfd_settime(timer_.get(), TFD_TIMER_ABSTIME, &its, nullptr);
      add(timer_.get(), kTimer);
    }
    adoptPending();
  }

  ~EmulatedBearer() override {
    shared_->connected = false;
    shared_->open = false;
  }

  int fd() const override { return epoll_.get(); }
  void setHandler(Handler h) override { handler_ = std::move(h); }
  const SpanLayout& layout() const override { return layout_; }
  Law law() const override { return law_; }
  Clocking clocking() const override { return clocking_; }

  core::Status setEchoCancel(int ts, bool on) override {
    if (!layout_.isBearer(ts)) {
      return core::invalidArgument("timeslot " + std::to_string(ts) + " is not a bearer channel");
    }
    echo_[static_cast<size_t>(ts)] = on;
    return {};
  }
  bool echoCancel(int ts) const override {
    return ts >= 0 && static_cast<size_t>(ts) < echo_.size() && echo_[static_cast<size_t>(ts)];
  }

  BearerStats stats() const override {
    BearerStats s = stats_;
    s.connected = sock_.valid();
    return s;
  }

  void service() override {
    epoll_event evs[4];
    int n = ::epoll_wait(epoll_.get(), evs, 4, 0);
    for (int i = 0; i < n; ++i) {
      switch (evs[i].data.u32) {
        case kWake: {
          uint64_t v;
          while (::read(shared_->wake.get(), &v, sizeof v) > 0) {
          }
          adoptPending();
          break;
        }
        case kTimer:
          onTimer();
          break;
        case kSocket:
          onSocket();
          break;
      }
    }
  }

 private:
  enum : uint32_t { kWake = 1, kTimer = 2, kSocket = 3 };

  void add(int fd, uint32_t tag) {
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u32 = tag;
    ::epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, fd, &ev);
  }

  void adoptPending() {
    core::UniqueFd fresh;
    {
      std::lock_guard lock(shared_->mutex);
      fresh = std::move(shared_->pending);
    }
    if (!fresh) return;
    closeSocket();
    sock_ = std::move(fresh);
    add(sock_.get(), kSocket);
    shared_->connected = true;
    ++stats_.connections;
    have_seq_ = false;
    rx_fresh_ = false;
  }

  void closeSocket() {
    if (!sock_) return;
    ::epoll_ctl(epoll_.get(), EPOLL_CTL_DEL, sock_.get(), nullptr);
    sock_.reset();
    shared_->connected = false;
  }

  void onTimer() {
    uint64_t expirations = 0;
    if (::read(timer_.get(), &expirations, sizeof expirations) != sizeof expirations) return;
    // A tick that runs a whole period late has missed its slot; the far end
    // still gets one frame per slot, so every slot is sent.
    if (expirations > 1) stats_.missed_slots += expirations - 1;
    for (uint64_t i = 0; i < expirations; ++i) {
      core::TimePoint due = start_ + kFramePeriod * static_cast<int64_t>(tick_);
      if (!sock_) {
        ++tick_;
        continue;
      }
      if (!rx_fresh_) {
        std::fill(rx_.begin(), rx_.end(), idleCode(law_));
        if (have_seq_) ++stats_.rx_missing;  // the far end has been answering
      }
      runTick(due, rx_fresh_);
      rx_fresh_ = false;
    }
  }

  void onSocket() {
    for (int guard = 0; guard < 64 && sock_; ++guard) {
      ssize_t n = recvOne(sock_.get(), in_);
      if (n == 0) return;
      if (n == kEmpty) {
        ++stats_.malformed;
        continue;
      }
      if (n < 0) {
        closeSocket();
        return;
      }
      auto h = wire::decodeBFrame(in_, slots_);
      if (!h) {
        ++stats_.malformed;
        continue;
      }
      if (have_seq_ && h->seq > last_seq_ + 1) stats_.seq_gaps += h->seq - last_seq_ - 1;
      last_seq_ = h->seq;
      have_seq_ = true;
      ++stats_.rx_frames;
      std::memcpy(rx_.data(), in_.data() + wire::kBFrameHeader, frame_bytes_);
      if (clocking_ == Clocking::kMaster) {
        rx_fresh_ = true;  // used by the next tick
      } else {
        runTick(std::chrono::steady_clock::now(), true);
      }
    }
  }

  void runTick(core::TimePoint due, bool fresh) {
    auto tx = std::span<uint8_t>(msg_).subspan(wire::kBFrameHeader);
    std::fill(tx.begin(), tx.end(), idleCode(law_));
    BearerFrame frame(layout_, rx_, tx, tick_, due, fresh);
    auto lateness = std::chrono::duration_cast<std::chrono::microseconds>(
                        std::chrono::steady_clock::now() - due)
                        .count();
    stats_.max_lateness_us = std::max<int64_t>(stats_.max_lateness_us, lateness);
    if (handler_) handler_(frame);
    ++tick_;
    ++stats_.ticks;
    auto alarm = static_cast<SimulatedAlarm>(shared_->alarm.load());
    if (alarm == SimulatedAlarm::kRed) return;  // this end sends no signal
    if (alarm == SimulatedAlarm::kBlue) std::fill(tx.begin(), tx.end(), 0xFF);
    wire::writeBFrameHeader(msg_, {static_cast<uint32_t>(tx_seq_++), static_cast<uint8_t>(slots_)});
    ssize_t n = ::send(sock_.get(), msg_.data(), msg_.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
    if (n == static_cast<ssize_t>(msg_.size())) {
      ++stats_.tx_frames;
    } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS)) {
      ++stats_.tx_dropped;
    } else {
      closeSocket();
    }
  }

  SpanLayout layout_;
  Law law_;
  Clocking clocking_;
  std::shared_ptr<detail::BearerShared> shared_;
  int slots_ = 0;
  size_t frame_bytes_ = 0;
  core::UniqueFd epoll_;
  core::UniqueFd timer_;
  core::UniqueFd sock_;
  Handler handler_;
  std::vector<uint8_t> rx_;
  std::vector<uint8_t> msg_;
  std::vector<uint8_t> in_;
  std::vector<bool> echo_;
  bool rx_fresh_ = false;
  bool have_seq_ = false;
  uint32_t last_seq_ = 0;
  uint64_t tx_seq_ = 0;
  uint64_t tick_ = 0;
  core::TimePoint start_{};
  BearerStats stats_;
};

}  // namespace

const char* simulatedAlarmName(SimulatedAlarm a) {
  switch (a) {
    case SimulatedAlarm::kNone:
      return "none";
    case SimulatedAlarm::kRed:
      return "red";
    case SimulatedAlarm::kYellow:
      return "yellow";
    case SimulatedAlarm::kBlue:
      return "blue";
  }
  return "?";
}

std::optional<SimulatedAlarm> parseSimulatedAlarm(std::string_view s) {
  if (s == "none" || s == "clear" || s == "off") return SimulatedAlarm::kNone;
  if (s == "red" || s == "los") return SimulatedAlarm::kRed;
  if (s == "yellow" || s == "rai") return SimulatedAlarm::kYellow;
  if (s == "blue" || s == "ais") return SimulatedAlarm::kBlue;
  return std::nullopt;
}

const char* clockingName(Clocking c) {
  return c == Clocking::kMaster ? "master" : "loop";
}

EmulatedSpan::EmulatedSpan(std::string name, SpanLayout layout, Law law, Side side,
                           EmulatedOptions options)
    : name_(std::move(name)),
      layout_(std::move(layout)),
      law_(law),
      side_(side),
      options_(std::move(options)) {
  mode_ = options_.mode.value_or(side_ == Side::kNetwork ? EmulatedOptions::Mode::kListen
                                                         : EmulatedOptions::Mode::kConnect);
  clocking_ =
      options_.clocking.value_or(side_ == Side::kNetwork ? Clocking::kMaster : Clocking::kLoop);
  bearer_ = std::make_shared<detail::BearerShared>();
  bearer_->wake.reset(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC));
}

EmulatedSpan::~EmulatedSpan() {
  // Watches and timers go before the loop may; only remove a socket file we made.
  pending_.clear();
  line_.reset();
  parked_bearer_.reset();
  listen_watch_.cancel();
  retry_.cancel();
  if (listen_fd_) ::unlink(options_.socket_path.c_str());
}

std::string EmulatedSpan::describe() const {
  return std::string("emulated ") + lineTypeName(layout_.line) + " " +
         (mode_ == EmulatedOptions::Mode::kListen ? "listening on " : "connecting to ") +
         options_.socket_path + " (" + sideName(side_) + " side, clock " + clockingName(clocking_) +
         ")";
}

wire::Hello EmulatedSpan::hello(wire::ConnKind kind) const {
  return wire::Hello{kind, layout_.line, law_, side_, name_};
}

core::Status EmulatedSpan::start(core::EventLoop& loop, Callbacks callbacks) {
  loop_ = &loop;
  callbacks_ = std::move(callbacks);
  if (mode_ == EmulatedOptions::Mode::kListen) {
    if (auto s = listen(); !s) return s;
  } else {
    if (auto a = unixAddress(options_.socket_path); !a) return a.status();
    tryConnect();
  }
  retry_ = loop.every(options_.retry_interval, [this] {
    if (mode_ == EmulatedOptions::Mode::kConnect) tryConnect();
  });
  reported_ = lineStatus();
  return {};
}

core::Status EmulatedSpan::listen() {
  auto addr = unixAddress(options_.socket_path);
  if (!addr) return addr.status();
  // A socket file left by a dead process is replaced; a live one is not.
  if (auto probe = seqpacketSocket(); probe) {
    if (::connect(probe.get(), reinterpret_cast<sockaddr*>(&*addr), sizeof *addr) == 0) {
      return core::Error{core::ErrorCode::kAlreadyExists,
                         "another process is already listening on " + options_.socket_path};
    }
  }
  struct stat st {};
  if (::lstat(options_.socket_path.c_str(), &st) == 0) {
    if (!S_ISSOCK(st.st_mode)) {
      return core::invalidArgument(options_.socket_path + " exists and is not a socket");
    }
    ::unlink(options_.socket_path.c_str());
  }
  listen_fd_ = seqpacketSocket();
  if (!listen_fd_) return core::errnoError("socket", errno);
  if (::bind(listen_fd_.get(), reinterpret_cast<sockaddr*>(&*addr), sizeof *addr) != 0) {
    int e = errno;
    listen_fd_.reset();
    return core::errnoError("bind " + options_.socket_path, e);
  }
  if (::listen(listen_fd_.get(), 8) != 0) return core::errnoError("listen", errno);
  listen_watch_ =
      loop_->watchFd(listen_fd_.get(), core::kReadable, [this](unsigned) { onAccept(); });
  OUTPOST_LOG(Info, kLog) << name_ << ": " << describe();
  return {};
}

void EmulatedSpan::onAccept() {
  for (;;) {
    int fd = ::accept4(listen_fd_.get(), nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) return;
    auto c = std::make_unique<Conn>();
    c->fd.reset(fd);
    Conn* raw = c.get();
    c->watch = loop_->watchFd(fd, core::kReadable, [this, raw](unsigned) { onHandshake(raw); });
    c->timeout =
        loop_->after(options_.hello_timeout, [this, raw] { dropPending(raw, "no HELLO in time"); });
    pending_.push_back(std::move(c));
  }
}

void EmulatedSpan::tryConnect() {
  bool lineWanted = !line_;
  bool bearerWanted = bearer_->open && !bearer_->connected && !parked_bearer_;
  for (const auto& p : pending_) {
    if (p->outgoing && p->kind == wire::ConnKind::kLine) lineWanted = false;
    if (p->outgoing && p->kind == wire::ConnKind::kBearer) bearerWanted = false;
  }
  if (lineWanted) connectOne(wire::ConnKind::kLine);
  // The bearer follows the line: without a far end there is nothing to pace.
  if (bearerWanted && line_) connectOne(wire::ConnKind::kBearer);
}

void EmulatedSpan::connectOne(wire::ConnKind kind) {
  auto addr = unixAddress(options_.socket_path);
  if (!addr) return;
  core::UniqueFd fd = seqpacketSocket();
  if (!fd) return;
  if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&*addr), sizeof *addr) != 0) {
    lineMaybeChanged();
    return;  // nobody there yet: red alarm until someone is
  }
  auto hello = wire::encodeHello(this->hello(kind));
  if (!sendMsg(fd.get(), hello)) return;
  auto c = std::make_unique<Conn>();
  c->fd = std::move(fd);
  c->outgoing = true;
  c->kind = kind;
  Conn* raw = c.get();
  c->watch =
      loop_->watchFd(c->fd.get(), core::kReadable, [this, raw](unsigned) { onHandshake(raw); });
  c->timeout = loop_->after(options_.hello_timeout,
                            [this, raw] { dropPending(raw, "the far end did not answer HELLO"); });
  pending_.push_back(std::move(c));
}

void EmulatedSpan::onHandshake(Conn* c) {
  std::vector<uint8_t> buf;
  ssize_t n = recvOne(c->fd.get(), buf);
  if (n == 0) return;
  if (n == kClosed) return dropPending(c, "the far end closed the connection during HELLO");
  auto type = wire::messageType(buf);
  if (type && *type == wire::MsgType::kRefuse) {
    std::string why = wire::decodeRefuse(buf);
    if (why != last_refusal_) {
      OUTPOST_LOG(Error, kLog) << name_ << ": the far end at " << options_.socket_path
                               << " refused us: " << why;
    }
    last_refusal_ = why;
    ++counters_.refusals;
    dropPending(c, "");
    lineMaybeChanged();
    return;
  }
  auto h = wire::decodeHello(buf);
  if (!h) {
    noteMalformed("HELLO: " + h.error().message);
    if (!c->outgoing) sendMsg(c->fd.get(), wire::encodeRefuse("bad HELLO: " + h.error().message));
    return dropPending(c, "");
  }
  if (auto why = wire::mismatch(hello(h->kind), *h)) {
    OUTPOST_LOG(Error, kLog) << name_ << ": refusing far end '" << h->name << "': " << *why;
    if (!c->outgoing) sendMsg(c->fd.get(), wire::encodeRefuse(*why));
    last_refusal_ = *why;
    ++counters_.refusals;
    dropPending(c, "");
    lineMaybeChanged();
    return;
  }
  if (!c->outgoing) {
    // A far end that reconnects may get here before we have read the EOF of
    // its old connection: a dead old line gives way to the new one.
    if (h->kind == wire::ConnKind::kLine && line_) {
      pollfd p{line_->fd.get(), POLLRDHUP, 0};
      if (::poll(&p, 1, 0) == 1 && (p.revents & (POLLRDHUP | POLLHUP | POLLERR))) {
        dropLine("the far end reconnected");
      }
    }
    if (h->kind == wire::ConnKind::kLine && line_) {
      sendMsg(c->fd.get(), wire::encodeRefuse(name_ + " already has a far end"));
      return dropPending(c, "");
    }
    sendMsg(c->fd.get(), wire::encodeHello(hello(h->kind)));
  }
  c->kind = h->kind;
  last_refusal_.clear();
  // Take it out of pending_, then give it its role.
  auto it = std::find_if(pending_.begin(), pending_.end(), [c](auto& p) { return p.get() == c; });
  std::unique_ptr<Conn> owned = std::move(*it);
  pending_.erase(it);
  owned->timeout.cancel();
  owned->watch.cancel();
  if (owned->kind == wire::ConnKind::kLine) {
    OUTPOST_LOG(Info, kLog) << name_ << ": line up with '" << h->name << "' ("
                            << options_.socket_path << ")";
    adoptLine(std::move(owned));
  } else {
    adoptBearer(std::move(owned));
  }
}

void EmulatedSpan::adoptLine(std::unique_ptr<Conn> c) {
  line_ = std::move(c);
  ++counters_.connects;
  far_status_ = {};
  status_sent_ = false;
  line_->watch =
      loop_->watchFd(line_->fd.get(), core::kReadable, [this](unsigned ev) { onLineReadable(ev); });
  sendStatus(true);
  lineMaybeChanged();
  if (mode_ == EmulatedOptions::Mode::kConnect) tryConnect();  // the bearer may follow now
}

void EmulatedSpan::adoptBearer(std::unique_ptr<Conn> c) {
  if (bearer_->open) {
    bearer_->handOver(std::move(c->fd));
    return;
  }
  // No port yet: keep the far end's bearer, reading and discarding its
  // frames so its socket never fills, until a port opens.
  parked_bearer_ = std::move(c);
  Conn* raw = parked_bearer_.get();
  parked_bearer_->watch = loop_->watchFd(raw->fd.get(), core::kReadable, [this, raw](unsigned) {
    std::vector<uint8_t> buf;
    for (int i = 0; i < 64; ++i) {
      ssize_t n = recvOne(raw->fd.get(), buf);
      if (n == 0) return;
      if (n == kClosed) {
        parked_bearer_.reset();
        return;
      }
    }
  });
}

void EmulatedSpan::dropPending(Conn* c, const std::string& why) {
  if (!why.empty()) {
    OUTPOST_LOG(Debug, kLog) << name_ << ": dropping connection: " << why;
  }
  std::erase_if(pending_, [c](auto& p) { return p.get() == c; });
}

void EmulatedSpan::dropLine(const std::string& why) {
  if (!line_) return;
  OUTPOST_LOG(Warning, kLog) << name_ << ": line down: " << why;
  line_.reset();
  far_status_ = {};
  lineMaybeChanged();
}

void EmulatedSpan::onLineReadable(unsigned) {
  std::vector<uint8_t> buf;
  // Bounded, so a flood on one span cannot starve the loop.
  for (int i = 0; i < 64 && line_; ++i) {
    ssize_t n = recvOne(line_->fd.get(), buf);
    if (n == 0) return;
    if (n == kClosed) return dropLine("the far end went away");
    auto type = wire::messageType(buf);
    if (!type) {
      noteMalformed(type.error().message);
      continue;
    }
    switch (*type) {
      case wire::MsgType::kDFrame: {
        auto frame = wire::decodeDFrame(buf);
        if (!frame) {
          noteMalformed(frame.error().message);
          break;
        }
        bool deaf = simulated_ == SimulatedAlarm::kRed || simulated_ == SimulatedAlarm::kBlue;
        if (dchannel_blocked_ || deaf) {
          ++counters_.frames_dropped;
          break;
        }
        ++counters_.frames_in;
        if (callbacks_.frame) callbacks_.frame(*frame);
        break;
      }
      case wire::MsgType::kStatus: {
        auto st = wire::decodeStatus(buf);
        if (!st) {
          noteMalformed(st.error().message);
          break;
        }
        far_status_ = *st;
        lineMaybeChanged();
        break;
      }
      default:
        noteMalformed("unexpected message type " + std::to_string(int(buf[0])) +
                      " on the line connection");
        break;
    }
  }
}

bool EmulatedSpan::sendFrame(std::span<const uint8_t> frame) {
  bool mute = simulated_ == SimulatedAlarm::kRed || simulated_ == SimulatedAlarm::kBlue;
  if (!line_ || dchannel_blocked_ || mute || frame.empty() || frame.size() > wire::kMaxDFrame) {
    ++counters_.frames_dropped;
    return false;
  }
  if (!sendMsg(line_->fd.get(), wire::encodeDFrame(frame))) {
    ++counters_.frames_dropped;
    return false;
  }
  ++counters_.frames_out;
  return true;
}

bool EmulatedSpan::waitLineWritable(int timeout_ms) const {
  if (!line_) return false;
  pollfd p{line_->fd.get(), POLLOUT, 0};
  int n;
  do {
    n = ::poll(&p, 1, timeout_ms);
  } while (n < 0 && errno == EINTR);
  return n == 1 && (p.revents & POLLOUT) != 0;
}

bool EmulatedSpan::sendMsg(int fd, std::span<const uint8_t> msg) {
  ssize_t n = ::send(fd, msg.data(), msg.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
  return n == static_cast<ssize_t>(msg.size());
}

void EmulatedSpan::sendStatus(bool force) {
  if (!line_) return;
  LineStatus ls = lineStatus();
  wire::Status st;
  st.los = simulated_ == SimulatedAlarm::kRed;
  st.ais = simulated_ == SimulatedAlarm::kBlue;
  // A framer that receives nothing usable tells the far end so (RAI).
  st.rai = simulated_ == SimulatedAlarm::kYellow || ls.alarms.severe();
  if (!force && status_sent_ && st == sent_status_) return;
  if (sendMsg(line_->fd.get(), wire::encodeStatus(st))) {
    sent_status_ = st;
    status_sent_ = true;
  }
}

LineStatus EmulatedSpan::lineStatus() const {
  LineStatus s;
  s.connected = line_ != nullptr;
  if (!line_) {
    s.alarms.red = true;
    s.detail = last_refusal_.empty() ? "no far end at " + options_.socket_path
                                     : "far end refused: " + last_refusal_;
    return s;
  }
  s.alarms.red = far_status_.los;
  s.alarms.blue = far_status_.ais;
  s.alarms.yellow = far_status_.rai;
  if (far_status_.los) {
    s.detail = "the far end sends no signal";
  } else if (far_status_.ais) {
    s.detail = "the far end sends AIS (all ones)";
  } else if (far_status_.rai) {
    s.detail = "the far end receives no signal from us (RAI)";
  } else {
    s.detail = "up";
  }
  return s;
}

void EmulatedSpan::lineMaybeChanged() {
  LineStatus now = lineStatus();
  sendStatus(false);
  if (now.connected == reported_.connected && now.alarms == reported_.alarms &&
      now.detail == reported_.detail) {
    return;
  }
  reported_ = now;
  if (callbacks_.lineChanged) callbacks_.lineChanged();
}

void EmulatedSpan::simulateAlarm(SimulatedAlarm a) {
  simulated_ = a;
  bearer_->alarm = static_cast<int>(a);
  OUTPOST_LOG(Notice, kLog) << name_ << ": simulating "
                            << (a == SimulatedAlarm::kNone
                                    ? "a clear line"
                                    : std::string(simulatedAlarmName(a)) + " alarm at the far end");
  sendStatus(true);
}

void EmulatedSpan::noteMalformed(const std::string& what) {
  ++counters_.malformed;
  // The first few in full, then one line per hundred, so a flood cannot fill the log.
  if (counters_.malformed <= 5 || counters_.malformed % 100 == 0) {
    OUTPOST_LOG(Warning, kLog) << name_ << ": dropped a malformed message from the far end ("
                               << what << "); " << counters_.malformed << " so far";
  }
}

core::Result<std::unique_ptr<BearerPort>> EmulatedSpan::openBearer() {
  if (bearer_->open) {
    return core::Error{core::ErrorCode::kAlreadyExists, name_ + " already has an open bearer port"};
  }
  bearer_->open = true;
  bearer_->connected = false;
  bearer_->alarm = static_cast<int>(simulated_);
  auto port = std::make_unique<EmulatedBearer>(layout_, law_, clocking_, bearer_);
  if (parked_bearer_) {
    parked_bearer_->watch.cancel();
    bearer_->handOver(std::move(parked_bearer_->fd));
    parked_bearer_.reset();
  } else if (mode_ == EmulatedOptions::Mode::kConnect && loop_) {
    tryConnect();
  }
  return std::unique_ptr<BearerPort>(std::move(port));
}

nlohmann::json EmulatedSpan::stats() const {
  return {{"backend", "emulated"},
          {"socket", options_.socket_path},
          {"mode", mode_ == EmulatedOptions::Mode::kListen ? "listen" : "connect"},
          {"clock", clockingName(clocking_)},
          {"connected", line_ != nullptr},
          {"bearer_connected", bearer_->connected.load()},
          {"simulated_alarm", simulatedAlarmName(simulated_)},
          {"dchannel_blocked", dchannel_blocked_},
          {"frames_in", counters_.frames_in},
          {"frames_out", counters_.frames_out},
          {"frames_dropped", counters_.frames_dropped},
          {"malformed", counters_.malformed},
          {"connects", counters_.connects},
          {"refusals", counters_.refusals}};
}

nlohmann::json BearerStats::toJson() const {
  return {{"ticks", ticks},
          {"rx_frames", rx_frames},
          {"tx_frames", tx_frames},
          {"rx_missing", rx_missing},
          {"missed_slots", missed_slots},
          {"seq_gaps", seq_gaps},
          {"malformed", malformed},
          {"tx_dropped", tx_dropped},
          {"connections", connections},
          {"max_lateness_us", max_lateness_us},
          {"connected", connected}};
}

}  // namespace outpost::tdm
