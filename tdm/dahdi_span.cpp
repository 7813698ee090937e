#include "tdm/dahdi_span.hpp"

#include "config.h"

#ifdef OUTPOST_HAVE_DAHDI

#include <fcntl.h>
#include <stdint.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <unistd.h>

// dahdi/user.h needs the kernel's fixed-width types and ioctl macros first.
#include <linux/types.h>

#include <dahdi/user.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "core/handle.hpp"
#include "core/log.hpp"

namespace outpost::tdm {

namespace {

constexpr const char* kLog = "dahdi";

core::Result<core::UniqueFd> openChannel(const std::string& device, int channel, bool hdlc) {
  core::UniqueFd fd(::open(device.c_str(), O_RDWR | O_NONBLOCK | O_CLOEXEC));
  if (!fd) return core::errnoError("cannot open " + device, errno);
  int ch = channel;
  if (::ioctl(fd.get(), DAHDI_SPECIFY, &ch) != 0) {
    return core::errnoError("DAHDI_SPECIFY channel " + std::to_string(channel), errno);
  }
  dahdi_params p{};
  if (::ioctl(fd.get(), DAHDI_GET_PARAMS, &p) != 0) {
    return core::errnoError("DAHDI_GET_PARAMS channel " + std::to_string(channel), errno);
  }
  if (hdlc) {
    if (p.sigtype != DAHDI_SIG_HDLCFCS && p.sigtype != DAHDI_SIG_HARDHDLC) {
      return core::invalidArgument("DAHDI channel " + std::to_string(channel) +
                                   " is not configured as a D-channel (dchan= or hardhdlc= in "
                                   "system.conf, then dahdi_cfg)");
    }
    dahdi_bufferinfo bi{};
    bi.txbufpolicy = DAHDI_POLICY_IMMEDIATE;
    bi.rxbufpolicy = DAHDI_POLICY_IMMEDIATE;
    bi.numbufs = 32;
    bi.bufsize = 1024;
    if (::ioctl(fd.get(), DAHDI_SET_BUFINFO, &bi) != 0) {
      return core::errnoError("DAHDI_SET_BUFINFO channel " + std::to_string(channel), errno);
    }
  } else {
    int bs = kFrameSamples;
    if (::ioctl(fd.get(), DAHDI_SET_BLOCKSIZE, &bs) != 0) {
      return core::errnoError("DAHDI_SET_BLOCKSIZE channel " + std::to_string(channel), errno);
    }
  }
  return fd;
}

Alarms alarmsOf(int bits) {
  Alarms a;
  a.red = (bits & (DAHDI_ALARM_RED | DAHDI_ALARM_LOS | DAHDI_ALARM_NOTOPEN)) != 0;
  a.yellow = (bits & DAHDI_ALARM_YELLOW) != 0;
  a.blue = (bits & DAHDI_ALARM_BLUE) != 0;
  return a;
}

// The B-channels of one span. The card delivers a 160-byte block on every
// channel each 20 ms, all from the same interrupt: the first channel paces
// the ticks and the others are read in step with it.
class DahdiBearer final : public BearerPort {
 public:
  DahdiBearer(SpanLayout layout, Law law, DahdiOptions options)
      : layout_(std::move(layout)), law_(law), options_(std::move(options)) {
    size_t bytes = static_cast<size_t>(layout_.timeslotCount()) * kFrameSamples;
    rx_.assign(bytes, idleCode(law_));
    tx_.assign(bytes, idleCode(law_));
    echo_.assign(static_cast<size_t>(layout_.lastTimeslot() + 1), false);
  }

  core::Status open() {
    epoll_.reset(::epoll_create1(EPOLL_CLOEXEC));
    if (!epoll_) return core::errnoError("epoll_create1", errno);
    for (int ts : layout_.bchannels) {
      auto fd = openChannel(options_.device, options_.first_channel + ts - 1, false);
      if (!fd) return fd.status();
      fds_.emplace_back(ts, std::move(*fd));
    }
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u32 = 0;
    if (::epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, fds_.front().second.get(), &ev) != 0) {
      return core::errnoError("epoll_ctl", errno);
    }
    return {};
  }

  int fd() const override { return epoll_.get(); }
  void setHandler(Handler h) override { handler_ = std::move(h); }
  const SpanLayout& layout() const override { return layout_; }
  Law law() const override { return law_; }
  Clocking clocking() const override { return Clocking::kLoop; }  // the line's clock

