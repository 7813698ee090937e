// Added delay through a bridge, median and p99, over real loopback UDP with
// a far end on its own thread sending 20 ms RTP packets on its own clock:
// - RTP in -> B-channel: from a packet leaving the far end to its first
//   sample leaving toward the B-channel (tick wait + jitter buffer);
// - B-channel in -> RTP: from a 20 ms frame arriving from the B-channel to
//   its packet arriving at the far end;
// - round trip RTP -> B-channel -> far-end echo -> RTP, with the line
//   echoing each frame one frame (20 ms) later, as an emulated span and
//   pstn-sim's echo do: from a packet leaving the far end to the packet
//   carrying its echo arriving back. The gateway's goal is p99 < 45 ms.
// The B-channel side is synthetic (a 20 ms timer on the media thread).
#include <poll.h>
#include <sys/socket.h>

#include <atomic>
#include <mutex>
#include <thread>

#include "bench/bench.hpp"
#include "core/event_loop.hpp"
#include "media/media_engine.hpp"

using namespace outpost::media;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using outpost::core::TimePoint;

namespace {

constexpr int16_t kLoud = 8000;
bool loud(std::span<const uint8_t> ulaw, size_t* at = nullptr) {
  for (size_t i = 0; i < ulaw.size(); ++i)
    if (std::abs(ulawToLinear(ulaw[i])) > 4000) {
      if (at) *at = i;
      return true;
    }
  return false;
}

enum class Mode { kRtpToTdm, kTdmToRtp, kRoundTrip };

struct Shared {
  std::mutex m;
  std::vector<double> delaysMs;
  std::atomic<int64_t> burstSentNs{0};   // far end: when the last burst packet left
  std::atomic<int64_t> burstFrameNs{0};  // B-channel: when the last burst frame came in
};

int64_t ns(TimePoint t) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
}

// The B-channel side, on the media thread.
struct Line {
  Mode mode;
  Shared* shared;
  BridgeId id;
  std::array<uint8_t, kFrameSamples> previous{};
  bool wasLoud = false;
  int tick = 0;
  Line(Mode m, Shared* s, BridgeId i) : mode(m), shared(s), id(i) { previous.fill(0xFF); }
  void run(MediaThread& mt, TimePoint due) {
    Bridge* b = mt.bridge(id);
    if (!b) return;
    std::array<uint8_t, kFrameSamples> out;
    b->produceTdmFrame(out, Clock::now());
    auto produced = Clock::now();
    size_t at = 0;
    bool isLoud = loud(out, &at);
    if (mode == Mode::kRtpToTdm && isLoud && !wasLoud && shared->burstSentNs != 0) {
      double ms = (ns(produced) + static_cast<int64_t>(at) * 125000 - shared->burstSentNs) / 1e6;
      std::lock_guard<std::mutex> lock(shared->m);
      shared->delaysMs.push_back(ms);
    }
    wasLoud = isLoud;
    std::array<uint8_t, kFrameSamples> in;
    if (mode == Mode::kRoundTrip) {
      in = previous;  // the line echoes one frame later
      previous = out;
    } else {
      in.fill(0xFF);
      if (mode == Mode::kTdmToRtp && tick % 5 == 4) {
        in.fill(linearToUlaw(kLoud));
        shared->burstFrameNs = ns(due);
      }
    }
    b->onTdmFrame(in, Clock::now());
    ++tick;
  }
};

// The far end: a socket on its own thread, 20 ms packets on its own clock.
void farEnd(Mode mode, Shared* shared, outpost::core::UniqueFd& fd, Endpoint to,
            std::atomic<bool>& stop, TimePoint start) {
  std::array<uint8_t, kRtpHeaderSize + kFrameSamples> pkt;
  std::array<uint8_t, kFrameSamples> payload;
  RtpHeader h{true, 0, 1000, 5000, 0xFA4E};
  auto next = start;
  int n = 0;
  bool wasLoud = false;
  while (!stop) {
    // Receive until the next send is due, so arrivals are timed when they
    // happen, not when the sender's 20 ms loop comes round.
    for (;;) {
      auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(next - Clock::now()).count();
      pollfd pfd{fd.get(), POLLIN, 0};
      if (poll(&pfd, 1, static_cast<int>(std::max<int64_t>(left, 0))) <= 0) break;
      std::array<uint8_t, 2048> buf;
      ssize_t r = recv(fd.get(), buf.data(), buf.size(), MSG_DONTWAIT);
      if (r < 0) continue;
      auto arrived = Clock::now();
      auto v = parseRtp(std::span<const uint8_t>(buf.data(), static_cast<size_t>(r)));
      if (!v || v->header.payloadType != 0) continue;
      bool isLoud = loud(v->payload);
      if (isLoud && !wasLoud) {
        int64_t from =
            mode == Mode::kTdmToRtp ? shared->burstFrameNs.load() : shared->burstSentNs.load();
        if (from != 0) {
          std::lock_guard<std::mutex> lock(shared->m);
          shared->delaysMs.push_back((ns(arrived) - from) / 1e6);
        }
      }
      wasLoud = isLoud;
    }
    std::this_thread::sleep_until(next);
    next += 20ms;
    bool burst = mode != Mode::kTdmToRtp && n % 5 == 4;
    payload.fill(burst ? linearToUlaw(kLoud) : 0xFF);
    size_t len = writeRtp(pkt, h, payload);
    auto sent = Clock::now();
    sendto(fd.get(), pkt.data(), len, 0, to.sa(), to.len);
    if (burst) shared->burstSentNs = ns(sent);
    h.marker = false;
    ++h.sequence;
    h.timestamp += kFrameSamples;
    ++n;
  }
}

