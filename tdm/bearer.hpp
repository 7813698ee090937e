// A span's bearer side, in the form a media thread owns: one file descriptor
// to poll, and a tick every 20 ms in which the handler reads the frame that
// arrived on each timeslot (160 bytes in the span's law) and writes the frame
// to send on each. The same interface serves emulated spans and DAHDI cards.
//
// Threads: a BearerPort is created on the control thread (by the span's
// backend) and from then on belongs to exactly one thread, usually a media
// thread: fd(), service(), setHandler(), setEchoCancel() and stats() are
// called there only. Nothing in it is shared with the control thread except
// through the backend's own thread-safe hand-over of connections.
//
// Clocking: on a real line the network provides the clock. An emulated span
// has one clock master (by default the network side) that sends a frame
// every 20 ms, paced by CLOCK_MONOTONIC; the other end answers each frame it
// receives (loop timing), so both ends stay in step.
#pragma once

#include <cstdint>
#include <functional>
#include <span>

#include <nlohmann/json.hpp>

#include "core/clock.hpp"
#include "core/result.hpp"
#include "tdm/span.hpp"

namespace outpost::tdm {

enum class Clocking { kMaster, kLoop };
const char* clockingName(Clocking c);

// One tick's frames: what arrived and what to send, per timeslot.
class BearerFrame {
 public:
  BearerFrame(const SpanLayout& layout, std::span<const uint8_t> rx, std::span<uint8_t> tx,
              uint64_t tick, core::TimePoint due, bool rxFresh)
      : layout_(layout), rx_(rx), tx_(tx), tick_(tick), due_(due), rx_fresh_(rxFresh) {}

  // 160 bytes that arrived on timeslot `ts`; idle code when nothing arrived.
  std::span<const uint8_t> rx(int ts) const {
    return rx_.subspan(layout_.slotIndex(ts) * kFrameSamples, kFrameSamples);
  }
  // Where the 160 bytes to send on `ts` go; prefilled with the idle code.
  std::span<uint8_t> tx(int ts) const {
    return tx_.subspan(layout_.slotIndex(ts) * kFrameSamples, kFrameSamples);
  }
  const SpanLayout& layout() const { return layout_; }
  uint64_t tick() const { return tick_; }
  // When this tick was due (master: its slot on the 20 ms grid; loop: when
  // the far end's frame was read). now() - due() is how late it runs.
  core::TimePoint due() const { return due_; }
  // False when no frame from the far end arrived for this tick.
  bool rxFresh() const { return rx_fresh_; }

 private:
  const SpanLayout& layout_;
  std::span<const uint8_t> rx_;
  std::span<uint8_t> tx_;
  uint64_t tick_;
  core::TimePoint due_;
  bool rx_fresh_;
};

struct BearerStats {
  uint64_t ticks = 0;
  uint64_t rx_frames = 0;
  uint64_t tx_frames = 0;
  uint64_t rx_missing = 0;    // master ticks with no frame from the far end
  uint64_t missed_slots = 0;  // master ticks that ran a whole period late
  uint64_t seq_gaps = 0;      // far-end frames lost between two we received
  uint64_t malformed = 0;
  uint64_t tx_dropped = 0;  // frames the socket or driver would not take
  uint64_t connections = 0;
  int64_t max_lateness_us = 0;
  bool connected = false;
  nlohmann::json toJson() const;
};

class BearerPort {
 public:
  using Handler = std::function<void(BearerFrame&)>;
  virtual ~BearerPort() = default;

  // Poll this for readability; it stays the same for the port's life.
  virtual int fd() const = 0;
  // Runs whatever is due: frames that arrived, ticks that fell due. Call it
  // when fd() is readable (calling it at other times is harmless).
  virtual void service() = 0;
  // Called once per tick. Without a handler every timeslot sends idle code.
  virtual void setHandler(Handler h) = 0;

  virtual const SpanLayout& layout() const = 0;
  virtual Law law() const = 0;
  virtual Clocking clocking() const = 0;
  // The line's echo canceller on one channel, switched per call (DAHDI: the
  // kernel or card canceller through DAHDI_ECHOCANCEL_PARAMS, on the
  // channels system.conf gives one, a no-op on the others; emulated:
  // remembered and reported, nothing to cancel).
  virtual core::Status setEchoCancel(int ts, bool on) = 0;
  virtual bool echoCancel(int ts) const = 0;
  virtual BearerStats stats() const = 0;
};

}  // namespace outpost::tdm