  core::Status setEchoCancel(int ts, bool on) override {
    auto it = std::find_if(fds_.begin(), fds_.end(), [ts](auto& p) { return p.first == ts; });
    if (it == fds_.end()) {
      return core::invalidArgument("timeslot " + std::to_string(ts) + " is not a bearer channel");
    }
    // Only channels system.conf gives a canceller (echocanceller=, and
    // [span] echo_cancel not off) have one to switch on; others stay as they are.
    bool configured = std::find(options_.echo_cancel.begin(), options_.echo_cancel.end(), ts) !=
                      options_.echo_cancel.end();
    if (on && !configured) return {};
    dahdi_echocanparams ecp{};
    ecp.tap_length = on ? static_cast<__u32>(options_.echo_taps) : 0;
    ecp.param_count = 0;
    if (::ioctl(it->second.get(), DAHDI_ECHOCANCEL_PARAMS, &ecp) != 0) {
      return core::errnoError("DAHDI_ECHOCANCEL_PARAMS channel " + std::to_string(ts), errno);
    }
    echo_[static_cast<size_t>(ts)] = on;
    return {};
  }
  bool echoCancel(int ts) const override {
    return ts >= 0 && static_cast<size_t>(ts) < echo_.size() && echo_[static_cast<size_t>(ts)];
  }
  BearerStats stats() const override {
    BearerStats s = stats_;
    s.connected = !fds_.empty();
    return s;
  }

  void service() override {
    epoll_event evs[1];
    if (::epoll_wait(epoll_.get(), evs, 1, 0) <= 0) return;
    // One tick per block on the pacing channel; a backlog is worked off.
    for (int guard = 0; guard < 8; ++guard) {
      if (!readBlock(fds_.front())) return;
      for (size_t i = 1; i < fds_.size(); ++i)
        readBlock(fds_[i]);
      tick();
    }
  }

 private:
  bool readBlock(std::pair<int, core::UniqueFd>& ch) {
    uint8_t* dst = rx_.data() + layout_.slotIndex(ch.first) * kFrameSamples;
    ssize_t n = ::read(ch.second.get(), dst, kFrameSamples);
    if (n == kFrameSamples) {
      ++stats_.rx_frames;
      return true;
    }
    if (n < 0 && errno == ELAST) {
      int ev = 0;
      ::ioctl(ch.second.get(), DAHDI_GETEVENT, &ev);
      return false;
    }
    if (n >= 0 || errno != EAGAIN) ++stats_.malformed;
    std::memset(dst, idleCode(law_), kFrameSamples);
    ++stats_.rx_missing;
    return false;
  }

  void tick() {
    std::fill(tx_.begin(), tx_.end(), idleCode(law_));
    BearerFrame frame(layout_, rx_, tx_, tick_, std::chrono::steady_clock::now(), true);
    if (handler_) handler_(frame);
    ++tick_;
    ++stats_.ticks;
    for (auto& [ts, fd] : fds_) {
      const uint8_t* src = tx_.data() + layout_.slotIndex(ts) * kFrameSamples;
      ssize_t n = ::write(fd.get(), src, kFrameSamples);
      if (n == kFrameSamples) {
        ++stats_.tx_frames;
      } else {
        ++stats_.tx_dropped;
      }
    }
  }

  SpanLayout layout_;
  Law law_;
  DahdiOptions options_;
  core::UniqueFd epoll_;
  std::vector<std::pair<int, core::UniqueFd>> fds_;
  std::vector<uint8_t> rx_, tx_;
  std::vector<bool> echo_;
  Handler handler_;
  uint64_t tick_ = 0;
  BearerStats stats_;
};

class DahdiSpan final : public SpanBackend {
 public:
  DahdiSpan(std::string name, SpanLayout layout, Law law, DahdiOptions options)
      : name_(std::move(name)),
        layout_(std::move(layout)),
        law_(law),
        options_(std::move(options)) {}

  const char* kind() const override { return "dahdi"; }
  std::string describe() const override {
    return "DAHDI span " + std::to_string(options_.dahdi_span) + " (channels " +
           std::to_string(options_.first_channel) + "-" +
           std::to_string(options_.first_channel + layout_.lastTimeslot() - 1) + ", D-channel " +
           std::to_string(options_.first_channel + layout_.dchannel - 1) + ")";
  }
  const SpanLayout& layout() const override { return layout_; }
  Law law() const override { return law_; }

  core::Status start(core::EventLoop& loop, Callbacks callbacks) override {
    callbacks_ = std::move(callbacks);
    auto fd = openChannel(options_.device, options_.first_channel + layout_.dchannel - 1, true);
    if (!fd) return fd.error();
    dchan_ = std::move(*fd);
    watch_ = loop.watchFd(dchan_.get(), core::kReadable, [this](unsigned) { onReadable(); });
    refreshAlarms();
    OUTPOST_LOG(Info, kLog) << name_ << ": " << describe();
    return {};
  }