std::vector<double> measure(outpost::core::EventLoop& loop, Mode mode, double seconds,
                            const std::string& addr, std::chrono::microseconds phase,
                            JitterStats* jitter, std::chrono::milliseconds* jbDelay) {
  MediaEngineConfig cfg;
  cfg.rtpAddress = addr;
  cfg.rtpPortMin = 45000;
  cfg.rtpPortMax = 45099;
  cfg.threads = 1;
  cfg.realtimePriority = 10;
  MediaEngine engine(loop, cfg);
  auto farAt = *Endpoint::parse(addr, 0);
  auto farFd = bindUdp(farAt).value();
  farAt.setPort(localPort(farFd.get()));
  auto c = engine.createBridge({}, {});
  if (!c) return {};
  MediaParams p;
  p.remoteAddress = addr;
  p.remotePort = farAt.port();
  p.remoteRtcpPort = static_cast<uint16_t>(farAt.port() + 1);
  engine.updateBridge(c->id, p);
  Shared shared;
  auto line = std::make_shared<Line>(mode, &shared, c->id);
  MediaThread::Id timer = 0;
  TimePoint grid;
  engine.thread(0).runSync([&](MediaThread& mt) {
    grid = Clock::now();
    timer = mt.every(20ms, [line, &mt](TimePoint due) { line->run(mt, due); });
  });
  std::atomic<bool> stop{false};
  auto to = *Endpoint::parse(addr, c->localPort);
  std::thread far([&] { farEnd(mode, &shared, farFd, to, stop, grid + 40ms + phase); });
  loop.runUntil([] { return false; }, 4s);  // the jitter buffer settles from its initial 40 ms
  {
    std::lock_guard<std::mutex> lock(shared.m);
    shared.delaysMs.clear();
  }
  loop.runUntil([] { return false; }, std::chrono::milliseconds(static_cast<int>(seconds * 1000)));
  stop = true;
  far.join();
  engine.thread(0).runSync([&](MediaThread& mt) {
    mt.cancel(timer);
    if (Bridge* b = mt.bridge(c->id)) {
      *jitter = b->stats().jitterBuffer;
      *jbDelay = b->stats().jitterDelay;
    }
  });
  std::lock_guard<std::mutex> lock(shared.m);
  return shared.delaysMs;
}

}  // namespace

int main(int argc, char** argv) {
  outpost::core::SofiaInit su;
  outpost::core::EventLoop loop;
  double seconds = argc > 1 ? std::atof(argv[1]) : 3.0;  // per arrival phase
  std::string addr = "127.0.2." + std::to_string(10 + getpid() % 200);
  struct Run {
    Mode mode;
    const char* name;
    const char* detail;
  };
  const Run runs[] = {
      {Mode::kRtpToTdm, "media.delay.rtp_to_tdm",
       "packet sent by the far end -> its first sample out to the B-channel"},
      {Mode::kTdmToRtp, "media.delay.tdm_to_rtp",
       "B-channel frame in -> its packet at the far end"},
      {Mode::kRoundTrip, "media.delay.round_trip",
       "RTP -> B-channel -> echo one frame later -> RTP"},
  };
  for (const Run& r : runs) {
    // The far end's packets land at four different points of the B-channel's
    // 20 ms cycle (they are not synchronised in real life either).
    std::vector<double> d;
    JitterStats js;
    std::chrono::milliseconds jb{0};
    int phases = r.mode == Mode::kTdmToRtp ? 1 : 4;
    for (int ph = 0; ph < phases; ++ph) {
      auto part = measure(loop, r.mode, seconds, addr, std::chrono::microseconds(ph * 5000 + 2500),
                          &js, &jb);
      std::printf(
          "  %s, far end at +%.1f ms in the cycle: median %.2f ms, p99 %.2f ms, jitter buffer %lld "
          "ms, late %llu, grows %llu, shrinks %llu\n",
          r.name, ph * 5 + 2.5, outpost::bench::percentile(part, 50),
          outpost::bench::percentile(part, 99), static_cast<long long>(jb.count()),
          static_cast<unsigned long long>(js.late), static_cast<unsigned long long>(js.grows),
          static_cast<unsigned long long>(js.shrinks));
      d.insert(d.end(), part.begin(), part.end());
    }
    std::string detail = std::string(r.detail) + ", " + std::to_string(d.size()) + " samples";
    if (r.mode != Mode::kTdmToRtp)
      detail += ", " + std::to_string(phases) + " arrival phases, jitter buffer " +
                std::to_string(jb.count()) + " ms, late " + std::to_string(js.late);
    outpost::bench::record(std::string(r.name) + ".median", outpost::bench::percentile(d, 50), "ms",
                           0, detail);
    double p99 = outpost::bench::percentile(d, 99);
    outpost::bench::record(std::string(r.name) + ".p99", p99, "ms",
                           r.mode == Mode::kRoundTrip ? 45.0 : 0,
                           r.mode == Mode::kRoundTrip ? "baseline: the 45 ms round-trip goal" : "");
  }
  return 0;
}
