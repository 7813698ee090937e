// MediaEngine: the control thread's handle on all media. It owns N media
// threads and the RTP port range; a call's bridge is created on one thread
// and stays there for its whole life. Every request travels as a message to
// that thread, every answer and event comes back as a message to the control
// thread's core::EventLoop: no state is shared.
//
//   auto b = engine.createBridge(cfg, onEvent);     // port known at once (for SDP)
//   engine.updateBridge(b->id, params);             // the answer, a re-INVITE, hold
//   engine.playDigit(b->id, '5', 100ms);            // SIP INFO
//   engine.requestStats(b->id, [](auto s) {...});   // outpostctl calls, CDR codec
//   engine.destroyBridge(b->id, [](auto final) {...});
//
// The B-channel side runs on the bridge's media thread: the owner of a span's
// bearer I/O registers its fd there (MediaThread::watchFd through
// engine.thread(i).post) and calls Bridge::onTdmFrame / produceTdmFrame for
// each channel every 20 ms, finding bridges with MediaThread::bridge(id).
//
// Construct, use and destroy on the control thread (the loop's thread);
// callbacks run there too.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/event_loop.hpp"
#include "media/bridge.hpp"
#include "media/media_thread.hpp"
#include "media/udp.hpp"

namespace outpost::media {

struct MediaEngineConfig {
  std::string rtpAddress = "127.0.0.1";  // local address RTP binds to (and our SDP's c=)
  uint16_t rtpPortMin = 20000;
  uint16_t rtpPortMax = 29999;
  unsigned threads = 2;
  core::Duration housekeeping = std::chrono::milliseconds(100);
  int realtimePriority = 0;  // see MediaThread::Options
};

class MediaEngine {
 public:
  MediaEngine(core::EventLoop& control, MediaEngineConfig config);
  ~MediaEngine();
  MediaEngine(const MediaEngine&) = delete;
  MediaEngine& operator=(const MediaEngine&) = delete;

  struct Created {
    BridgeId id = 0;
    std::string localAddress;
    uint16_t localPort = 0;  // RTP; RTCP is localPort + 1
    unsigned thread = 0;
  };
  using EventFn = std::function<void(const BridgeEvent&)>;

  // Takes a port pair now and builds the bridge on a media thread (the given
  // one, e.g. the thread that owns the span; else the least loaded). Fails
  // when the port range is exhausted.
  core::Result<Created> createBridge(BridgeConfig config, EventFn onEvent,
                                     std::optional<unsigned> thread = std::nullopt);
  void updateBridge(BridgeId id, const MediaParams& params);
  void playDigit(BridgeId id, char digit, std::chrono::milliseconds duration);
  // done(stats), or done(nullopt) for an unknown bridge.
  void requestStats(BridgeId id, std::function<void(std::optional<BridgeStats>)> done);
  // Closes the bridge (RTCP BYE), frees its port once its sockets are closed,
  // and hands back its final statistics. No events arrive after this call.
  void destroyBridge(BridgeId id, std::function<void(BridgeStats)> done = {});
  // Runs fn on the bridge's media thread with the bridge (nullptr if gone).
  void withBridge(BridgeId id, std::function<void(Bridge*, MediaThread&)> fn);

  unsigned threadCount() const { return static_cast<unsigned>(threads_.size()); }
  MediaThread& thread(unsigned i) { return *threads_.at(i); }
  std::optional<unsigned> threadOf(BridgeId id) const;
  size_t bridgeCount() const { return bridges_.size(); }
  size_t portsInUse() const { return ports_.inUse(); }
  const std::string& rtpAddress() const { return config_.rtpAddress; }

 private:
  struct Entry {
    unsigned thread;
    uint16_t port;
    EventFn onEvent;
  };
  // Lets messages posted back to the control loop notice that the engine is
  // gone.
  struct Alive {
    MediaEngine* engine;
  };

  core::EventLoop& control_;
  MediaEngineConfig config_;
  PortAllocator ports_;
  std::vector<std::unique_ptr<MediaThread>> threads_;
  std::vector<size_t> load_;
  std::unordered_map<BridgeId, Entry> bridges_;
  BridgeId next_id_ = 1;
  std::shared_ptr<Alive> alive_;
};

}  // namespace outpost::media
