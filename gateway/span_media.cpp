#include "gateway/span_media.hpp"

#include <sys/epoll.h>

#include "core/event_loop.hpp"
#include "core/log.hpp"

namespace outpost::gateway {

// Lives on the media thread; the control thread only holds the pointer.
struct SpanMedia::State {
  std::unique_ptr<tdm::BearerPort> port;
  std::map<int, media::BridgeId> channels;
  media::MediaThread::Id watch = 0;
};

SpanMedia::SpanMedia(media::MediaEngine& engine, unsigned thread, int span,
                     std::unique_ptr<tdm::BearerPort> port)
    : engine_(engine),
      thread_(thread),
      span_(span),
      law_(port->law() == tdm::Law::kMulaw ? media::Law::kMuLaw : media::Law::kALaw),
      state_(std::make_shared<State>()) {
  state_->port = std::move(port);
  auto st = state_;
  engine_.thread(thread_).post([st](media::MediaThread& t) {
    st->port->setHandler([st, &t](tdm::BearerFrame& frame) {
      core::TimePoint now = core::SystemClock::instance().now();
      for (const auto& [ts, id] : st->channels) {
        media::Bridge* b = t.bridge(id);
        if (!b) continue;
        if (frame.rxFresh()) b->onTdmFrame(frame.rx(ts), now);
        b->produceTdmFrame(frame.tx(ts), now);
      }
    });
    st->watch = t.watchFd(st->port->fd(), EPOLLIN, [st](uint32_t) { st->port->service(); });
  });
}

SpanMedia::~SpanMedia() {
  auto st = state_;
  engine_.thread(thread_).runSync([st](media::MediaThread& t) {
    if (st->watch) t.unwatchFd(st->watch);
    st->port->setHandler(nullptr);
    st->port.reset();
  });
}

void SpanMedia::attach(int ts, media::BridgeId id, bool echoCancel) {
  auto st = state_;
  engine_.thread(thread_).post([st, ts, id, echoCancel](media::MediaThread&) {
    st->channels[ts] = id;
    if (echoCancel) {
      if (core::Status s = st->port->setEchoCancel(ts, true); !s) {
        OUTPOST_LOG(Warning, "media") << "echo canceller on timeslot " << ts << ": " << s.message();
      }
    }
  });
}

void SpanMedia::detach(int ts) {
  auto st = state_;
  engine_.thread(thread_).post([st, ts](media::MediaThread&) {
    st->channels.erase(ts);
    if (st->port->echoCancel(ts)) (void)st->port->setEchoCancel(ts, false);
  });
}

void SpanMedia::stats(core::EventLoop& control, std::function<void(tdm::BearerStats)> done) {
  auto st = state_;
  engine_.thread(thread_).post([st, done, &control](media::MediaThread&) {
    control.post([done, s = st->port->stats()] { done(s); });
  });
}

}  // namespace outpost::gateway
