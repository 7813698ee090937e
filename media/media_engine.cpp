#include "media/media_engine.hpp"

#include <algorithm>

#include "core/log.hpp"

namespace outpost::media {

MediaEngine::MediaEngine(core::EventLoop& control, MediaEngineConfig config)
    : control_(control),
      config_(std::move(config)),
      ports_(config_.rtpAddress, config_.rtpPortMin, config_.rtpPortMax),
      alive_(std::make_shared<Alive>(Alive{this})) {
  unsigned n = std::max(1u, config_.threads);
  for (unsigned i = 0; i < n; ++i) {
    MediaThread::Options o;
    o.housekeeping = config_.housekeeping;
    o.realtimePriority = config_.realtimePriority;
    threads_.push_back(std::make_unique<MediaThread>(i, o));
    load_.push_back(0);
  }
}

MediaEngine::~MediaEngine() {
  alive_->engine = nullptr;
  threads_.clear();  // joins; bridges close on their own threads
}

core::Result<MediaEngine::Created> MediaEngine::createBridge(BridgeConfig config, EventFn onEvent,
                                                             std::optional<unsigned> thread) {
  auto sockets = ports_.allocate();
  if (!sockets) return sockets.error();
  unsigned t;
  if (thread && *thread < threads_.size()) {
    t = *thread;
  } else {
    t = static_cast<unsigned>(std::min_element(load_.begin(), load_.end()) - load_.begin());
  }
  BridgeId id = next_id_++;
  Created c{id, sockets->address, sockets->port, t};
  bridges_[id] = Entry{t, sockets->port, std::move(onEvent)};
  ++load_[t];
  // Events cross back to the control loop; a bridge destroyed meanwhile (or
  // the whole engine) swallows them there.
  std::weak_ptr<Alive> alive = alive_;
  core::EventLoop* control = &control_;
  EventSink sink = [alive, control, id](BridgeEvent e) {
    control->post([alive, id, e = std::move(e)] {
      auto a = alive.lock();
      if (!a || !a->engine) return;
      auto it = a->engine->bridges_.find(id);
      if (it != a->engine->bridges_.end() && it->second.onEvent) it->second.onEvent(e);
    });
  };
  auto sock = std::make_shared<RtpSockets>(std::move(*sockets));
  threads_[t]->post([id, sock, config = std::move(config), sink](MediaThread& mt) mutable {
    mt.addBridge(std::make_unique<Bridge>(id, std::move(*sock), std::move(config), std::move(sink),
                                          std::chrono::steady_clock::now()));
  });
  return c;
}

void MediaEngine::withBridge(BridgeId id, std::function<void(Bridge*, MediaThread&)> fn) {
  auto it = bridges_.find(id);
  if (it == bridges_.end()) {
    fn(nullptr, *threads_[0]);
    return;
  }
  threads_[it->second.thread]->post(
      [id, fn = std::move(fn)](MediaThread& mt) { fn(mt.bridge(id), mt); });
}

void MediaEngine::updateBridge(BridgeId id, const MediaParams& params) {
  withBridge(id, [params](Bridge* b, MediaThread&) {
    if (b) b->update(params, std::chrono::steady_clock::now());
  });
}

void MediaEngine::playDigit(BridgeId id, char digit, std::chrono::milliseconds duration) {
  withBridge(id, [digit, duration](Bridge* b, MediaThread&) {
    if (b) b->playDigit(digit, duration);
  });
}

void MediaEngine::requestStats(BridgeId id, std::function<void(std::optional<BridgeStats>)> done) {
  if (!bridges_.count(id)) {
    control_.post([done = std::move(done)] { done(std::nullopt); });
    return;
  }
  std::weak_ptr<Alive> alive = alive_;
  core::EventLoop* control = &control_;
  withBridge(id, [alive, control, done = std::move(done)](Bridge* b, MediaThread&) mutable {
    std::optional<BridgeStats> s;
    if (b) s = b->stats();
    control->post([alive, done = std::move(done), s] {
      if (auto a = alive.lock(); a && a->engine) done(s);
    });
  });
}

std::optional<unsigned> MediaEngine::threadOf(BridgeId id) const {
  auto it = bridges_.find(id);
  if (it == bridges_.end()) return std::nullopt;
  return it->second.thread;
}

void MediaEngine::destroyBridge(BridgeId id, std::function<void(BridgeStats)> done) {
  auto it = bridges_.find(id);
  if (it == bridges_.end()) return;
  unsigned t = it->second.thread;
  uint16_t port = it->second.port;
  bridges_.erase(it);
  --load_[t];
  std::weak_ptr<Alive> alive = alive_;
  core::EventLoop* control = &control_;
  threads_[t]->post([id, port, alive, control, done = std::move(done)](MediaThread& mt) mutable {
    BridgeStats final;
    final.id = id;
    if (auto b = mt.removeBridge(id)) {
      b->close(std::chrono::steady_clock::now());
      final = b->stats();
    }  // sockets closed here, on the media thread
    control->post([alive, port, done = std::move(done), final] {
      auto a = alive.lock();
      if (!a || !a->engine) return;
      a->engine->ports_.release(port);
      if (done) done(final);
    });
  });
}

}  // namespace outpost::media