  bool sendFrame(std::span<const uint8_t> frame) override {
    if (!dchan_) return false;
    // DAHDI fills in the FCS: the write carries two bytes of room for it.
    std::vector<uint8_t> buf(frame.begin(), frame.end());
    buf.push_back(0);
    buf.push_back(0);
    ssize_t n = ::write(dchan_.get(), buf.data(), buf.size());
    if (n < 0 && errno == ELAST) {
      onEvent();
      return false;
    }
    if (n != static_cast<ssize_t>(buf.size())) {
      ++dropped_;
      return false;
    }
    ++frames_out_;
    return true;
  }

  LineStatus lineStatus() const override {
    LineStatus s;
    s.connected = dchan_.valid();
    s.alarms = alarms_;
    s.detail = detail_;
    return s;
  }

  core::Result<std::unique_ptr<BearerPort>> openBearer() override {
    auto b = std::make_unique<DahdiBearer>(layout_, law_, options_);
    if (auto s = b->open(); !s) return s.error();
    return std::unique_ptr<BearerPort>(std::move(b));
  }

  nlohmann::json stats() const override {
    return {{"backend", "dahdi"},
            {"span", options_.dahdi_span},
            {"first_channel", options_.first_channel},
            {"frames_in", frames_in_},
            {"frames_out", frames_out_},
            {"frames_dropped", dropped_},
            {"bad_fcs", bad_fcs_},
            {"aborts", aborts_}};
  }

 private:
  void onReadable() {
    uint8_t buf[1024 + 2];
    for (int i = 0; i < 32; ++i) {
      ssize_t n = ::read(dchan_.get(), buf, sizeof buf);
      if (n < 0) {
        if (errno == ELAST) {
          onEvent();
          continue;
        }
        return;
      }
      if (n <= 2) continue;
      ++frames_in_;
      if (callbacks_.frame)
        callbacks_.frame(std::span<const uint8_t>(buf, static_cast<size_t>(n - 2)));
    }
  }

  void onEvent() {
    int ev = 0;
    if (::ioctl(dchan_.get(), DAHDI_GETEVENT, &ev) != 0) return;
    switch (ev) {
      case DAHDI_EVENT_ALARM:
      case DAHDI_EVENT_NOALARM:
        refreshAlarms();
        break;
      case DAHDI_EVENT_BADFCS:
        ++bad_fcs_;
        break;
      case DAHDI_EVENT_ABORT:
      case DAHDI_EVENT_OVERRUN:
        ++aborts_;
        break;
      default:
        break;
    }
  }

  void refreshAlarms() {
    dahdi_spaninfo si{};
    si.spanno = options_.dahdi_span;
    Alarms before = alarms_;
    if (::ioctl(dchan_.get(), DAHDI_SPANSTAT, &si) == 0) {
      alarms_ = alarmsOf(si.alarms);
      detail_ =
          alarms_.any() ? std::string("DAHDI reports ") + alarmsName(alarms_) + " alarm" : "up";
    } else {
      detail_ = std::string("DAHDI_SPANSTAT failed: ") + std::strerror(errno);
    }
    if (!(before == alarms_) && callbacks_.lineChanged) callbacks_.lineChanged();
  }

  std::string name_;
  SpanLayout layout_;
  Law law_;
  DahdiOptions options_;
  Callbacks callbacks_;
  core::UniqueFd dchan_;
  core::FdWatch watch_;
  Alarms alarms_;
  std::string detail_ = "not started";
  uint64_t frames_in_ = 0, frames_out_ = 0, dropped_ = 0, bad_fcs_ = 0, aborts_ = 0;
};

}  // namespace

bool dahdiCompiledIn() {
  return true;
}

core::Result<std::unique_ptr<SpanBackend>> makeDahdiSpan(std::string name, SpanLayout layout,
                                                         Law law, DahdiOptions options) {
  if (auto v = layout.validate(); !v) return v.error();
  return std::unique_ptr<SpanBackend>(
      std::make_unique<DahdiSpan>(std::move(name), std::move(layout), law, std::move(options)));
}

}  // namespace outpost::tdm

#else  // no dahdi/user.h at configure time

namespace outpost::tdm {

bool dahdiCompiledIn() {
  return false;
}

core::Result<std::unique_ptr<SpanBackend>> makeDahdiSpan(std::string, SpanLayout, Law,
                                                         DahdiOptions) {
  return core::unavailable(
      "this build has no DAHDI support (dahdi/user.h was missing at configure time; Debian: "
      "apt-get install dahdi-source, then configure again)");
}

}  // namespace outpost::tdm

#endif
