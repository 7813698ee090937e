// SpanMedia: the glue between one span's bearer I/O (tdm::BearerPort) and the
// call bridges on a media thread. The port moves to the media thread at
// construction; every 20 ms tick it hands each attached B-channel's frame to
// its bridge and takes back the frame to send. Which channel carries which
// bridge changes by message from the control thread.
//
// Construct, attach/detach and destroy on the control thread.
#pragma once

#include <map>
#include <memory>

#include "media/media_engine.hpp"
#include "tdm/bearer.hpp"

namespace outpost::gateway {

class SpanMedia {
 public:
  SpanMedia(media::MediaEngine& engine, unsigned thread, int span,
            std::unique_ptr<tdm::BearerPort> port);
  ~SpanMedia();  // waits for the media thread to let go of the port
  SpanMedia(const SpanMedia&) = delete;
  SpanMedia& operator=(const SpanMedia&) = delete;

  int span() const { return span_; }
  unsigned thread() const { return thread_; }
  media::Law law() const { return law_; }
  // Channel `ts` now carries bridge `id`; the line's echo canceller is
  // switched on for it when `echoCancel` (a no-op on emulated spans).
  void attach(int ts, media::BridgeId id, bool echoCancel);
  void detach(int ts);
  // The port's counters, fetched from the media thread; `done` runs on
  // `control`'s thread.
  void stats(core::EventLoop& control, std::function<void(tdm::BearerStats)> done);

 private:
  struct State;
  media::MediaEngine& engine_;
  unsigned thread_;
  int span_;
  media::Law law_;
  std::shared_ptr<State> state_;
};

}  // namespace outpost::gateway
